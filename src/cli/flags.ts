/**
 * What the commands that run work share: the workload argument, --workers,
 * --prices, --force, --json, the progress line, notices (stderr, each once)
 * and the run's summary (a table, or summary.json's text with --json).
 */
import { loadWorkload, type ParsedWorkload } from '../config/load.ts';
import { readInputText } from '../config/yaml-input.ts';
import { ConfigError, InvalidResultError, UsageError } from '../errors.ts';
import { resolveWorkers } from '../exec/pool.ts';
import { ProgressLine } from '../exec/progress.ts';
import { type PriceTable, resolvePrices } from '../metrics/cost.ts';
import type { RunSummaryJson } from '../metrics/summary.ts';
import { renderSummaryTable, renderVerdict } from '../metrics/table.ts';
import { type LocationFlags, withEnvironmentEndpoint } from '../storage/endpoint.ts';
import type { CommandContext } from './command.ts';

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
  // A regular file of at most 1 MiB, opened without blocking: a FIFO must not hang the CLI.
  const text = await readInputText(path, 'a price table');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ConfigError([{ path: '', message: `not a JSON price table: ${(e as Error).message}` }], path);
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

/** A progress line on stderr: redrawn on a TTY, occasional plain lines otherwise. */
export function stderrProgress(ctx: CommandContext, unit: string): ProgressLine {
  return new ProgressLine(
    process.stderr.isTTY ? process.stderr : { write: (s: string) => ctx.stderr(s.trimEnd()), isTTY: false },
    { unit },
  );
}

/** The one positional workload file, loaded with the overrides; its notices go to stderr, once. */
export async function loadCommandWorkload(ctx: CommandContext): Promise<{ path: string } & ParsedWorkload> {
  const { usage } = ctx;
  const path = ctx.positionals[0];
  if (!path) throw new UsageError(`usage: ${usage}`);
  const extra = ctx.positionals[1];
  if (extra !== undefined) {
    throw new UsageError(
      `unexpected argument '${extra}': a workload takes changes as --set key.path=value or ++workload.key.path=value; usage: ${usage}`,
    );
  }
  const parsed = await loadWorkloadFile(path, ctx.overrides);
  printNotices(ctx, parsed.notices);
  return { path, ...parsed };
}

/**
 * A workload file with its overrides, as every command loads one: an s3
 * storage without endpoint_url takes the environment's (S3_ENDPOINT /
 * AWS_ENDPOINT_URL(_S3), storage/endpoint.ts), and config.yaml then records it.
 */
export async function loadWorkloadFile(
  path: string,
  overrides: string[],
  defaults?: Record<string, unknown>,
): Promise<ParsedWorkload> {
  const parsed = await loadWorkload(path, overrides, defaults);
  parsed.workload.storage = withEnvironmentEndpoint(parsed.workload.storage);
  return parsed;
}

/**
 * Prints on stderr the notices not in `printed` (which then holds them): a
 * notice known before a run (config, page cache) is printed then, and not
 * again when the run's summary carries it.
 */
export function printNotices(
  ctx: Pick<CommandContext, 'stderr'>,
  notices: readonly string[],
  printed: Set<string> = new Set(),
): void {
  for (const n of notices) {
    if (printed.has(n)) continue;
    printed.add(n);
    ctx.stderr(`notice: ${n}`);
  }
}

/**
 * A run's figures: the table for people on stdout, or with --json
 * summary.json's text as the only thing on stdout and the table on stderr.
 * `extra` lines (hosts, cloud) follow the table.
 */
export function printRunSummary(
  ctx: CommandContext,
  summary: RunSummaryJson,
  summaryJson: string,
  where: string,
  extra: string[] = [],
): void {
  const print = report(ctx);
  for (const line of renderSummaryTable(summary, where)) print(line);
  for (const line of extra) print(line);
  for (const line of renderVerdict(summary.verdict)) print(line);
  if (ctx.values.json === true) ctx.stdout(summaryJson.trimEnd());
  // --strict (and cloud runs, whose --no-strict sets it false): the exit code carries an invalid verdict.
  if (ctx.values.strict === true && summary.verdict.status === 'invalid') {
    const codes = [...new Set(summary.verdict.reasons.map((r) => r.code))].join(', ');
    throw new InvalidResultError(
      `the verdict is invalid (${codes}): the results in ${where} do not measure the storage`,
    );
  }
}

/** Where a line for people goes: stdout, or stderr when --json keeps stdout for JSON. */
export function report(ctx: CommandContext): (line: string) => void {
  return ctx.values.json === true ? ctx.stderr : ctx.stdout;
}

/** The flags of the commands that run work, checked before anything runs. */
export interface RunFlags {
  workers?: number;
  prices?: Partial<PriceTable>;
  force: boolean;
  /** --json: stdout holds only the summary as JSON. */
  json: boolean;
}

export async function parseRunFlags(ctx: CommandContext): Promise<RunFlags> {
  return {
    workers: parseWorkersFlag(ctx.values.workers),
    prices: await loadPrices(ctx.values.prices),
    force: ctx.values.force === true,
    json: ctx.values.json === true,
  };
}

/** --endpoint-url and --region of a command given s3:// folders (storage/endpoint.ts locationS3Options). */
export function locationFlags(ctx: Pick<CommandContext, 'values'>): LocationFlags {
  const flag = (name: string) =>
    typeof ctx.values[name] === 'string' ? (ctx.values[name] as string) : undefined;
  return { endpointUrl: flag('endpoint-url'), region: flag('region') };
}
