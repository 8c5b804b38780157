/**
 * The loaders' SampleSource over real Parquet objects: each object is opened
 * with the ParquetObjectReader (footer GET + projection check) and its
 * projected column chunks are fetched — the row groups asked for, in one
 * request plan — then decoded. With `verify: true` every decoded value is
 * checked against the generator, inside the load, so its CPU time is the
 * loader's, as decode's is.
 */

import { objectKey } from '../dataset/layout.ts';
import type { RunPlan } from '../dataset/types.ts';
import { valueContextFor } from '../dataset/values.ts';
import { CorruptParquetError, type PqbenchError, SchemaMismatchError, VerifyError } from '../errors.ts';
import { ParquetObjectReader } from '../parquet/index.ts';
import type { BufferPool } from '../storage/buffer-pool.ts';
import { describeKey } from '../storage/keys.ts';
import type { Storage } from '../storage/types.ts';
import type { UnitRef } from './schedule.ts';
import type { LoadedRowGroup, OpenedObject, SampleSource } from './source.ts';
import { verifyRowGroup } from './verify.ts';

export interface ParquetSourceOptions {
  /** GETs in flight for one read (a split chunk's pieces, coalesced ranges). */
  concurrency: number;
  signal?: AbortSignal;
  /** Fetch into reused buffers (released by the loader once a chunk's rows are batched). */
  buffers?: BufferPool;
}

const DATA_ERRORS: (new (message: string) => PqbenchError)[] = [
  CorruptParquetError,
  SchemaMismatchError,
  VerifyError,
];

/**
 * A data error that starts with the object's key, restarted with where a user
 * finds the object (`s3://bucket/prefix/key at endpoint`, or its local path):
 * the key alone lacks the storage_root's prefix.
 */
function fullyNamed(error: unknown, key: string, location: string): unknown {
  const Class = DATA_ERRORS.find((c) => error instanceof c);
  if (!Class || !(error as Error).message.startsWith(`${key}:`)) return error;
  return new Class(describeKey(location, key) + (error as Error).message.slice(key.length));
}

export function createParquetSource(
  plan: RunPlan,
  storage: Storage,
  options: ParquetSourceOptions,
): SampleSource {
  const { dataset, loader } = plan;
  const columns = loader.projected;
  const partitionColumn = dataset.layout.partition?.column.name ?? null;
  // files sharding reads as the fork's _rg_byte_range: one range per row group, first projected byte to last.
  const wholeRowGroup = loader.sharding === 'files';
  return {
    async open(ref: UnitRef): Promise<OpenedObject> {
      const key = objectKey(dataset.layout, 'train', ref.fileIndex, ref.partition);
      const named = (error: unknown) => Promise.reject(fullyNamed(error, key, storage.location));
      const reader = await ParquetObjectReader.open(storage, key, {
        footerFetchBytes: loader.footerFetchBytes,
        columns,
        vectorLayout: dataset.format.vectorLayout,
        coalesceGapBytes: wholeRowGroup ? Number.MAX_SAFE_INTEGER : loader.coalesceGapBytes,
        maxRequestBytes: wholeRowGroup ? Number.MAX_SAFE_INTEGER : loader.maxRequestBytes,
        readThreads: options.concurrency,
        decode: loader.decode,
        partition:
          partitionColumn !== null && ref.partition !== null
            ? { column: partitionColumn, value: ref.partition }
            : null,
        signal: options.signal,
        buffers: options.buffers,
        checkCrc: loader.verify,
      }).catch(named);
      return {
        rowGroupRows: reader.rowGroups.map((g) => g.numRows),
        async read(rowGroups: number[]): Promise<LoadedRowGroup[]> {
          const groups = await reader.readRowGroups(rowGroups).catch(named);
          if (loader.verify) {
            const context = valueContextFor(dataset, ref.fileIndex, ref.partition);
            try {
              for (const data of groups)
                verifyRowGroup({ key, data, columns, context, partitionBy: partitionColumn });
            } catch (error) {
              throw fullyNamed(error, key, storage.location);
            }
          }
          return groups.map((g) => ({
            rowGroup: g.rowGroup,
            rowStart: g.rowStart,
            numRows: g.numRows,
            projectedBytes: g.projectedBytes,
            columns: g.columns,
            release: g.release,
          }));
        },
      };
    },
  };
}
