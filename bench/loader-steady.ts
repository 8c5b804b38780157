/**
 * The read path of one loader, driven in this thread: `openLoader` (what a
 * loader thread, or an accelerator with read_threads 0, runs) for a few
 * epochs, every batch's buffers handed back as an accelerator hands them.
 * Per epoch: samples, wall time, this process's CPU time (user + system, all
 * threads: libuv's reads included) and the buffer pool's allocations.
 *
 * bench/loader.ts runs it in a fresh process per measurement:
 *   node --import tsx bench/loader-steady.ts <root> <folder> <layout> <codec> [epochs]
 * (prints one JSON line per epoch). Profile it the same way with `--cpu-prof`.
 */
import { fileURLToPath } from 'node:url';
import { defaultWorkload } from '../src/config/load.ts';
import type { Workload } from '../src/config/types.ts';
import { resolveRun } from '../src/dataset/run-plan.ts';
import type { RunPlan } from '../src/dataset/types.ts';
import { recyclableBuffers } from '../src/train/batch.ts';
import { openLoader } from '../src/train/loader-runtime.ts';

export interface EpochCost {
  samples: number;
  wallMs: number;
  cpuMs: number;
  /** Buffers the loader's pool had to allocate during the epoch (0: the steady state allocates nothing). */
  allocations: number;
}

/** The decode dataset: 8 files × 8,192 rows, label + emb float32[512] read, aux float32[256] not read. */
export function decodeWorkload(
  root: string,
  folder: string,
  layout: string,
  codec: string,
  set: string[] = [],
): Workload {
  return defaultWorkload([
    `storage.storage_root=${root}`,
    `dataset.data_folder=${folder}`,
    'dataset.num_files_train=8',
    'dataset.num_samples_per_file=8192',
    `dataset.compression=${codec}`,
    'dataset.parquet.row_group_size=2048',
    `dataset.parquet.vector_layout=${layout}`,
    'dataset.parquet.read_mode=row_group',
    'dataset.parquet.columns=[{name: label, dtype: float32}, {name: emb, dtype: float32, size: 512}, {name: aux, dtype: float32, size: 256, read: false}]',
    'reader.batch_size=256',
    'reader.prefetch_size=2',
    'reader.read_threads=0',
    'train.computation_time=0',
    'run.accelerators=1',
    ...set,
  ]);
}

export async function steadyEpochs(plan: RunPlan): Promise<EpochCost[]> {
  const loader = openLoader({ plan, accelerator: 0, worker: 0, workers: 1, onBytes: () => {} });
  await loader.prepare();
  const out: EpochCost[] = [];
  try {
    for (let epoch = 0; epoch < plan.training.epochs; epoch++) {
      const allocated = loader.poolStats().allocations;
      const cpu = process.cpuUsage();
      const started = performance.now();
      let samples = 0;
      for await (const batch of loader.epoch(epoch)) {
        samples += batch.samples;
        loader.recycle(recyclableBuffers(batch));
      }
      const wallMs = performance.now() - started;
      const used = process.cpuUsage(cpu);
      out.push({
        samples,
        wallMs,
        cpuMs: (used.user + used.system) / 1000,
        allocations: loader.poolStats().allocations - allocated,
      });
    }
  } finally {
    await loader.close();
  }
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [root, folder, layout, codec, epochs] = process.argv.slice(2);
  if (!root || !folder || !layout || !codec) {
    console.error('usage: loader-steady.ts <root> <folder> <layout> <codec> [epochs]');
    process.exit(2);
  }
  const plan = resolveRun(decodeWorkload(root, folder, layout, codec, [`train.epochs=${epochs ?? 4}`]));
  for (const epoch of await steadyEpochs(plan)) console.log(JSON.stringify(epoch));
}
