/**
 * Loader speed per core (issue 10): pqbench's training read path against
 * pyarrow on the same files, in one run, medians of RUNS runs.
 *
 *   npx tsx bench/loader.ts [--runs 3] [--quick]      (needs `pip install pyarrow`)
 *
 * Data: 8 files × 8,192 rows, label float32 + emb float32[512] (read) + aux
 * float32[256] (not read), row groups of 2,048, local disk under the page
 * cache. Written by pqbench (none / snappy / zstd × list / fixed layout), and
 * the same values rewritten by pyarrow with its defaults (dictionary on,
 * snappy: what a DLIO / MLPerf user's dataset looks like).
 *
 * pqbench: `train` with 1 accelerator, compute 0, batch 256, prefetch 2, 4
 * epochs; samples/s = median of epochs 2–4 (the first warms the JIT). With
 * read_threads 0 the accelerator's thread loads its own batches — one thread
 * does everything, like pyarrow's loop: the per-core figure the ratio uses;
 * with read_threads 1 a loader thread hands batches over (what a training
 * run uses; the handoff costs wake-ups when compute is 0).
 * pyarrow (bench/py/pyarrow_read.py, one core): `row_group` =
 * ParquetFile.read_row_group(i, columns, use_threads=False) + numpy per
 * column; `dlio` = the MLCommons DLIO fork's path (read_table → to_pandas →
 * to_numpy).
 *
 * Also: how long a worker thread takes to be ready (spawn → task module
 * imported), per thread module, from the compiled build.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { defaultWorkload } from '../src/config/load.ts';
import type { Workload } from '../src/config/types.ts';
import { resolveRun } from '../src/dataset/run-plan.ts';
import {
  THREAD_MODULES,
  type ThreadModule,
  threadModuleUrl,
  workerEntryUrl,
  workerExecArgv,
} from '../src/entries.ts';
import { runGenerate } from '../src/generate/run.ts';
import { mergePartials } from '../src/metrics/merge.ts';
import { codecBackends } from '../src/parquet/index.ts';
import { openStorage } from '../src/storage/open.ts';
import { runHost } from '../src/train/host.ts';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 3);
const QUICK = args.includes('--quick');
const EPOCHS = 4;
const dir = mkdtempSync(join(tmpdir(), 'pqbench-loader-'));
const PY = fileURLToPath(new URL('./py/', import.meta.url));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[s.length >> 1] ?? 0) : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2;
};
const k = (x: number) => (Number.isFinite(x) ? `${(x / 1000).toFixed(1)}k` : 'n/a');

interface Variant {
  name: string;
  folder: string;
  layout: 'list' | 'fixed';
  codec: 'none' | 'snappy' | 'zstd';
  /** Rewritten by pyarrow from this pqbench folder. */
  pyarrowFrom?: string;
}

function workload(v: Variant, set: string[] = []): Workload {
  return defaultWorkload([
    `storage.storage_root=${dir}`,
    `dataset.data_folder=${v.folder}`,
    'dataset.num_files_train=8',
    'dataset.num_samples_per_file=8192',
    `dataset.compression=${v.codec}`,
    'dataset.parquet.row_group_size=2048',
    `dataset.parquet.vector_layout=${v.layout}`,
    'dataset.parquet.read_mode=row_group',
    'dataset.parquet.columns=[{name: label, dtype: float32}, {name: emb, dtype: float32, size: 512}, {name: aux, dtype: float32, size: 256, read: false}]',
    'reader.batch_size=256',
    'reader.prefetch_size=2',
    'train.computation_time=0',
    `train.epochs=${EPOCHS}`,
    'run.accelerators=1',
    ...set,
  ]);
}

async function generate(v: Variant): Promise<void> {
  const w = workload(v);
  const storage = openStorage(w.storage);
  try {
    await runGenerate(resolveRun(w), storage);
  } finally {
    await storage.close();
  }
}

function python(script: string, scriptArgs: string[]): string {
  const out = spawnSync('python3', [join(PY, script), ...scriptArgs], { encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`${script}: ${out.stderr.trim().split('\n').at(-1)}`);
  return out.stdout;
}

function hasPyarrow(): boolean {
  return spawnSync('python3', ['-c', 'import pyarrow'], { encoding: 'utf8' }).status === 0;
}

async function pqbenchRate(v: Variant, readThreads: number): Promise<number> {
  const plan = resolveRun(workload(v, [`reader.read_threads=${readThreads}`]));
  const host = await runHost(plan, [0], {});
  const { summary } = mergePartials(plan, host.partials, { runId: 'bench', configHash: '-' });
  return median(summary.metric.train_throughput_samples_per_second.slice(1));
}

function pyarrowRates(v: Variant): Record<string, number> {
  const folder = join(dir, v.folder, 'train');
  const files = readdirSync(folder).map((f) => join(folder, f));
  const lines = python('pyarrow_read.py', [
    '--files',
    ...files,
    '--columns',
    'label,emb',
    '--runs',
    String(RUNS),
    '--mode',
    'row_group',
    '--mode',
    'dlio',
  ]);
  const out: Record<string, number> = {};
  for (const line of lines.trim().split('\n')) {
    const r = JSON.parse(line) as { mode: string; median_samples_per_second: number };
    out[r.mode] = r.median_samples_per_second;
  }
  return out;
}

async function readSection(pyarrow: boolean): Promise<void> {
  const variants: Variant[] = [];
  for (const layout of ['list', 'fixed'] as const)
    for (const codec of QUICK ? (['snappy'] as const) : (['none', 'snappy', 'zstd'] as const))
      variants.push({ name: `pqbench ${layout} ${codec}`, folder: `${layout}-${codec}`, layout, codec });
  for (const layout of ['list', 'fixed'] as const)
    variants.push({
      name: `pyarrow defaults ${layout} (dictionary, snappy)`,
      folder: `pyarrow-${layout}`,
      layout,
      codec: 'snappy',
      pyarrowFrom: `${layout}-none`,
    });
  for (const v of variants) {
    if (!v.pyarrowFrom) await generate(v);
    else if (pyarrow)
      python('rewrite_pyarrow.py', ['--src', join(dir, v.pyarrowFrom), '--out', join(dir, v.folder)]);
  }
  console.log('\n1. Read: samples/s per core (label + emb float32[512] of 8 × 8,192 rows; page cache)');
  console.log(
    '| data (writer, layout, codec) | pqbench train, read_threads 0 (one thread) | pqbench train, read_threads 1 | pyarrow read_row_group, 1 thread | pqbench / pyarrow | DLIO fork path (read_table → to_pandas → to_numpy) |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const v of variants) {
    if (v.pyarrowFrom && !pyarrow) continue;
    const inline: number[] = [];
    const threaded: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      inline.push(await pqbenchRate(v, 0));
      threaded.push(await pqbenchRate(v, 1));
    }
    const ref = pyarrow ? pyarrowRates(v) : {};
    const pa = ref.row_group ?? Number.NaN;
    const ratio = median(inline) / pa;
    console.log(
      `| ${v.name} | ${k(median(inline))} | ${k(median(threaded))} | ${k(pa)} | ${Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : 'n/a'} | ${k(ref.dlio ?? Number.NaN)} |`,
    );
  }
}

const TASKS: Record<ThreadModule, string> = {
  'generate-shard': 'generateShardTask',
  loader: 'loaderTask',
  accelerator: 'acceleratorTask',
};

/** Spawn → the task module imported and the entry listening for tasks (pool mode's `ready`), spawned as exec/ does. */
function workerReadyMs(module: ThreadModule): Promise<number> {
  return timeToFirstMessage(
    () =>
      new Worker(new URL(workerEntryUrl()), {
        workerData: { moduleUrl: threadModuleUrl(module), exportName: TASKS[module], mode: 'pool' },
        execArgv: workerExecArgv(),
      }),
  );
}

/** The same for an empty worker: Node's own cost of a thread, the floor. */
function emptyWorkerMs(): Promise<number> {
  return timeToFirstMessage(
    () =>
      new Worker("require('node:worker_threads').parentPort.postMessage(0)", { eval: true, execArgv: [] }),
  );
}

function timeToFirstMessage(spawn: () => Worker): Promise<number> {
  const started = performance.now();
  const worker = spawn();
  return new Promise((resolve, reject) => {
    worker.once('message', () => {
      const ms = performance.now() - started;
      void worker.terminate().then(() => resolve(ms));
    });
    worker.once('error', reject);
  });
}

async function workerSection(): Promise<void> {
  console.log(
    `\n2. Worker thread ready (spawn → task module loaded), ${workerEntryUrl().split('/').slice(-2).join('/')}`,
  );
  console.log('| thread module | median | max | target |');
  console.log('|---|---|---|---|');
  const rounds = Math.max(9, RUNS);
  for (const module of Object.keys(THREAD_MODULES) as ThreadModule[]) {
    const times: number[] = [];
    for (let i = 0; i < rounds; i++) times.push(await workerReadyMs(module));
    console.log(
      `| ${module} | ${median(times).toFixed(1)} ms | ${Math.max(...times).toFixed(1)} ms | < 50 ms |`,
    );
  }
  const empty: number[] = [];
  for (let i = 0; i < rounds; i++) empty.push(await emptyWorkerMs());
  console.log(
    `| (an empty worker: Node's floor) | ${median(empty).toFixed(1)} ms | ${Math.max(...empty).toFixed(1)} ms | |`,
  );
}

const pyarrow = hasPyarrow();
const backends = Object.entries(codecBackends())
  .map(([codec, backend]) => `${codec} ${backend}`)
  .join(', ');
console.log(
  `# Loader speed — ${availableParallelism()} cores, Node ${process.version}, medians of ${RUNS} runs; codecs: ${backends}${pyarrow ? '' : '; pyarrow not installed (pip install pyarrow): no reference column'}`,
);
try {
  await readSection(pyarrow);
  await workerSection();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
