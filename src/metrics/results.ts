/**
 * Run results on disk: `<output.folder>/<run-id>/` with summary.json,
 * per_epoch_stats.json, the resolved config.yaml and (optionally)
 * requests.csv. Rendering is pure so the cloud aggregator can put the same
 * bodies into the bucket.
 */
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { redactWorkload, workloadToYaml } from '../config/load.ts';
import type { Workload } from '../config/types.ts';
import type { Operation, OperationSink } from '../storage/operations.ts';
import type { RunSummary } from './summary.ts';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * `sha256:<hex>` of the resolved workload with credentials and the output
 * section removed (where results go does not change what was measured).
 */
export function configHash(w: Workload): string {
  const { output: _output, ...measured } = redactWorkload(w);
  return `sha256:${createHash('sha256')
    .update(JSON.stringify(canonical(measured)))
    .digest('hex')}`;
}

/** `20250102T030405Z-<workload>-<6 hex>`: sorts by time, unique across concurrent runs. */
export function makeRunId(w: Workload, at: Date = new Date()): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  const name = w.model.name.replace(/[^A-Za-z0-9_.-]+/g, '_') || 'run';
  return `${stamp}-${name}-${randomBytes(3).toString('hex')}`;
}

export interface ResultFile {
  name: string;
  body: string;
}

/** The result files of a run; `configYaml` is the resolved workload without credentials (workloadToYaml). */
export function renderRunResults(run: RunSummary, configYaml: string): ResultFile[] {
  return [
    { name: 'summary.json', body: `${JSON.stringify(run.summary, null, 2)}\n` },
    { name: 'per_epoch_stats.json', body: `${JSON.stringify(run.perEpoch, null, 2)}\n` },
    { name: 'config.yaml', body: configYaml },
  ];
}

/** Where a run's results go and what identifies its configuration. */
export interface RunOutput {
  runId: string;
  /** `<output.folder>/<run-id>` */
  dir: string;
  /** The resolved workload as YAML, credentials removed. */
  configYaml: string;
  configHash: string;
  /** output.requests_csv */
  requestsCsv: boolean;
}

export function runOutput(w: Workload, runId: string = makeRunId(w)): RunOutput {
  return {
    runId,
    dir: join(w.output.folder, runId),
    configYaml: workloadToYaml(w),
    configHash: configHash(w),
    requestsCsv: w.output.requests_csv,
  };
}

/** Writes the rendered files into `dir` (created); returns their paths. */
export async function writeRunResults(dir: string, run: RunSummary, configYaml: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const file of renderRunResults(run, configYaml)) {
    const path = join(dir, file.name);
    await writeFile(path, file.body);
    paths.push(path);
  }
  return paths;
}

export const REQUESTS_CSV_HEADER =
  'op,key,range_start,range_end,bytes,start_ms,first_byte_ms,end_ms,latency_ms,ttfb_ms,status,retries,thread,error';

function csvField(value: string | number | undefined): string {
  if (value === undefined) return '';
  const text = String(value);
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function requestCsvLine(op: Operation): string {
  return [
    op.op,
    op.key,
    op.rangeStart,
    op.rangeEnd,
    op.bytes,
    op.start.toFixed(3),
    op.firstByte?.toFixed(3),
    op.end.toFixed(3),
    (op.end - op.start).toFixed(3),
    op.firstByte === undefined ? undefined : (op.firstByte - op.start).toFixed(3),
    op.status,
    op.retries,
    op.thread,
    op.error,
  ]
    .map(csvField)
    .join(',');
}

/** Streams one line per Operation to a CSV file (no header: parts are concatenated under one). */
export class RequestsCsvWriter implements OperationSink {
  private readonly stream: WriteStream;
  constructor(readonly path: string) {
    this.stream = createWriteStream(path);
  }
  record(op: Operation): void {
    this.stream.write(`${requestCsvLine(op)}\n`);
  }
  close(): Promise<void> {
    return new Promise((resolve, reject) =>
      this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
  }
}

/** Concatenates per-shard CSV parts under one header into `path`, deleting the parts. */
export async function joinRequestsCsv(path: string, parts: string[]): Promise<void> {
  const out = createWriteStream(path);
  out.write(`${REQUESTS_CSV_HEADER}\n`);
  for (const part of parts) {
    for await (const chunk of createReadStream(part)) {
      if (!out.write(chunk)) await once(out, 'drain');
    }
  }
  await new Promise<void>((resolve, reject) =>
    out.end((error?: Error | null) => (error ? reject(error) : resolve())),
  );
  for (const part of parts) await rm(part, { force: true });
}
