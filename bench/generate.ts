/**
 * pqbench generate throughput vs pyarrow and DuckDB, and peak RSS on a
 * FLUX-like workload. Prints medians of RUNS runs; nothing is asserted (speed
 * is not a test). Run: `npx tsx bench/generate.ts` (a few minutes on 2 cores;
 * the pyarrow column needs `pip install pyarrow`).
 *
 * pyarrow (bench/py/pyarrow_write.py, one core): its best single-thread path —
 * numpy draws → FixedSizeListArray (list) or fixed_size_binary (fixed) →
 * pq.write_table, dictionary off, same row group size and zstd level 3; timed
 * generation + write, the like-for-like figure.
 *
 * pqbench: generateShard in this thread (one core), values generated on the
 * fly, streamed to local disk — end to end. DuckDB, with `threads=1` (the
 * same single core):
 *  - "gen+COPY": `COPY (SELECT <random values> FROM range(N)) TO file` — it
 *    generates and writes, like pqbench (the like-for-like ratio);
 *  - "COPY table": COPY of a table already materialised in memory — writing
 *    only, value generation not timed (a ceiling that favours DuckDB), shown
 *    with 1 thread and with DuckDB's default threads.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { defaultWorkload } from '../src/config/load.ts';
import type { Codec, VectorLayout, Workload } from '../src/config/types.ts';
import { resolveRun } from '../src/dataset/run-plan.ts';
import { generateShard } from '../src/generate/shard.ts';
import { planGenerateShards } from '../src/generate/shards.ts';
import { zstdBackendName } from '../src/parquet/codec/codecs.ts';
import { LocalStorage } from '../src/storage/local.ts';

const RUNS = Number(process.env.RUNS ?? 3);
const ROWS = 40_000;
const FILES = 4;
const SIZE = 512;
const ROW_GROUP = 10_000;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function workload(dir: string, layout: VectorLayout, codec: Codec): Workload {
  const w = defaultWorkload();
  w.storage.storage_root = dir;
  w.dataset.data_folder = `pq-${layout}-${codec}`;
  w.dataset.num_files_train = FILES;
  w.dataset.num_samples_per_file = ROWS / FILES;
  w.dataset.compression = codec;
  w.dataset.parquet.row_group_size = ROW_GROUP;
  w.dataset.parquet.vector_layout = layout;
  w.dataset.parquet.columns = [
    { name: 'label', dtype: 'float32', size: 1, read: true },
    { name: 'dense', dtype: 'float32', size: SIZE, read: true },
  ];
  return w;
}

async function pqbenchRun(
  dir: string,
  layout: VectorLayout,
  codec: Codec,
): Promise<{ mbps: number; bytes: number }> {
  const w = workload(dir, layout, codec);
  const storage = new LocalStorage(dir);
  const result = await generateShard(
    resolveRun(w),
    planGenerateShards(resolveRun(w).dataset.layout, 1)[0],
    storage,
    { force: true },
  );
  return { mbps: result.bytesWritten / 1e6 / result.seconds, bytes: result.bytesWritten };
}

function denseExpression(layout: VectorLayout): string {
  // The same shape as pqbench's files: LIST<FLOAT>, or 2048 random bytes per row (FIXED_LEN_BYTE_ARRAY's bytes).
  return layout === 'list'
    ? `list_transform(range(${SIZE}), x -> random()::FLOAT)`
    : `unhex(array_to_string(list_transform(range(${(SIZE * 4) / 16}), x -> md5(random()::VARCHAR)), ''))`;
}

async function duckdbRuns(
  dir: string,
  layout: VectorLayout,
  codec: Codec,
  mode: 'generate' | 'table',
  threads: number | null,
): Promise<number[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  const select = `SELECT random()::FLOAT AS label, ${denseExpression(layout)} AS dense FROM range(${ROWS})`;
  if (mode === 'table') await con.run(`CREATE TABLE t AS ${select}`);
  if (threads !== null) await con.run(`SET threads = ${threads}`);
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const file = path.join(dir, `duck-${layout}-${codec}-${mode}-${threads ?? 'default'}.parquet`);
    const source = mode === 'table' ? 't' : `(${select})`;
    const started = performance.now();
    await con.run(
      `COPY ${source} TO '${file}' (FORMAT parquet, COMPRESSION ${codec === 'none' ? 'uncompressed' : codec}, ROW_GROUP_SIZE ${ROW_GROUP})`,
    );
    const seconds = (performance.now() - started) / 1000;
    out.push((await stat(file)).size / 1e6 / seconds);
    await rm(file);
  }
  con.closeSync();
  instance.closeSync();
  return out;
}

/** pyarrow's generate + write MB/s (median of RUNS), or NaN without pyarrow. */
function pyarrowRun(dir: string, layout: VectorLayout, codec: Codec): number {
  const script = path.join(import.meta.dirname, 'py', 'pyarrow_write.py');
  const child = spawnSync(
    'python3',
    [script, '--rows', String(ROWS), '--size', String(SIZE), '--codec', codec, '--layout', layout].concat([
      '--runs',
      String(RUNS),
      '--row-group-size',
      String(ROW_GROUP),
      '--out',
      dir,
    ]),
    { encoding: 'utf8' },
  );
  if (child.status !== 0) return Number.NaN;
  return JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}').median_mb_per_second ?? Number.NaN;
}

function fluxRss(dir: string, layout: VectorLayout): { maxRssMB: number; seconds: number; bytes: number } {
  const child = spawnSync(
    process.execPath,
    ['--import', 'tsx', path.join(import.meta.dirname, 'generate-flux.ts'), dir, layout],
    { encoding: 'utf8' },
  );
  if (child.status !== 0) throw new Error(`flux child failed: ${child.stderr}`);
  return JSON.parse(child.stdout.trim().split('\n').pop() ?? '{}');
}

/** The CLI end to end (compiled build, worker threads), wall time and peak RSS of the whole process. */
function fluxCli(dir: string, workers: string): { seconds: number; maxRssMB: number } {
  const bin = path.join(import.meta.dirname, '..', 'bin', 'pqbench.js');
  const workload = path.join(import.meta.dirname, '..', 'workloads', 'flux-like.yaml');
  const sets = [
    `--set=storage.storage_root=${dir}/flux-cli`,
    `--set=output.folder=${dir}/results`,
    '--force',
  ];
  if (workers !== 'default') sets.push(`--set=run.workers=${workers}`);
  const started = performance.now();
  const child = spawnSync(
    '/usr/bin/time',
    ['-f', '%M', process.execPath, bin, 'generate', workload, ...sets],
    {
      encoding: 'utf8',
    },
  );
  if (child.status !== 0) throw new Error(`pqbench generate failed: ${child.stderr}`);
  const seconds = (performance.now() - started) / 1000;
  return { seconds, maxRssMB: Number(child.stderr.trim().split('\n').at(-1)) / 1024 };
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'pqbench-bench-generate-'));
try {
  console.log(
    `generate: ${ROWS} rows x (float label + ${SIZE} float32 vector), ${FILES} files, row group ${ROW_GROUP}, local disk; median of ${RUNS} (MB = 10^6 bytes); zstd backend ${zstdBackendName()}, node ${process.version}`,
  );
  console.log(
    'MB/s:   codec | pqbench | pyarrow gen+write 1t | ratio | DuckDB gen+COPY 1t | ratio | DuckDB COPY table 1t | ratio | DuckDB COPY table default threads',
  );
  const col = (x: number, width: number) => x.toFixed(1).padStart(width);
  for (const layout of ['list', 'fixed'] as const) {
    for (const codec of ['none', 'snappy', 'zstd'] as const) {
      const pq: number[] = [];
      for (let i = 0; i < RUNS; i++) pq.push((await pqbenchRun(dir, layout, codec)).mbps);
      const gen1 = median(await duckdbRuns(dir, layout, codec, 'generate', 1));
      const table1 = median(await duckdbRuns(dir, layout, codec, 'table', 1));
      const tableN = median(await duckdbRuns(dir, layout, codec, 'table', null));
      const p = median(pq);
      const arrow = pyarrowRun(dir, layout, codec);
      console.log(
        `${layout.padEnd(6)} ${codec.padEnd(6)} | ${col(p, 7)} | ${col(arrow, 19)} | ${(p / arrow).toFixed(2).padStart(4)}x | ${col(gen1, 18)} | ${(p / gen1).toFixed(2).padStart(4)}x | ${col(table1, 20)} | ${(p / table1).toFixed(2).padStart(4)}x | ${col(tableN, 10)}`,
      );
    }
  }
  for (const layout of ['list', 'fixed'] as const) {
    const runs = Array.from({ length: RUNS }, () => fluxRss(dir, layout));
    console.log(
      `FLUX-like (1 x float32[524328] per row, 288 rows, one row group, ${layout}, none): ` +
        `peak RSS ${median(runs.map((r) => r.maxRssMB)).toFixed(0)} MB (target <= 300), ` +
        `${(runs[0].bytes / 1e6).toFixed(0)} MB file, ${median(runs.map((r) => r.bytes / 1e6 / r.seconds)).toFixed(1)} MB/s; median of ${RUNS}`,
    );
  }
  for (const workers of ['default', '2', '4']) {
    const runs = Array.from({ length: RUNS }, () => fluxCli(dir, workers));
    console.log(
      `pqbench generate workloads/flux-like.yaml, run.workers ${workers}: wall ${median(runs.map((r) => r.seconds)).toFixed(2)} s, ` +
        `peak RSS ${median(runs.map((r) => r.maxRssMB)).toFixed(0)} MB (target <= 300); median of ${RUNS}`,
    );
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
