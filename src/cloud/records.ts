/**
 * What the children leave in the bucket for the aggregate step: each
 * generator's and reader's partial file with its invocations as billed, and
 * the warm-up record. Plain data, read by cloud.json (report.ts) and the
 * cost (usage.ts).
 */
import type { GenerateShardResult } from '../generate/shard.ts';
import type { AcceleratorPartial } from '../metrics/partial.ts';
import type { HostProgress } from './overlap.ts';
import type { InvocationFacts, RequestTotals } from './runtime.ts';

/** One invocation as billed: its facts, init and handler time, stack-bucket requests. */
export type InvocationRecord = Omit<InvocationFacts, 'initMs'> & {
  initMs: number;
  durationMs: number;
  memoryMb: number;
  requests: RequestTotals;
};

/** Requests to the dataset a child made, and the bytes each way. */
export interface DataUsage {
  requests: RequestTotals;
  bytesUploaded: number;
  bytesRetrieved: number;
}

export interface GeneratePartialFile {
  result: GenerateShardResult;
  data: DataUsage;
  lambda: InvocationRecord;
}

export interface ReaderStartFacts {
  /** The common start (ms since the epoch). */
  startAt: number;
  /** Handler entered → common start: the wait; negative when the reader arrived late. */
  handlerToStartMs: number;
  /** First epoch began this long after the common start (0 = on time). */
  lateMs: number;
}

/** One reader Lambda (a host of `accelerators`) over all its invocations. */
export interface ReaderHostRecord {
  accelerators: number[];
  /** The first invocation, with its start facts. */
  first: InvocationRecord & ReaderStartFacts;
  /** Every invocation, the first included. */
  invocations: InvocationRecord[];
  progress: HostProgress;
}

/** An accelerator's merged partial; the reader's record sits in its first accelerator's file only. */
export interface ReaderPartialFile {
  partial: AcceleratorPartial;
  reader: ReaderHostRecord | null;
}

/** What one invocation of a continued reader measured (the last invocation joins them). */
export interface ReaderSegmentFile {
  partial: AcceleratorPartial;
  /** In the file of the host's first accelerator only. */
  invocation: InvocationRecord | null;
  start: ReaderStartFacts | null;
  progress: HostProgress | null;
}

/** The untimed warm-up pass of one reader. */
export interface WarmupRecord {
  accelerators: number[];
  lambda: InvocationRecord;
  data: DataUsage;
}
