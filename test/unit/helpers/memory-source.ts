/**
 * An in-memory SampleSource for loader tests: object `ref` has
 * `rowsOf(ref)` rows in row groups of `rowGroupSize`; each row carries one
 * int32 column `id` = unit × 1,000,000 + row, so a batch shows exactly which
 * samples it holds. Reads resolve after a few macrotask turns and are
 * counted per (unit, row group).
 */
import { wholePiece } from '../../../src/dataset/column-values.ts';
import type { UnitRef } from '../../../src/train/schedule.ts';
import type { LoadedRowGroup, OpenedObject, SampleSource } from '../../../src/train/source.ts';

export interface MemorySourceStats {
  opens: number;
  /** `${unit}/${rowGroup}` → times read. */
  reads: Map<string, number>;
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
  const stats: MemorySourceStats = { opens: 0, reads: new Map() };
  const source: SampleSource = {
    async open(ref: UnitRef): Promise<OpenedObject> {
      stats.opens++;
      await turns(ref.unit % 3);
      const rows = rowsOf(ref);
      const rowGroupRows: number[] = [];
      for (let r = 0; r < rows; r += rowGroupSize) rowGroupRows.push(Math.min(rowGroupSize, rows - r));
      return {
        rowGroupRows,
        async read(rowGroups: number[]): Promise<LoadedRowGroup[]> {
          await turns((ref.unit * 7 + (rowGroups[0] ?? 0)) % 5);
          if (options.failOn === ref.unit) throw new Error(`read of object ${ref.unit} failed`);
          return rowGroups.map((g) => {
            const key = `${ref.unit}/${g}`;
            stats.reads.set(key, (stats.reads.get(key) ?? 0) + 1);
            const rowStart = g * rowGroupSize;
            const numRows = rowGroupRows[g] ?? 0;
            const id = Int32Array.from({ length: numRows }, (_, i) => ref.unit * 1_000_000 + rowStart + i);
            return {
              rowGroup: g,
              rowStart,
              numRows,
              projectedBytes: numRows * 4,
              columns: { id: wholePiece({ kind: 'i32', data: id, size: 1 }) },
            };
          });
        },
      };
    },
  };
  return { source, stats };
}
