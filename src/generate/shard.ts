/**
 * One generate shard (SPEC §3, §7): write every object of files a..b. Called
 * by local worker threads and by the Lambda generator alike, so everything
 * it needs is in its arguments and its result is plain JSON.
 *
 * Idempotence: an existing object is skipped when its footer carries this
 * dataset's fingerprint and the object's size equals the size its footer
 * accounts for (data pages + footer + magic). The fingerprint hashes every
 * config field that defines the bytes (manifest.ts), so the check is stronger
 * than a size match — a changed seed with codec none keeps every size but
 * changes the fingerprint — and needs no state beyond the object itself: one
 * small suffix GET per object, the same request count and price as a HEAD.
 */
import type { FileMetaData } from 'hyparquet';
import { objectKey, objectsOfFiles } from '../dataset/layout.ts';
import { FOOTER_KEYS } from '../dataset/manifest.ts';
import type { RunPlan, Split } from '../dataset/types.ts';
import { CorruptParquetError, StorageError } from '../errors.ts';
import { type PhasePart, PhaseRecorder, teeSinks } from '../metrics/phase.ts';
import { readFooter } from '../parquet/index.ts';
import { instrumentStorage } from '../storage/instrument.ts';
import type { Operation, OperationSink } from '../storage/operations.ts';
import type { Storage } from '../storage/types.ts';
import { type ObjectFaults, writeObject } from './object.ts';
import { type GenerateShard, shardFileCount } from './shards.ts';

export interface GenerateProgress {
  shard: number;
  filesTotal: number;
  filesDone: number;
  filesSkipped: number;
  objectsWritten: number;
  objectsSkipped: number;
  /** Bytes written so far, including the object in progress. */
  bytesWritten: number;
  /** Requests made (a multipart upload counts its create, parts and complete) and the retries they needed. */
  requests: number;
  retries: number;
  /** Writes in flight when the run was stopped: each one's upload aborted or temp file removed. */
  writesStopped: number;
}

export interface GenerateShardResult {
  shard: number;
  files: number;
  /** Files with at least one object written. */
  filesWritten: number;
  /** Files whose objects all existed and matched. */
  filesSkipped: number;
  objectsWritten: number;
  objectsSkipped: number;
  bytesWritten: number;
  /** Multipart parts (S3) or 1 per object. */
  parts: number;
  /** Requests made and the retries they needed (SPEC §8: transient errors are counted). */
  requests: number;
  retries: number;
  seconds: number;
  /** Every request of the shard by operation, and per interval (absent in results of older versions). */
  phase?: PhasePart;
}

export interface GenerateShardOptions {
  /** Rewrite objects that exist and match. */
  force?: boolean;
  onProgress?: (p: GenerateProgress) => void;
  signal?: AbortSignal;
  /** Test-only fault injection (see object.ts). */
  faults?: ObjectFaults;
}

/** Bytes of the object according to its own footer: where the last column chunk ends + footer + 8. */
export function footerAccountedSize(metadata: FileMetaData, footerBytes: number): number {
  let end = 4; // leading "PAR1"
  for (const rowGroup of metadata.row_groups) {
    for (const column of rowGroup.columns) {
      const meta = column.meta_data;
      if (!meta) continue;
      const start = Number(meta.dictionary_page_offset ?? meta.data_page_offset);
      end = Math.max(end, start + Number(meta.total_compressed_size));
    }
  }
  return end + footerBytes;
}

/** True when `key` exists, is complete, and was generated for `fingerprint`. */
export async function existingObjectMatches(
  storage: Storage,
  key: string,
  fingerprint: string,
  footerFetchBytes: number,
): Promise<boolean> {
  try {
    const footer = await readFooter(storage, key, footerFetchBytes);
    const kv = footer.metadata.key_value_metadata ?? [];
    const stamped = kv.find((e) => e.key === FOOTER_KEYS.fingerprint)?.value;
    return (
      stamped === fingerprint &&
      footer.objectSize === footerAccountedSize(footer.metadata, footer.footerBytes)
    );
  } catch (e) {
    if (e instanceof StorageError && e.kind === 'not_found') return false;
    // Not ours, or broken: regenerate it.
    if (e instanceof CorruptParquetError) return false;
    throw e;
  }
}

const PROGRESS_INTERVAL_MS = 250;

/** The running counters of one shard, reported at most every PROGRESS_INTERVAL_MS (and at each file). */
class ShardProgressReporter {
  readonly progress: GenerateProgress;
  filesWritten = 0;
  parts = 0;
  private lastReport = Number.NEGATIVE_INFINITY;

  constructor(
    shard: number,
    filesTotal: number,
    private readonly onProgress?: (p: GenerateProgress) => void,
  ) {
    this.progress = {
      shard,
      filesTotal,
      filesDone: 0,
      filesSkipped: 0,
      objectsWritten: 0,
      objectsSkipped: 0,
      bytesWritten: 0,
      requests: 0,
      retries: 0,
      writesStopped: 0,
    };
  }

  /** OperationSink: every request of the shard, retried or not. */
  readonly tally: OperationSink = {
    record: (op: Operation) => {
      // A multipart upload is CreateMultipartUpload + its parts + CompleteMultipartUpload.
      this.progress.requests += op.parts !== undefined && op.parts > 1 ? op.parts + 2 : 1;
      this.progress.retries += op.retries;
    },
  };

  report(force: boolean): void {
    const now = performance.now();
    if (!this.onProgress || (!force && now - this.lastReport < PROGRESS_INTERVAL_MS)) return;
    this.lastReport = now;
    this.onProgress({ ...this.progress });
  }

  fileDone(wrote: boolean): void {
    this.progress.filesDone++;
    if (wrote) this.filesWritten++;
    else this.progress.filesSkipped++;
  }
}

/** Writes the objects of one file that are missing or stale; true when any was written. */
async function generateFile(
  plan: RunPlan,
  split: Split,
  fileIndex: number,
  storage: Storage,
  counters: ShardProgressReporter,
  options: GenerateShardOptions,
): Promise<boolean> {
  const { dataset } = plan;
  const progress = counters.progress;
  let wrote = false;
  for (const ref of objectsOfFiles(dataset.layout, split, fileIndex, fileIndex + 1)) {
    options.signal?.throwIfAborted();
    const key = objectKey(dataset.layout, ref.split, ref.fileIndex, ref.partition);
    const footerBytes = plan.loader.footerFetchBytes;
    if (!options.force && (await existingObjectMatches(storage, key, dataset.fingerprint, footerBytes))) {
      progress.objectsSkipped++;
      continue;
    }
    const before = progress.bytesWritten;
    let written: Awaited<ReturnType<typeof writeObject>>;
    try {
      written = await writeObject(dataset, ref, key, storage, {
        signal: options.signal,
        faults: options.faults,
        onBytes: (bytes) => {
          progress.bytesWritten = before + bytes;
          counters.report(false);
        },
      });
    } catch (error) {
      // Stopped mid-object: writeObject has aborted the upload (or removed the temp file).
      progress.bytesWritten = before;
      if (options.signal?.aborted) {
        progress.writesStopped++;
        counters.report(true);
      }
      throw error;
    }
    progress.bytesWritten = before + written.bytes;
    progress.objectsWritten++;
    counters.parts += written.parts;
    wrote = true;
  }
  return wrote;
}

export async function generateShard(
  plan: RunPlan,
  shard: GenerateShard,
  unmeasured: Storage,
  options: GenerateShardOptions = {},
): Promise<GenerateShardResult> {
  const started = performance.now();
  const filesTotal = shardFileCount(shard);
  const counters = new ShardProgressReporter(shard.index, filesTotal, options.onProgress);
  const phase = new PhaseRecorder(unmeasured.kind === 'local_fs');
  const storage = instrumentStorage(unmeasured, teeSinks(counters.tally, phase));
  for (const range of shard.ranges) {
    for (let fileIndex = range.start; fileIndex < range.end; fileIndex++) {
      counters.report(true);
      counters.fileDone(await generateFile(plan, range.split, fileIndex, storage, counters, options));
    }
  }
  counters.report(true);
  const { progress } = counters;
  return {
    shard: shard.index,
    files: filesTotal,
    filesWritten: counters.filesWritten,
    filesSkipped: progress.filesSkipped,
    objectsWritten: progress.objectsWritten,
    objectsSkipped: progress.objectsSkipped,
    bytesWritten: progress.bytesWritten,
    parts: counters.parts,
    requests: progress.requests,
    retries: progress.retries,
    seconds: (performance.now() - started) / 1000,
    phase: phase.toPart(),
  };
}
