/**
 * The training read path per core against pyarrow, and peak RSS per
 * accelerator, in one run:
 *
 *   npx tsx bench/loader.ts [--runs 3] [--part 1,2,3]     (needs `pip install pyarrow`)
 *
 * 1. Steady-state decode per core. Data: 8 files × 8,192 rows, label +
 *    emb float32[512] read, aux float32[256] not read, row groups of 2,048,
 *    local disk under the page cache; written by pqbench (list / fixed ×
 *    none / snappy / zstd) and rewritten by pyarrow with its defaults
 *    (dictionary, snappy: a DLIO / MLPerf user's dataset).
 *    pqbench: bench/loader-steady.ts in a fresh process — one loader in one
 *    thread (the read_threads 0 path), 4 epochs, batches handed back as an
 *    accelerator does; the steady state is the median of epochs 2–4.
 *    pyarrow (bench/py/pyarrow_read.py, what DLIO runs): ParquetFile.
 *    read_row_group(i, columns, use_threads=False) + numpy per column, one
 *    core, 1 warm-up + 3 passes, median. Both: CPU time of the whole process
 *    per sample (user + system) and wall time. Ratios are pyarrow's cost ÷
 *    pqbench's (above 1: pqbench is faster), medians of --runs runs, the
 *    two interleaved so both see the same machine.
 * 2. Peak RSS per accelerator: `pqbench train` (the build in dist/), 32
 *    files × 4,096 rows of float32[512] snappy, row groups of 1,024, batch
 *    64, read_threads 2, prefetch 2, compute 5 ms, local disk; 1 / 8 / 32 /
 *    128 accelerators in read_mode default, and 128 × read_threads 4 in
 *    row_group mode; peak RSS from /usr/bin/time, medians of --runs runs.
 *    Beside it the data a loader can hold in flight (the formula in the
 *    table's header) and what is left per thread: the runtime's share. A
 *    configuration whose RSS, extrapolated from the last one run, would take
 *    more than 40 % of the free memory is skipped, and says so.
 * 3. How long a worker thread takes to be ready (spawn → task module
 *    imported), per thread module, from the compiled build.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, freemem, tmpdir } from 'node:os';
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
import { codecBackends } from '../src/parquet/index.ts';
import { openStorage } from '../src/storage/open.ts';
import { decodeWorkload, type EpochCost } from './loader-steady.ts';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 3);
const PARTS = (args.includes('--part') ? (args[args.indexOf('--part') + 1] ?? '') : '1,2,3').split(',');
const wanted = (part: number) => PARTS.includes(String(part));
const EPOCHS = 4;
const dir = mkdtempSync(join(tmpdir(), 'pqbench-loader-'));
const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO = fileURLToPath(new URL('..', import.meta.url));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? (s[s.length >> 1] ?? 0) : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2;
};
const fmt = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const ratio = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : 'n/a');

async function generate(w: Workload): Promise<void> {
  const storage = openStorage(w.storage);
  try {
    await runGenerate(resolveRun(w), storage);
  } finally {
    await storage.close();
  }
}

function run(command: string, commandArgs: string[]): string {
  const out = spawnSync(command, commandArgs, { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (out.status !== 0)
    throw new Error(`${commandArgs.join(' ')}: ${out.stderr.trim().split('\n').slice(-12).join('\n')}`);
  return out.stdout;
}

function hasPyarrow(): boolean {
  return spawnSync('python3', ['-c', 'import pyarrow'], { encoding: 'utf8' }).status === 0;
}

interface Variant {
  name: string;
  folder: string;
  layout: 'list' | 'fixed';
  codec: 'none' | 'snappy' | 'zstd';
  /** Rewritten by pyarrow from this pqbench folder. */
  pyarrowFrom?: string;
  target: number;
}

/** Steady-state cost per sample: CPU µs and wall samples/s. */
interface Cost {
  cpuUs: number;
  samplesPerSecond: number;
}

function pqbenchCost(v: Variant): Cost & { allocations: number } {
  const lines = run(process.execPath, [
    '--import',
    'tsx',
    join(HERE, 'loader-steady.ts'),
    dir,
    v.folder,
    v.layout,
    v.codec,
    String(EPOCHS),
  ]);
  const steady = lines
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as EpochCost)
    .slice(1);
  return {
    cpuUs: median(steady.map((e) => (e.cpuMs * 1000) / e.samples)),
    samplesPerSecond: median(steady.map((e) => e.samples / (e.wallMs / 1000))),
    allocations: steady.reduce((n, e) => n + e.allocations, 0),
  };
}

function pyarrowCost(v: Variant): Cost {
  const folder = join(dir, v.folder, 'train');
  const files = readdirSync(folder).map((f) => join(folder, f));
  const out = run('python3', [
    join(HERE, 'py', 'pyarrow_read.py'),
    '--files',
    ...files,
    '--columns',
    'label,emb',
    '--runs',
    '3',
    '--mode',
    'row_group',
  ]);
  const r = JSON.parse(out.trim()) as { median_samples_per_second: number; cpu_us_per_sample: number };
  return { cpuUs: r.cpu_us_per_sample, samplesPerSecond: r.median_samples_per_second };
}

function decodeVariants(): Variant[] {
  const variants: Variant[] = [];
  for (const layout of ['list', 'fixed'] as const)
    for (const codec of ['none', 'snappy', 'zstd'] as const)
      variants.push({
        name: `pqbench ${layout}, ${codec}`,
        folder: `${layout}-${codec}`,
        layout,
        codec,
        target: layout === 'list' ? 1.5 : 1.2,
      });
  for (const layout of ['list', 'fixed'] as const)
    variants.push({
      name: `pyarrow defaults ${layout} (dictionary, snappy)`,
      folder: `pyarrow-${layout}`,
      layout,
      codec: 'snappy',
      pyarrowFrom: `${layout}-none`,
      target: 1.2,
    });
  return variants;
}

async function decodeSection(): Promise<void> {
  const variants = decodeVariants();
  for (const v of variants) {
    if (!v.pyarrowFrom) await generate(decodeWorkload(dir, v.folder, v.layout, v.codec));
    else
      run('python3', [
        join(HERE, 'py', 'rewrite_pyarrow.py'),
        '--src',
        join(dir, v.pyarrowFrom),
        '--out',
        join(dir, v.folder),
      ]);
  }
  console.log(
    '\n1. Steady-state decode per core vs pyarrow read_row_group (1 thread): label + emb float32[512], 8 × 8,192 rows, page cache',
  );
  console.log(
    '| data (writer, layout, codec) | pqbench CPU µs/sample | pyarrow CPU µs/sample | CPU ratio | pqbench k samples/s | pyarrow k samples/s | wall ratio | target | pool allocations, epochs 2–4 |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const v of variants) {
    const ours: (Cost & { allocations: number })[] = [];
    const theirs: Cost[] = [];
    for (let r = 0; r < RUNS; r++) {
      ours.push(pqbenchCost(v));
      theirs.push(pyarrowCost(v));
    }
    const cpu = median(ours.map((c) => c.cpuUs));
    const paCpu = median(theirs.map((c) => c.cpuUs));
    const sps = median(ours.map((c) => c.samplesPerSecond));
    const paSps = median(theirs.map((c) => c.samplesPerSecond));
    console.log(
      `| ${v.name} | ${fmt(cpu)} | ${fmt(paCpu)} | ${ratio(paCpu / cpu)} | ${fmt(sps / 1000, 0)} | ${fmt(paSps / 1000, 0)} | ${ratio(sps / paSps)} | ≥ ${v.target}× | ${Math.max(...ours.map((c) => c.allocations))} |`,
    );
  }
}

interface RssCase {
  accelerators: number;
  readThreads: number;
  readMode: 'default' | 'row_group';
}

const RSS_ROWS = 4096;
const RSS_ROW_GROUP = 1024;
const RSS_ROW_BYTES = 512 * 4;
const RSS_BATCH = 64;
const RSS_PREFETCH = 2;

function rssSets(c: RssCase | null): string[] {
  const sets = [
    `storage.storage_root=${dir}`,
    'dataset.data_folder=rss',
    'dataset.num_files_train=32',
    `dataset.num_samples_per_file=${RSS_ROWS}`,
    'dataset.compression=snappy',
    `dataset.parquet.row_group_size=${RSS_ROW_GROUP}`,
    'dataset.parquet.columns=[{name: emb, dtype: float32, size: 512}]',
    `reader.batch_size=${RSS_BATCH}`,
    `reader.prefetch_size=${RSS_PREFETCH}`,
    'train.computation_time=0.005',
    'train.epochs=1',
    `output.folder=${join(dir, 'results')}`,
  ];
  if (c)
    sets.push(
      `run.accelerators=${c.accelerators}`,
      `reader.read_threads=${c.readThreads}`,
      `dataset.parquet.read_mode=${c.readMode}`,
    );
  return sets;
}

/**
 * Bytes one accelerator's loaders can hold: per worker, the read unit twice
 * (fetched, and its decompressed pages) and prefetch + 1 batches.
 */
function inFlightBytes(c: RssCase): number {
  const unit = (c.readMode === 'default' ? RSS_ROWS : RSS_ROW_GROUP) * RSS_ROW_BYTES;
  const batch = RSS_BATCH * RSS_ROW_BYTES;
  return c.accelerators * c.readThreads * (2 * unit + (RSS_PREFETCH + 1) * batch);
}

function peakRssMb(c: RssCase): number {
  const bin = join(REPO, 'bin', 'pqbench.js');
  const workload = join(dir, 'rss.yaml');
  writeFileSync(workload, 'model: {name: rss}\n');
  const out = spawnSync(
    '/usr/bin/time',
    ['-f', '%M', process.execPath, bin, 'train', workload, ...rssSets(c).map((s) => `--set=${s}`)],
    { encoding: 'utf8', maxBuffer: 1 << 26 },
  );
  if (out.status !== 0)
    throw new Error(`pqbench train: ${out.stderr.trim().split('\n').slice(-3).join(' ')}`);
  return (Number(out.stderr.trim().split('\n').at(-1)) * 1024) / 1e6;
}

async function rssSection(): Promise<void> {
  run(process.execPath, [join(REPO, 'scripts', 'build.mjs')]);
  await generate(defaultWorkload(rssSets(null)));
  console.log(
    `\n2. Peak RSS: 32 files × ${RSS_ROWS} rows float32[512] snappy, row groups of ${RSS_ROW_GROUP}, batch ${RSS_BATCH}, prefetch ${RSS_PREFETCH}, local disk; medians of ${RUNS}`,
  );
  console.log(
    '| accelerators × read_threads, read_mode | threads | in flight: A × R × (2 × read unit + (prefetch + 1) × batch) | peak RSS | per accelerator | (RSS − in flight) per thread |',
  );
  console.log('|---|---|---|---|---|---|');
  const cases: RssCase[] = [
    ...[1, 8, 32, 128].map((a) => ({ accelerators: a, readThreads: 2, readMode: 'default' as const })),
    { accelerators: 128, readThreads: 4, readMode: 'row_group' },
  ];
  // MB per thread beyond the data in flight, from the last case run (35 MB to start: the 70 MB per accelerator × 2 loaders).
  let perThreadMb = 35;
  for (const c of cases) {
    const threads = c.accelerators * (1 + c.readThreads);
    const flightMb = inFlightBytes(c) / 1e6;
    const label = `${c.accelerators} × ${c.readThreads}, ${c.readMode}`;
    const estimateMb = flightMb + threads * perThreadMb;
    // Other work shares this machine: a case that would take more than 40 % of the free memory is not run.
    if (estimateMb > (0.4 * freemem()) / 1e6) {
      console.log(
        `| ${label} | ${threads} | ${fmt(flightMb, 0)} MB | skipped: ~${fmt(estimateMb / 1000, 1)} GB expected, ${fmt(freemem() / 1e9, 1)} GB free | | |`,
      );
      continue;
    }
    const peaks: number[] = [];
    for (let r = 0; r < RUNS; r++) peaks.push(peakRssMb(c));
    const peak = median(peaks);
    perThreadMb = (peak - flightMb) / threads;
    console.log(
      `| ${label} | ${threads} | ${fmt(flightMb, 0)} MB | ${fmt(peak, 0)} MB | ${fmt(peak / c.accelerators, 1)} MB | ${fmt((peak - flightMb) / threads, 1)} MB |`,
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
    `\n3. Worker thread ready (spawn → task module loaded), ${workerEntryUrl().split('/').slice(-2).join('/')}`,
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

const backends = Object.entries(codecBackends())
  .map(([codec, backend]) => `${codec} ${backend}`)
  .join(', ');
console.log(
  `# Loader — ${availableParallelism()} cores, Node ${process.version}, medians of ${RUNS} runs; codecs: ${backends}`,
);
try {
  if (wanted(1)) {
    if (hasPyarrow()) await decodeSection();
    else console.log('\n1. skipped: pyarrow is not installed (pip install pyarrow)');
  }
  if (wanted(2)) await rssSection();
  if (wanted(3)) await workerSection();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
