import { readFile } from 'node:fs/promises';
import { loadWorkload } from '../../config/index.ts';
import type { Workload } from '../../config/types.ts';
import { ConfigError, UsageError } from '../../errors.ts';
import { ProgressLine } from '../../exec/progress.ts';
import { resolveWorkers } from '../../exec/shards.ts';
import { type PriceTable, resolvePrices } from '../../metrics/cost.ts';
import { renderSummaryTable } from '../../metrics/table.ts';
import { runTraining } from '../../train/run.ts';
import type { CliCommand, CommandContext } from '../command.ts';

export function parseWorkersFlag(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (value === 'auto') return resolveWorkers('auto');
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < 1) {
    throw new UsageError(`--workers must be a positive integer or auto, got '${String(value)}'`);
  }
  return n;
}

/** `--prices file.json`: a JSON object overriding entries of the default price table. */
export async function loadPrices(path: unknown): Promise<Partial<PriceTable> | undefined> {
  if (path === undefined) return undefined;
  if (typeof path !== 'string') throw new UsageError('--prices takes a JSON file path');
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new ConfigError(
      [{ path: '', message: `cannot read a JSON price table: ${(e as Error).message}` }],
      path,
    );
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(
      [{ path: '', message: 'a price table is a JSON object, e.g. {"get_per_1k": 0.0004}' }],
      path,
    );
  }
  try {
    resolvePrices(parsed as Partial<PriceTable>);
  } catch (e) {
    throw new ConfigError([{ path: '', message: (e as Error).message }], path);
  }
  return parsed as Partial<PriceTable>;
}

/** Trains on an already loaded workload and prints the table; shared by `train` and `run`. */
export async function trainAndReport(
  ctx: CommandContext,
  workload: Workload,
  notices: string[],
  flags: { workers?: number; prices?: Partial<PriceTable> },
): Promise<void> {
  const progress = new ProgressLine(
    process.stderr.isTTY ? process.stderr : { write: (s: string) => ctx.stderr(s.trimEnd()), isTTY: false },
    { unit: 'samples' },
  );
  try {
    const result = await runTraining(workload, {
      notices,
      workers: flags.workers,
      prices: flags.prices,
      onProgress: (p) => progress.update({ done: p.samples, total: p.total, bytes: p.bytes }),
    });
    progress.finish();
    for (const line of renderSummaryTable(result.run.summary, result.dir)) ctx.stdout(line);
  } finally {
    progress.finish();
  }
}

export const command: CliCommand = {
  name: 'train',
  summary:
    'Read the dataset like a data loader (epochs, batches, simulated compute) and report AU, throughput, latency, cost.',
  usage: 'pqbench train <workload.yaml> [--set key.path=value …] [--workers N|auto] [--prices prices.json]',
  options: {
    workers: { type: 'string' },
    prices: { type: 'string' },
  },
  async run(ctx: CommandContext) {
    const path = ctx.positionals[0];
    if (!path || ctx.positionals.length > 1) throw new UsageError(`usage: ${this.usage}`);
    const workers = parseWorkersFlag(ctx.values.workers);
    const prices = await loadPrices(ctx.values.prices);
    const { workload, notices } = await loadWorkload(path, ctx.overrides);
    for (const n of notices) ctx.stderr(n);
    await trainAndReport(ctx, workload, notices, { workers, prices });
  },
};
