/**
 * Child process of bench/generate.ts: generates one FLUX-like file (one
 * float32 column of 524,328 values per row, 288 rows, one row group) to a
 * local directory and prints its figures and this process's peak RSS as JSON.
 */
import { defaultWorkload } from '../src/config/load.ts';
import type { VectorLayout } from '../src/config/types.ts';
import { resolveRun } from '../src/dataset/run-plan.ts';
import { generateShard } from '../src/generate/shard.ts';
import { planGenerateShards } from '../src/generate/shards.ts';
import { LocalStorage } from '../src/storage/local.ts';

const [dir, layout = 'list'] = process.argv.slice(2);
if (!dir) throw new Error('usage: generate-flux.ts <dir> [list|fixed]');
const w = defaultWorkload();
w.storage.storage_root = dir;
w.dataset.data_folder = 'flux';
w.dataset.num_files_train = 1;
w.dataset.num_samples_per_file = 288;
w.dataset.compression = 'none';
w.dataset.parquet.row_group_size = 288;
w.dataset.parquet.vector_layout = layout as VectorLayout;
w.dataset.parquet.columns = [{ name: 'latent', dtype: 'float32', size: 524_328, read: true }];
const storage = new LocalStorage(dir);
const result = await generateShard(
  resolveRun(w),
  planGenerateShards(resolveRun(w).dataset.layout, 1)[0],
  storage,
  { force: true },
);
process.stdout.write(
  `${JSON.stringify({
    bytes: result.bytesWritten,
    seconds: result.seconds,
    maxRssMB: process.resourceUsage().maxRSS / 1024,
  })}\n`,
);
