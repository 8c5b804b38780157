/**
 * The training loop's SampleSource over real Parquet objects: each object of
 * the epoch plan is opened with the ParquetObjectReader (footer GET +
 * projection check) and its projected column chunks are fetched — all row
 * groups at once in read_mode default, one row group per read in row_group.
 * With `verify: true` every decoded value is checked against the generator
 * (inside the fetch, so its CPU time shows up as load time, as decode's does).
 */
import { objectKey } from '../dataset/layout.ts';
import type { RunPlan } from '../dataset/types.ts';
import { objectRowCount, valueContextFor } from '../dataset/values.ts';
import { ParquetObjectReader } from '../parquet/index.ts';
import type { Storage } from '../storage/types.ts';
import type { LoadedChunk, OpenedObject, SampleSource } from './loop.ts';
import type { UnitRef } from './schedule.ts';
import { verifyRowGroup } from './verify.ts';

const EMPTY_OBJECT: OpenedObject = {
  rowGroupRows: [],
  openBytes: 0,
  read: async () => ({ rowStart: 0, numRows: 0, bytesFetched: 0, projectedBytes: 0 }),
};

export function createParquetSource(plan: RunPlan, storage: Storage, signal?: AbortSignal): SampleSource {
  const { dataset, loader } = plan;
  const columns = loader.projected;
  const partitionColumn = dataset.layout.partition?.column.name ?? null;
  return {
    async open(ref: UnitRef): Promise<OpenedObject> {
      // Partitions with no rows (fewer rows per file than partition values) hold no samples to read.
      if (objectRowCount(dataset, ref.partition) === 0) return EMPTY_OBJECT;
      const key = objectKey(dataset.layout, 'train', ref.fileIndex, ref.partition);
      const reader = await ParquetObjectReader.open(storage, key, {
        footerFetchBytes: loader.footerFetchBytes,
        columns,
        vectorLayout: dataset.format.vectorLayout,
        coalesceGapBytes: loader.coalesceGapBytes,
        maxRequestBytes: loader.maxRequestBytes,
        readThreads: loader.readThreads,
        decode: loader.decode,
        partition:
          partitionColumn !== null && ref.partition !== null
            ? { column: partitionColumn, value: ref.partition }
            : null,
        signal,
      });
      return {
        rowGroupRows: reader.rowGroups.map((g) => g.numRows),
        openBytes: reader.footer.bytesFetched,
        async read(rowGroups: number[]): Promise<LoadedChunk> {
          const groups = await reader.readRowGroups(rowGroups);
          if (loader.verify) {
            const context = valueContextFor(dataset, ref.fileIndex, ref.partition);
            for (const data of groups)
              verifyRowGroup({ key, data, columns, context, partitionBy: partitionColumn });
          }
          return {
            // Callers pass contiguous row groups (all of them, or one), so the rows are one range.
            rowStart: groups[0]?.rowStart ?? 0,
            numRows: groups.reduce((n, g) => n + g.numRows, 0),
            bytesFetched: groups.reduce((n, g) => n + g.bytesFetched, 0),
            projectedBytes: groups.reduce((n, g) => n + g.projectedBytes, 0),
            payload: loader.decode ? groups.map((g) => g.columns) : undefined,
          };
        },
      };
    },
  };
}
