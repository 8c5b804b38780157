/**
 * Writes one object (a file, or one Hive partition of a file): values are
 * generated column-major in batches and streamed through the Parquet writer
 * straight into `storage.putStream`. Memory is one generation batch plus a
 * page per column and the upload's buffers — independent of row-group and
 * file size. Any failure rejects the source of the upload, which then aborts
 * (local temp file removed, S3 multipart upload aborted) before we rethrow.
 */
import { memoryRowBytes } from '../config/dtypes.ts';
import { LIMITS } from '../config/limits.ts';
import type { ColumnSpec } from '../config/types.ts';
import { FOOTER_KEYS, GENERATOR_VERSION } from '../dataset/manifest.ts';
import type { DatasetPlan, FileFormat, ObjectRef } from '../dataset/types.ts';
import { columnValues, objectRowCount, valueContextFor } from '../dataset/values.ts';
import { ParquetStreamWriter } from '../parquet/index.ts';
import type { Storage } from '../storage/types.ts';
import { ByteChannel } from './byte-channel.ts';

/** Test-only fault injection: the byte stream throws once this many bytes of an object were produced. */
export interface ObjectFaults {
  failAfterBytes?: number;
}

export interface WriteObjectOptions {
  signal?: AbortSignal;
  faults?: ObjectFaults;
  /** Bytes of this object produced so far. */
  onBytes?: (bytes: number) => void;
}

export interface WrittenObject {
  bytes: number;
  parts: number;
}

/** S3 multipart part size for generated objects: 8 MiB, the low end of S3's sweet spot (config/limits.ts bounds objects by it). */
export const GENERATE_PART_SIZE = LIMITS.s3PartBytes;
const CHANNEL_CHUNK_BYTES = 1024 * 1024;

/**
 * Rows generated per step for a column: `generation_batch_size`, or as many
 * rows as fill one page (at least one row — a 2 MB FLUX row is one batch).
 */
export function generationBatchRows(format: FileFormat, spec: ColumnSpec): number {
  const configured = format.generationBatchSize;
  if (configured !== null) return Math.max(1, configured);
  return Math.max(1, Math.floor(format.pageSize / memoryRowBytes(spec)));
}

async function produce(
  dataset: DatasetPlan,
  ref: ObjectRef,
  sink: (chunk: Uint8Array) => Promise<void>,
  options: WriteObjectOptions,
): Promise<void> {
  const { format, objectColumns: columns } = dataset;
  const writer = new ParquetStreamWriter({
    columns,
    vectorLayout: format.vectorLayout,
    codec: format.codec,
    compressionLevel: format.compressionLevel,
    pageSize: format.pageSize,
    dictionaryPageSizeLimit: format.dictionaryPageSizeLimit,
    kvMetadata: [
      { key: FOOTER_KEYS.fingerprint, value: dataset.fingerprint },
      { key: FOOTER_KEYS.generatorVersion, value: String(GENERATOR_VERSION) },
    ],
    sink,
  });
  const ctx = valueContextFor(dataset, ref.fileIndex, ref.partition);
  const rows = objectRowCount(dataset, ref.partition);
  const groupRows = format.rowGroupSize;
  const batchRows = columns.map((spec) => generationBatchRows(format, spec));
  for (let groupStart = 0; groupStart < rows; groupStart += groupRows) {
    const groupEnd = Math.min(rows, groupStart + groupRows);
    writer.beginRowGroup(groupEnd - groupStart);
    for (let c = 0; c < columns.length; c++) {
      for (let start = groupStart; start < groupEnd; start += batchRows[c]) {
        options.signal?.throwIfAborted();
        const count = Math.min(batchRows[c], groupEnd - start);
        await writer.writeColumn(c, columnValues(columns[c], ctx, start, count));
      }
    }
    await writer.endRowGroup();
  }
  await writer.finish();
}

export async function writeObject(
  dataset: DatasetPlan,
  ref: ObjectRef,
  key: string,
  storage: Storage,
  options: WriteObjectOptions,
): Promise<WrittenObject> {
  const channel = new ByteChannel(CHANNEL_CHUNK_BYTES);
  const upload = storage.putStream(key, channel, { partSize: GENERATE_PART_SIZE, signal: options.signal });
  // If the upload dies first (network, abort), unblock the producer so it stops.
  upload.catch((e: unknown) => channel.abandon(e));
  let produced = 0;
  const failAfter = options.faults?.failAfterBytes;
  const sink = async (chunk: Uint8Array) => {
    if (failAfter !== undefined && produced + chunk.length > failAfter) {
      throw new Error(`injected failure after ${failAfter} bytes of ${key}`);
    }
    await channel.write(chunk);
    produced += chunk.length;
    options.onBytes?.(produced);
  };
  try {
    await produce(dataset, ref, sink, options);
    await channel.close();
  } catch (error) {
    const uploadStoppedFirst = channel.abandoned;
    channel.fail(error);
    // Wait for the upload to clean up (temp file removed / multipart aborted) before reporting.
    const uploadError = await upload.then(
      () => undefined,
      (e: unknown) => e,
    );
    // When the upload died first, its error (auth, network) is the cause, not the producer's.
    throw uploadStoppedFirst && uploadError !== undefined ? uploadError : error;
  }
  const result = await upload;
  return { bytes: result.bytes, parts: result.parts };
}
