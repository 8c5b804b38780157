/**
 * One loader worker's epoch (SPEC §5): the batches of its run, in order.
 * For each object its run touches it reads — in read_mode `default` every
 * projected column chunk of the object (what DLIO's reader does), in
 * `row_group` only the row groups holding the run's samples, one at a time —
 * and copies the run's rows into batches. Reading happens only when the
 * consumer asks for the next batch, so a worker is never more than the
 * batches its consumer allows ahead.
 *
 * sample_shuffle reorders the rows of each loaded chunk (the object's rows
 * of the run in `default`, a row group's in `row_group`): a sample is never
 * duplicated or dropped, and no batch waits on more than a chunk's reads.
 */

import { permutation } from '../dataset/permutation.ts';
import type { RunPlan } from '../dataset/types.ts';
import { objectRowCount } from '../dataset/values.ts';
import { SchemaMismatchError } from '../errors.ts';
import type { BufferPool } from '../storage/buffer-pool.ts';
import { type Batch, BatchBuilder, type RowSource } from './batch.ts';
import { preprocessFor, preprocessTimeSampler } from './compute.ts';
import { AbortedError } from './control.ts';
import { loadFileBatches } from './file-loader.ts';
import { type Piece, piecesOf, type RankEpoch, sampleOrderKey, type WorkerRun } from './schedule.ts';
import type { LoadedRowGroup, OpenedObject, SampleSource } from './source.ts';

export interface LoaderContext {
  plan: RunPlan;
  source: SampleSource;
  rank: RankEpoch;
  run: WorkerRun;
  /** Hears every loaded chunk: the projected bytes of the row groups holding the run's samples. */
  onChunk?: (projectedBytes: number, openedObject: boolean) => void;
  /** Attach (unit, row) ids to each batch. */
  collectIds?: boolean;
  /** Where batch buffers come from (the ones the accelerator handed back). */
  buffers?: BufferPool;
  signal?: AbortSignal;
  /** True once the run is stopped or aborted: a long preprocess_time ends early (AbortedError). */
  interrupted?: () => boolean;
}

/** Row groups overlapping rows [from, to) of an object. */
function groupsOverlapping(rowGroupRows: readonly number[], from: number, to: number): number[] {
  const groups: number[] = [];
  let start = 0;
  rowGroupRows.forEach((rows, g) => {
    if (start < to && start + rows > from) groups.push(g);
    start += rows;
  });
  return groups;
}

function checkRows(plan: RunPlan, piece: Piece, opened: OpenedObject): void {
  const expected = objectRowCount(plan.dataset, piece.ref.partition);
  const actual = opened.rowGroupRows.reduce((n, r) => n + r, 0);
  if (actual !== expected) {
    throw new SchemaMismatchError(
      `file ${piece.ref.fileIndex}${piece.ref.partition === null ? '' : ` partition ${piece.ref.partition}`} ` +
        `has ${actual} rows, the workload expects ${expected} (dataset.num_samples_per_file)`,
    );
  }
}

/** The loaded row groups of one piece: all read at once (default) or one by one (row_group). */
async function* chunksOf(ctx: LoaderContext, piece: Piece): AsyncGenerator<LoadedRowGroup[]> {
  ctx.signal?.throwIfAborted();
  const opened = await ctx.source.open(piece.ref);
  checkRows(ctx.plan, piece, opened);
  const needed = groupsOverlapping(opened.rowGroupRows, piece.rowStart, piece.rowEnd);
  if (ctx.plan.loader.readMode === 'default') {
    const all = opened.rowGroupRows.map((_, g) => g);
    const loaded = await opened.read(all);
    const used = loaded.filter((g) => needed.includes(g.rowGroup));
    ctx.onChunk?.(
      used.reduce((n, g) => n + g.projectedBytes, 0),
      true,
    );
    yield used;
    return;
  }
  for (const [i, g] of needed.entries()) {
    ctx.signal?.throwIfAborted();
    const loaded = await opened.read([g]);
    ctx.onChunk?.(loaded[0]?.projectedBytes ?? 0, i === 0);
    yield loaded;
  }
}

/** A run of consecutive rows of one loaded row group: rows [from, from + count) of its columns. */
interface Segment {
  source: RowSource;
  from: number;
  count: number;
  /** Rows of the chunk before this segment. */
  offset: number;
}

/** The rows of `piece` within `groups`, as segments in object order. */
function chunkSegments(piece: Piece, groups: LoadedRowGroup[]): Segment[] {
  const segments: Segment[] = [];
  let offset = 0;
  for (const g of groups) {
    const from = Math.max(piece.rowStart, g.rowStart);
    const to = Math.min(piece.rowEnd, g.rowStart + g.numRows);
    if (to <= from) continue;
    const source: RowSource = { ref: piece.ref, rowStart: g.rowStart, columns: g.columns };
    segments.push({ source, from: from - g.rowStart, count: to - from, offset });
    offset += to - from;
  }
  return segments;
}

/** The segment holding chunk row `i` (binary search). */
function segmentAt(segments: Segment[], i: number): Segment {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((segments[mid] as Segment).offset <= i) lo = mid;
    else hi = mid - 1;
  }
  return segments[lo] as Segment;
}

/** Feeds a chunk's rows to the builder, in order or permuted, yielding each batch it fills. */
function* fill(
  builder: BatchBuilder,
  segments: Segment[],
  order: ((i: number) => number) | null,
): Generator<Batch> {
  const total = segments.reduce((n, s) => n + s.count, 0);
  if (order) {
    for (let i = 0; i < total; i++) {
      const k = order(i);
      const seg = segmentAt(segments, k);
      builder.addRow(seg.source, seg.from + k - seg.offset);
      if (builder.full) yield builder.take();
    }
    return;
  }
  for (const seg of segments) {
    let done = 0;
    while (done < seg.count) {
      const n = Math.min(builder.room, seg.count - done);
      builder.addRun(seg.source, seg.from + done, n);
      done += n;
      if (builder.full) yield builder.take();
    }
  }
}

export async function* loadBatches(ctx: LoaderContext): AsyncGenerator<Batch> {
  if (ctx.run.files) {
    yield* loadFileBatches(ctx);
    return;
  }
  const { plan, rank } = ctx;
  const specs = plan.loader.decode ? plan.loader.projected : null;
  const builder = new BatchBuilder(plan.loader.batchSize, specs, ctx.collectIds ?? false, ctx.buffers);
  const preprocessMs = preprocessTimeSampler(plan.loader.preprocess, plan.training.seed, {
    accelerator: rank.rank,
    worker: ctx.run.worker,
    epoch: rank.epoch,
  });
  for (const piece of piecesOf(plan, rank, ctx.run.from, ctx.run.to)) {
    for await (const groups of chunksOf(ctx, piece)) {
      const segments = chunkSegments(piece, groups);
      const first = segments[0];
      if (!first) continue;
      const key = sampleOrderKey(
        plan.training,
        rank.epoch,
        piece.ref.unit,
        first.source.rowStart + first.from,
      );
      const total = segments.reduce((n, seg) => n + seg.count, 0);
      const order = key === null ? null : permutation(total, key);
      for (const batch of fill(builder, segments, order ? (i) => order.at(i) : null)) {
        // DLIO's reader sleeps preprocess_time per sample, in the loader worker, before the batch is handed over.
        if (preprocessMs && !(await preprocessFor(preprocessMs(batch.samples), undefined, ctx.interrupted)))
          throw new AbortedError();
        yield batch;
      }
      // Every row of the chunk is in a batch (copied): its fetch buffers can be reused.
      for (const group of groups) group.release?.();
    }
  }
  if (builder.room !== builder.size)
    throw new Error('a loader run ended inside a batch (run not a whole number of batches)');
}
