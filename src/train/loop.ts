/**
 * One accelerator's epoch, with DLIO / PyTorch DataLoader semantics (SPEC §5):
 * `read_threads` fetchers walk the epoch plan in order and push loaded chunks
 * into a bounded buffer; the consumer assembles batches of `batch_size`
 * samples (a batch may span objects), records the time it waited for each
 * batch, then simulates compute. The last partial batch of an epoch is yielded
 * (PyTorch drop_last=False).
 *
 * Buffer bounds ("prefetch_size batches"):
 * - read_mode default: a chunk is a whole object; fetchers start a new fetch
 *   only while fewer than prefetch_size × batch_size rows are buffered, so
 *   at most read_threads objects are in flight beyond that.
 * - read_mode row_group: a chunk is one row group; at most prefetch_size row
 *   groups are held at once (in flight + buffered + being consumed), so
 *   concurrency is min(read_threads, prefetch_size).
 * Chunks are consumed in completion order (a slow GET does not block others).
 */
import type { ReadMode } from '../config/types.ts';
import { permutation } from '../dataset/permutation.ts';
import type { StepRecord } from '../metrics/step.ts';
import { now } from '../storage/operations.ts';
import type { AcceleratorEpochPlan, UnitRef } from './schedule.ts';

/** What a fetch delivered: a contiguous row range of one object. */
export interface LoadedChunk {
  rowStart: number;
  numRows: number;
  /** Bytes actually transferred for this chunk (including the footer when it was opened for it). */
  bytesFetched: number;
  /** Compressed bytes of the projected column chunks this chunk covers (read-amplification denominator). */
  projectedBytes: number;
  /** The decoded data, held until the consumer has taken every row, as a loader holds its buffer. */
  payload?: unknown;
}

export interface OpenedObject {
  /** Rows per row group, in file order. */
  readonly rowGroupRows: readonly number[];
  /** Bytes transferred to open the object (footer). */
  readonly openBytes: number;
  read(rowGroups: number[]): Promise<LoadedChunk>;
}

/** Where samples come from; the Parquet reader adapter implements it, tests use in-memory sources. */
export interface SampleSource {
  open(ref: UnitRef): Promise<OpenedObject>;
}

/** Ids of a batch's samples as parallel arrays: sample i is row rows[i] of object units[i]. */
export interface SampleBatch {
  units: number[];
  rows: number[];
}

export type { StepRecord } from '../metrics/step.ts';

export interface EpochLoopOptions {
  plan: AcceleratorEpochPlan;
  source: SampleSource;
  readMode: ReadMode;
  readThreads: number;
  prefetchSize: number;
  batchSize: number;
  /** Steps cap for this epoch (total_training_steps); ≤ 0 = no cap. */
  maxSteps: number;
  /** Row-order key of a chunk (sample_shuffle), or null for file order. */
  sampleKey: (ref: UnitRef, rowStart: number) => number | null;
  /** Draws the next step's compute time in ms. */
  nextComputeMs: () => number;
  /** Simulates compute; tests pass an instant one. */
  compute: (ms: number) => Promise<void>;
  onStep?: (step: StepRecord) => void;
  /** Called with every batch's sample ids (verification and tests; costs memory per batch only). */
  onBatch?: (batch: SampleBatch) => void;
  onChunk?: (ref: UnitRef, chunk: LoadedChunk) => void;
  signal?: AbortSignal;
}

export interface EpochLoopResult {
  steps: number;
  samples: number;
  start: number;
  end: number;
  chunks: number;
  /** High-water marks of the buffer, for the memory-bound guarantees above. */
  maxHeldChunks: number;
  maxBufferedRows: number;
}

interface WorkItem {
  ref: UnitRef;
  /** Already opened (row_group mode) or to be opened by the fetcher (default mode). */
  opened?: OpenedObject;
  rowGroup?: number;
}

interface BufferedChunk {
  ref: UnitRef;
  rowStart: number;
  numRows: number;
  taken: number;
  order: ((i: number) => number) | null;
  payload: unknown;
}

/** Hands out work items in plan order; in row_group mode it opens objects (serially) to expand them. */
function workCursor(plan: AcceleratorEpochPlan, source: SampleSource, readMode: ReadMode) {
  let position = 0;
  let opened: OpenedObject | undefined;
  let openedRef: UnitRef | undefined;
  let nextRowGroup = 0;
  let lock: Promise<unknown> = Promise.resolve();

  const advance = async (): Promise<WorkItem | null> => {
    if (readMode === 'default') {
      return position < plan.count ? { ref: plan.at(position++) } : null;
    }
    while (!opened || nextRowGroup >= opened.rowGroupRows.length) {
      if (position >= plan.count) return null;
      openedRef = plan.at(position++);
      opened = await source.open(openedRef);
      nextRowGroup = 0;
    }
    return { ref: openedRef as UnitRef, opened, rowGroup: nextRowGroup++ };
  };

  return {
    next(): Promise<WorkItem | null> {
      const result = lock.then(advance);
      lock = result.catch(() => undefined);
      return result;
    },
  };
}

export async function runEpochLoop(options: EpochLoopOptions): Promise<EpochLoopResult> {
  const { plan, source, readMode, batchSize } = options;
  const prefetch = Math.max(1, options.prefetchSize);
  const rowCapacity = prefetch * batchSize;
  const cursor = workCursor(plan, source, readMode);

  const buffer: BufferedChunk[] = [];
  let heldChunks = 0;
  let bufferedRows = 0;
  let maxHeldChunks = 0;
  let maxBufferedRows = 0;
  let chunks = 0;
  let fetchersRunning = 0;
  let stopped = false;
  let failure: { error: unknown } | null = null;
  let waiters: Array<() => void> = [];
  const notify = () => {
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  };
  const changed = () => new Promise<void>((resolve) => waiters.push(resolve));
  const onAbort = () => {
    if (!failure) failure = { error: options.signal?.reason ?? new Error('aborted') };
    stopped = true;
    notify();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  const canFetch = () =>
    readMode === 'row_group' ? heldChunks < prefetch : bufferedRows < rowCapacity || bufferedRows === 0;

  const fetcher = async (): Promise<void> => {
    try {
      while (!stopped) {
        if (!canFetch()) {
          await changed();
          continue;
        }
        heldChunks++;
        maxHeldChunks = Math.max(maxHeldChunks, heldChunks);
        const item = await cursor.next();
        if (!item || stopped) {
          heldChunks--;
          return;
        }
        let chunk: LoadedChunk;
        if (item.opened && item.rowGroup !== undefined) {
          chunk = await item.opened.read([item.rowGroup]);
          if (item.rowGroup === 0)
            chunk = { ...chunk, bytesFetched: chunk.bytesFetched + item.opened.openBytes };
        } else {
          const opened = await source.open(item.ref);
          const all = opened.rowGroupRows.map((_, i) => i);
          chunk =
            all.length > 0
              ? await opened.read(all)
              : { rowStart: 0, numRows: 0, bytesFetched: 0, projectedBytes: 0 };
          chunk = { ...chunk, bytesFetched: chunk.bytesFetched + opened.openBytes };
        }
        chunks++;
        options.onChunk?.(item.ref, chunk);
        if (chunk.numRows === 0 || stopped) {
          heldChunks--;
          notify();
          continue;
        }
        const key = options.sampleKey(item.ref, chunk.rowStart);
        const order = key === null ? null : permutation(chunk.numRows, key);
        buffer.push({
          ref: item.ref,
          rowStart: chunk.rowStart,
          numRows: chunk.numRows,
          taken: 0,
          order: order ? (i) => order.at(i) : null,
          payload: chunk.payload,
        });
        bufferedRows += chunk.numRows;
        maxBufferedRows = Math.max(maxBufferedRows, bufferedRows);
        notify();
      }
    } catch (error) {
      if (!failure) failure = { error };
      stopped = true;
    } finally {
      fetchersRunning--;
      notify();
    }
  };

  const nextChunk = async (): Promise<BufferedChunk | null> => {
    for (;;) {
      if (failure) throw failure.error;
      const chunk = buffer.shift();
      if (chunk) return chunk;
      if (fetchersRunning === 0) return null;
      await changed();
    }
  };

  const start = now();
  const threads = Math.max(1, options.readThreads);
  fetchersRunning = threads;
  const fetchers = Array.from({ length: threads }, () => fetcher());

  let steps = 0;
  let samples = 0;
  let current: BufferedChunk | null = null;
  let stepStart = start;
  try {
    while (options.maxSteps <= 0 || steps < options.maxSteps) {
      const waitStarted = performance.now();
      const batch: SampleBatch | null = options.onBatch ? { units: [], rows: [] } : null;
      let collected = 0;
      while (collected < batchSize) {
        if (!current) {
          current = await nextChunk();
          if (!current) break;
        }
        const take = Math.min(batchSize - collected, current.numRows - current.taken);
        if (batch) {
          for (let i = current.taken; i < current.taken + take; i++) {
            batch.units.push(current.ref.unit);
            batch.rows.push(current.rowStart + (current.order ? current.order(i) : i));
          }
        }
        current.taken += take;
        collected += take;
        bufferedRows -= take;
        if (current.taken === current.numRows) {
          current = null;
          heldChunks--;
          notify();
        }
      }
      if (collected === 0) break;
      const batchReady = now();
      const loadWaitMs = performance.now() - waitStarted;
      if (batch) options.onBatch?.(batch);
      const computeStarted = performance.now();
      await options.compute(options.nextComputeMs());
      const computeMs = performance.now() - computeStarted;
      const end = now();
      options.onStep?.({
        epoch: plan.epoch,
        step: steps,
        start: stepStart,
        batchReady,
        end,
        loadWaitMs,
        computeMs,
        samples: collected,
      });
      stepStart = end;
      steps++;
      samples += collected;
    }
  } finally {
    stopped = true;
    notify();
    await Promise.allSettled(fetchers);
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (failure) throw (failure as { error: unknown }).error;
  return { steps, samples, start, end: now(), chunks, maxHeldChunks, maxBufferedRows };
}
