/**
 * One loader worker's epoch under files sharding, read the way the MLCommons
 * fork's TorchIterableDataset drives ParquetReaderFileIterable /
 * ParquetReaderS3Iterable: first the footer of every file of the worker, in
 * order; then one ranged read per row group (every projected chunk of it,
 * first byte to last), with a sliding window of row groups in flight across
 * file boundaries — one more submitted as each is consumed. Rows fill
 * batches in file order, carried over from file to file; the worker stops
 * yielding after its batches (its remainder is dropped) and, as the fork's
 * worker does, still reads the rest of its files unless the run was cut short
 * by total_training_steps.
 */
import type { RunPlan } from '../dataset/types.ts';
import { SchemaMismatchError } from '../errors.ts';
import { type Batch, BatchBuilder } from './batch.ts';
import { preprocessFor, preprocessTimeSampler } from './compute.ts';
import { AbortedError } from './control.ts';
import type { LoaderContext } from './loader.ts';
import { type UnitRef, unitRef } from './schedule.ts';
import type { LoadedRowGroup, OpenedObject } from './source.ts';

interface RowGroupSlot {
  ref: UnitRef;
  opened: OpenedObject;
  rowGroup: number;
  first: boolean;
}

/** Row groups in flight: the fork's prefetch_window, bounded by the GETs a worker may keep in flight. */
export function rowGroupsInFlight(plan: RunPlan): number {
  return Math.max(1, Math.min(plan.loader.rowGroupWindow, plan.loader.getsPerWorker));
}

async function openAll(ctx: LoaderContext, files: readonly number[]): Promise<RowGroupSlot[]> {
  const slots: RowGroupSlot[] = [];
  for (const fileIndex of files) {
    ctx.signal?.throwIfAborted();
    const ref = unitRef(ctx.plan.dataset.layout, fileIndex);
    const opened = await ctx.source.open(ref);
    const rows = opened.rowGroupRows.reduce((n, r) => n + r, 0);
    if (rows !== ctx.plan.dataset.samplesPerFile) {
      throw new SchemaMismatchError(
        `file ${fileIndex} has ${rows} rows, the workload expects ${ctx.plan.dataset.samplesPerFile} (dataset.num_samples_per_file)`,
      );
    }
    opened.rowGroupRows.forEach((_, rowGroup) => {
      slots.push({ ref, opened, rowGroup, first: rowGroup === 0 });
    });
  }
  return slots;
}

/** The row groups of `slots` in order, at most `window` read ahead of the one consumed. */
async function* windowed(
  slots: RowGroupSlot[],
  window: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<{ slot: RowGroupSlot; group: LoadedRowGroup }> {
  const inFlight: Promise<LoadedRowGroup[]>[] = [];
  let next = 0;
  const submit = () => {
    const slot = slots[next++] as RowGroupSlot;
    const read = slot.opened.read([slot.rowGroup]);
    // Awaited in order below; a read left behind when the consumer stops must not reject unheard.
    read.catch(() => undefined);
    inFlight.push(read);
  };
  while (next < slots.length && inFlight.length < window) submit();
  for (let i = 0; i < slots.length; i++) {
    signal?.throwIfAborted();
    const [group] = await (inFlight.shift() as Promise<LoadedRowGroup[]>);
    if (next < slots.length) submit();
    if (group) yield { slot: slots[i] as RowGroupSlot, group };
  }
}

export async function* loadFileBatches(ctx: LoaderContext): AsyncGenerator<Batch> {
  const { plan, rank, run } = ctx;
  const specs = plan.loader.decode ? plan.loader.projected : null;
  const builder = new BatchBuilder(plan.loader.batchSize, specs, ctx.collectIds ?? false, ctx.buffers);
  const preprocessMs = preprocessTimeSampler(plan.loader.preprocess, plan.training.seed, {
    accelerator: rank.rank,
    worker: run.worker,
    epoch: rank.epoch,
  });
  if (run.batches === 0 && !run.readTail) return;
  const slots = await openAll(ctx, run.files ?? []);
  let yielded = 0;
  for await (const { slot, group } of windowed(slots, rowGroupsInFlight(plan), ctx.signal)) {
    ctx.onChunk?.(group.projectedBytes, slot.first);
    let done = 0;
    while (yielded < run.batches && done < group.numRows) {
      const n = Math.min(builder.room, group.numRows - done);
      builder.addRun({ ref: slot.ref, rowStart: group.rowStart, columns: group.columns }, done, n);
      done += n;
      if (!builder.full) continue;
      const batch = builder.take();
      if (preprocessMs && !(await preprocessFor(preprocessMs(batch.samples), undefined, ctx.interrupted)))
        throw new AbortedError();
      yielded++;
      yield batch;
    }
    group.release?.();
    if (yielded === run.batches && !run.readTail) return;
  }
}
