/**
 * The training loop's SampleSource over real Parquet objects: each object of
 * the epoch plan is opened with the ParquetObjectReader (footer GET +
 * projection check) and its projected column chunks are fetched — all row
 * groups at once in read_mode default, one row group per read in row_group.
 * With `verify: true` every decoded value is checked against the generator
 * (inside the fetch, so its CPU time shows up as load time, as decode's does).
 */
import { projectedColumns } from '../config/load.ts';
import type { Workload } from '../config/types.ts';
import { datasetLayout, layoutObjectKey } from '../dataset/layout.ts';
import { objectRowCount, valueContextFor } from '../dataset/values.ts';
import { ParquetObjectReader } from '../parquet/index.ts';
import type { Storage } from '../storage/types.ts';
import type { LoadedChunk, OpenedObject, SampleSource } from './loop.ts';
import type { ObjectRef } from './schedule.ts';
import { verifyRowGroup } from './verify.ts';

const EMPTY_OBJECT: OpenedObject = {
  rowGroupRows: [],
  openBytes: 0,
  read: async () => ({ rowStart: 0, numRows: 0, bytesFetched: 0, projectedBytes: 0 }),
};

export function createParquetSource(w: Workload, storage: Storage, signal?: AbortSignal): SampleSource {
  const layout = datasetLayout(w);
  const columns = projectedColumns(w);
  const partitionColumn = w.dataset.parquet.partition_by;
  return {
    async open(ref: ObjectRef): Promise<OpenedObject> {
      // Partitions with no rows (fewer rows per file than partition values) hold no samples to read.
      if (objectRowCount(w, ref.fileIndex, ref.partition) === 0) return EMPTY_OBJECT;
      const key = layoutObjectKey(layout, w.dataset.file_prefix, 'train', ref.fileIndex, ref.partition);
      const reader = await ParquetObjectReader.open(storage, key, {
        footerFetchBytes: w.reader.footer_fetch_bytes,
        columns,
        vectorLayout: w.dataset.parquet.vector_layout,
        coalesceGapBytes: w.reader.coalesce_gap_bytes,
        maxRequestBytes: w.reader.max_request_bytes,
        readThreads: w.reader.read_threads,
        decode: w.reader.decode,
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
          if (w.reader.verify) {
            const context = valueContextFor(w, ref.fileIndex, ref.partition);
            for (const data of groups)
              verifyRowGroup({ key, data, columns, context, partitionBy: partitionColumn });
          }
          return {
            // Callers pass contiguous row groups (all of them, or one), so the rows are one range.
            rowStart: groups[0]?.rowStart ?? 0,
            numRows: groups.reduce((n, g) => n + g.numRows, 0),
            bytesFetched: groups.reduce((n, g) => n + g.bytesFetched, 0),
            projectedBytes: reader.plan(rowGroups).projectedBytes,
            payload: w.reader.decode ? groups.map((g) => g.columns) : undefined,
          };
        },
      };
    },
  };
}
