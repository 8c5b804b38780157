/**
 * requests.csv: one line per request (Operation), streamed by each loader to
 * its own part file and joined under one header at the end of the run.
 */
import { once } from 'node:events';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Operation, OperationSink } from '../storage/operations.ts';

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
