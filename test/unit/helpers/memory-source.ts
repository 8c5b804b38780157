/**
 * An in-memory SampleSource for loop tests: object `unit` has rowsOf(unit)
 * rows split into row groups of `rowGroupSize`; reads resolve after a few
 * macrotask turns that vary by object, so fetches finish out of order.
 */
import type { LoadedChunk, OpenedObject, SampleSource } from '../../../src/train/loop.ts';
import type { UnitRef } from '../../../src/train/schedule.ts';

export interface MemorySourceStats {
  opens: number;
  reads: number;
  inFlight: number;
  maxInFlight: number;
}

const turns = (n: number) =>
  new Promise<void>((resolve) => {
    const step = (left: number) => (left <= 0 ? resolve() : setImmediate(() => step(left - 1)));
    step(n);
  });

export function memorySource(
  rowsOf: (ref: UnitRef) => number,
  rowGroupSize: number,
  options: { failOn?: number } = {},
): { source: SampleSource; stats: MemorySourceStats } {
  const stats: MemorySourceStats = { opens: 0, reads: 0, inFlight: 0, maxInFlight: 0 };
  const source: SampleSource = {
    async open(ref: UnitRef): Promise<OpenedObject> {
      stats.opens++;
      await turns(ref.unit % 3);
      const rows = rowsOf(ref);
      const rowGroupRows: number[] = [];
      for (let r = 0; r < rows; r += rowGroupSize) rowGroupRows.push(Math.min(rowGroupSize, rows - r));
      return {
        rowGroupRows,
        openBytes: 100,
        async read(rowGroups: number[]): Promise<LoadedChunk> {
          stats.reads++;
          stats.inFlight++;
          stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
          await turns((ref.unit * 7 + rowGroups[0]) % 5);
          stats.inFlight--;
          if (options.failOn === ref.unit) throw new Error(`read of object ${ref.unit} failed`);
          const rowStart = rowGroups[0] * rowGroupSize;
          const numRows = rowGroups.reduce((n, g) => n + rowGroupRows[g], 0);
          return { rowStart, numRows, bytesFetched: numRows * 10, projectedBytes: numRows * 8 };
        },
      };
    },
  };
  return { source, stats };
}
