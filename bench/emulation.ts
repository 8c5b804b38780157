/**
 * Does the accelerator emulation distort what it measures? (SPEC §5, issue 9)
 * Prints, side by side and as medians of several runs:
 *   1. compute fidelity under a decode-heavy load (zstd vectors, loaders
 *      decoding on other threads): configured vs measured compute per step,
 *      and the reported AU vs AU recomputed from the raw step records;
 *   2. decode-bound scaling: samples/s with read_threads 2 vs 1 (compute 0);
 *   3. request latency p90 with decode on vs off, same dataset and concurrency;
 *   4. peak RSS of a FLUX-like run (2 MB samples) against the bound
 *      accelerators × read_threads × prefetch_size batches.
 *
 *   npx tsx bench/emulation.ts [--runs 3] [--quick] [--part 2]   (--part: only that section)
 *
 * Local disk under the page cache: the loaders are CPU-bound, the hardest
 * case for the emulation. Needs a build (npm run build) for the threads.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultWorkload } from '../src/config/load.ts';
import type { Workload } from '../src/config/types.ts';
import { resolveRun } from '../src/dataset/run-plan.ts';
import { runGenerate } from '../src/generate/run.ts';
import { mergePartials } from '../src/metrics/merge.ts';
import type { StepRecord } from '../src/metrics/step.ts';
import { zstdBackendName } from '../src/parquet/index.ts';
import { openStorage } from '../src/storage/open.ts';
import { runHost } from '../src/train/host.ts';

const args = process.argv.slice(2);
const RUNS = Number(args[args.indexOf('--runs') + 1] || 3);
const QUICK = args.includes('--quick');
const PART = args.includes('--part') ? Number(args[args.indexOf('--part') + 1]) : undefined;
const wanted = (part: number) => PART === undefined || PART === part;
const dir = mkdtempSync(join(tmpdir(), 'pqbench-emulation-'));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[s.length >> 1] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const fmt = (x: number, d = 2) => x.toFixed(d);

function zstdWorkload(set: string[] = []): Workload {
  const w = defaultWorkload([
    `storage.storage_root=${dir}`,
    'dataset.data_folder=zstd',
    `dataset.num_files_train=${QUICK ? 8 : 16}`,
    'dataset.num_samples_per_file=8192',
    'dataset.compression=zstd',
    'dataset.parquet.row_group_size=2048',
    'dataset.parquet.read_mode=row_group',
    'dataset.parquet.columns=[{name: label, dtype: float32}, {name: emb, dtype: float32, size: 512}]',
    'reader.batch_size=256',
    'reader.prefetch_size=2',
    'reader.file_shuffle=seed',
    'run.workers=2',
    ...set,
  ]);
  return w;
}

async function generate(w: Workload): Promise<void> {
  const storage = openStorage(w.storage);
  try {
    await runGenerate(resolveRun(w), storage);
  } finally {
    await storage.close();
  }
}

async function train(w: Workload) {
  const plan = resolveRun(w);
  const host = await runHost(
    plan,
    Array.from({ length: plan.training.accelerators }, (_, k) => k),
    {
      collectSteps: true,
    },
  );
  const { summary } = mergePartials(plan, host.partials, { runId: 'bench', configHash: '-' });
  return { summary, steps: host.steps ?? [] };
}

/** AU of one accelerator's epoch recomputed from its raw steps (DLIO's formula, statscounter.py). */
function auFromSteps(steps: StepRecord[], excludeStart: number): number {
  const window = steps.slice(excludeStart);
  const excluded = steps.slice(0, excludeStart);
  const blockStart = (steps[0]?.loadStart ?? 0) - 0;
  const blockEnd = steps.at(-1)?.end ?? 0;
  const proc = excluded.reduce((n, s) => n + s.computeEnd - s.loadStart, 0);
  const compute = window.reduce((n, s) => n + s.computeEnd - s.computeStart, 0);
  return (compute / (blockEnd - blockStart - proc)) * 100;
}

async function computeFidelity(): Promise<void> {
  console.log('\n1. Compute fidelity under decode load (zstd float32[512], 1 accelerator, read_threads 2)');
  console.log(
    '| configured | measured mean | error of the mean | error p50 / p90 / p99 | limit | AU reported | AU from steps | Δ AU |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const ms of [0.375, 5, 350]) {
    const means: number[] = [];
    const errors: number[] = [];
    const reported: number[] = [];
    const recomputed: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      const steps = ms >= 100 ? 8 : -1;
      const w = zstdWorkload([
        'reader.read_threads=2',
        `train.computation_time=${ms / 1000}`,
        `train.total_training_steps=${steps}`,
      ]);
      const { summary, steps: traces } = await train(w);
      const mine = traces[0] ?? [];
      const computes = mine.map((s) => s.computeEnd - s.computeStart);
      means.push(computes.reduce((a, b) => a + b, 0) / computes.length);
      errors.push(...computes.map((c) => (c - ms) * 1000));
      reported.push(summary.metric.train_au_mean_percentage ?? 0);
      // The block starts at the epoch's start, just before the first step asks for its batch.
      recomputed.push(auFromSteps(mine, 1));
    }
    const mean = median(means);
    const limit = Math.max(0.05 * ms, 0.025);
    const sorted = errors.sort((a, b) => a - b);
    const q = (p: number) => fmt(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0, 1);
    console.log(
      `| ${ms} ms | ${fmt(mean, 4)} ms | ${fmt((mean - ms) * 1000, 1)} µs | ${q(0.5)} / ${q(0.9)} / ${q(0.99)} µs | ±${fmt(limit * 1000, 1)} µs | ${fmt(median(reported))} % | ${fmt(median(recomputed))} % | ${fmt(Math.abs(median(reported) - median(recomputed)))} |`,
    );
  }
}

/** Samples/s of the later epochs (the first warms each thread's JIT), median over runs. */
async function epochRate(w: Workload): Promise<number> {
  const { summary } = await train(w);
  return median(summary.metric.train_throughput_samples_per_second.slice(1));
}

async function decodeScaling(): Promise<void> {
  console.log('\n2. Decode-bound scaling (compute 0, 1 accelerator; 3 epochs, the first not counted)');
  console.log('| codec (decoder) | read_threads 1 | read_threads 2 | ratio | target |');
  console.log('|---|---|---|---|---|');
  for (const codec of ['snappy', 'gzip', 'zstd']) {
    const folder = `scale-${codec}`;
    const base = [
      `dataset.data_folder=${folder}`,
      `dataset.compression=${codec}`,
      'train.computation_time=0',
      'train.epochs=3',
    ];
    await generate(zstdWorkload(base));
    const rates = new Map<number, number[]>();
    for (let r = 0; r < RUNS; r++) {
      for (const threads of [1, 2]) {
        const rate = await epochRate(zstdWorkload([...base, `reader.read_threads=${threads}`]));
        rates.set(threads, [...(rates.get(threads) ?? []), rate]);
      }
    }
    const one = median(rates.get(1) ?? []);
    const two = median(rates.get(2) ?? []);
    const backend = codec === 'zstd' ? `zstd (${zstdBackendName()})` : codec;
    console.log(
      `| ${backend} | ${fmt(one, 0)} samples/s | ${fmt(two, 0)} samples/s | ${fmt(two / one)}× | ≥ 1.7× |`,
    );
  }
}

async function latencyDecode(): Promise<void> {
  console.log('\n3. Request latency with decode on vs off (same dataset, read_threads 2, compute 1 ms)');
  const p90 = new Map<boolean, number[]>();
  const p50 = new Map<boolean, number[]>();
  for (let r = 0; r < RUNS; r++) {
    for (const decode of [false, true]) {
      const w = zstdWorkload([
        'reader.read_threads=2',
        `reader.decode=${decode}`,
        'train.computation_time=0.001',
      ]);
      const { summary } = await train(w);
      p90.set(decode, [...(p90.get(decode) ?? []), summary.latency.request.p90_ms ?? 0]);
      p50.set(decode, [...(p50.get(decode) ?? []), summary.latency.request.p50_ms ?? 0]);
    }
  }
  const off = median(p90.get(false) ?? []);
  const on = median(p90.get(true) ?? []);
  console.log('| | decode off | decode on | ratio | target |');
  console.log('|---|---|---|---|---|');
  console.log(
    `| p50 | ${fmt(median(p50.get(false) ?? []), 3)} ms | ${fmt(median(p50.get(true) ?? []), 3)} ms | | |`,
  );
  console.log(`| p90 | ${fmt(off, 3)} ms | ${fmt(on, 3)} ms | ${fmt(on / off)}× | ≤ 1.5× |`);
}

function fluxRss(): void {
  console.log(
    '\n4. Peak RSS, FLUX-like (one float32[524,328] per sample: 2.1 MB), read_mode row_group, batch 4',
  );
  const flux = fileURLToPath(new URL('../workloads/flux-like.yaml', import.meta.url));
  const bin = fileURLToPath(new URL('../bin/pqbench.js', import.meta.url));
  const common = [`--set=storage.storage_root=${dir}`, `--set=output.folder=${join(dir, 'results')}`];
  spawnSync(process.execPath, [bin, 'generate', flux, ...common], { encoding: 'utf8' });
  console.log('| accelerators × read_threads × prefetch_size | batches bound (MB) | peak RSS (MB) |');
  console.log('|---|---|---|');
  for (const [a, r, p] of [
    [1, 1, 1],
    [1, 4, 4],
    [2, 2, 2],
  ]) {
    const peaks: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const sets = [
        `--set=run.accelerators=${a}`,
        `--set=reader.read_threads=${r}`,
        `--set=reader.prefetch_size=${p}`,
      ];
      const out = spawnSync(
        '/usr/bin/time',
        ['-f', '%M', process.execPath, bin, 'train', flux, ...common, ...sets],
        {
          encoding: 'utf8',
        },
      );
      peaks.push(Number(out.stderr.trim().split('\n').at(-1)) / 1024);
    }
    const batchMb = (4 * 524_328 * 4) / 1e6;
    console.log(`| ${a} × ${r} × ${p} | ${fmt(a * r * p * batchMb, 0)} | ${fmt(median(peaks), 0)} |`);
  }
}

console.log(
  `# Accelerator emulation — ${availableParallelism()} cores, Node ${process.version}, medians of ${RUNS} runs`,
);
await generate(zstdWorkload());
try {
  if (wanted(1)) await computeFidelity();
  if (wanted(2)) await decodeScaling();
  if (wanted(3)) await latencyDecode();
  if (wanted(4)) fluxRss();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
