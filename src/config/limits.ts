/**
 * What a workload may ask for: every bound pqbench puts on its input, in one
 * place, each with the reason it exists (the README's config reference lists
 * them). A value beyond a bound is a config error naming the key and the
 * limit (exit 2) before anything runs — never a late crash, an out-of-memory
 * or a run with an ETA of centuries. The checks against them: limit-rules.ts.
 */
const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

export const LIMITS = {
  /** A workload file larger than this is not a workload (largest real DLIO workload: a few KiB). */
  yamlBytes: 1 * MiB,
  /** Mapping/list nesting of the YAML document (a workload is 4 levels deep). */
  yamlDepth: 64,
  /**
   * Values in the document with every alias expanded: bounds what an alias
   * bomb ("billion laughs") could make any later walk over the document do,
   * while plain anchor reuse (one anchor hundreds of times) keeps working.
   */
  yamlNodes: 1_000_000,
  /** The yaml library's own alias guard (an anchor's uses × its aliased size); a backstop to yamlNodes. */
  yamlAliasCount: 100_000,
  /** Integer counts (rows per row group, batch sizes, epochs, cardinality, column size…): Parquet and JS int32 indices. */
  count: 2 ** 31 - 1,
  /** Files per split (num_files_train, num_files_eval): object indices are int32. */
  files: 2 ** 31 - 1,
  /** Samples across a split's files: sample indices stay exact in a JS number and the permutation's domain. */
  samples: 2 ** 52,
  /** Columns in a file. */
  columns: 10_000,
  /** One value of one column, and one whole row: must fit one Parquet page (int32 sizes) and one JS buffer. */
  rowBytes: 1 * GiB,
  /** One column chunk of one row group: the reader fetches it into one buffer. */
  columnChunkBytes: 2 * GiB - 1,
  /** One column of one batch: the loader assembles it into one buffer. */
  batchColumnBytes: 2 * GiB - 1,
  /** A whole dataset (uncompressed estimate): beyond this no benchmark run makes sense. */
  datasetBytes: 2 ** 50,
  /** S3 allows 10,000 parts per multipart upload. */
  s3Parts: 10_000,
  /** The part size `generate` uploads with (src/generate/object.ts GENERATE_PART_SIZE takes it from here). */
  s3PartBytes: 8 * MiB,
  /** A single ranged GET (max_request_bytes, coalesce_gap_bytes). */
  requestBytes: 2 * GiB - 1,
  /** The first footer read (footer_fetch_bytes). */
  footerFetchBytes: 1 * GiB,
  /** Batches buffered ahead per loader worker. */
  prefetch: 1024,
  /** `file_prefix` in bytes: `<prefix>_<i>_of_<N>.parquet` must stay a valid file name (255 bytes). */
  filePrefixBytes: 200,
  /**
   * Any simulated time (train.computation_time per step, reader.preprocess_time
   * per sample, and each parameter of their distributions), in seconds: an
   * hour-long step measures nothing but the wait, and 1e300 would sleep forever.
   */
  sleepSeconds: 3600,
  /**
   * `model.name` in bytes: it names the run's results folder (`<name>-<time>-…`,
   * one path segment of at most 255 bytes) and appears in every summary.
   */
  modelNameBytes: 128,
} as const;

/** The largest file `generate` can upload to S3. */
export const S3_MAX_OBJECT_BYTES = LIMITS.s3Parts * LIMITS.s3PartBytes;

export function formatBytes(n: number): string {
  if (n >= 2 ** 50) return `${(n / 2 ** 50).toFixed(1)} PiB`;
  if (n >= 2 ** 40) return `${(n / 2 ** 40).toFixed(1)} TiB`;
  if (n >= GiB) return `${(n / GiB).toFixed(1)} GiB`;
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`;
  if (n >= KiB) return `${(n / KiB).toFixed(1)} KiB`;
  return `${n} bytes`;
}
