/**
 * What a workload may ask for: every bound pqbench puts on its input, in one
 * place, each with the reason it exists (the README's config reference lists
 * them). A value beyond a bound is a config error naming the key and the
 * limit (exit 2) before anything runs — never a late crash, an out-of-memory
 * or a run with an ETA of centuries.
 */
import type { ConfigIssue } from '../errors.ts';
import { encodedRowBytes, memoryRowBytes } from './dtypes.ts';
import type { RawWorkload } from './schema.ts';
import type { ColumnSpec } from './types.ts';

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
  /** The part size `generate` uploads with (src/generate/object.ts GENERATE_PART_SIZE; a test keeps them equal). */
  s3PartBytes: 8 * MiB,
  /** A single ranged GET (max_request_bytes, coalesce_gap_bytes). */
  requestBytes: 2 * GiB - 1,
  /** The first footer read (footer_fetch_bytes). */
  footerFetchBytes: 1 * GiB,
  /** Batches buffered ahead per loader worker. */
  prefetch: 1024,
  /** `file_prefix` in bytes: `<prefix>_<i>_of_<N>.parquet` must stay a valid file name (255 bytes). */
  filePrefixBytes: 200,
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

interface Sized {
  path: string;
  name: string;
  /** Bytes of one row of the column, in memory or in the file, whichever is larger. */
  rowBytes: number;
  memoryBytes: number;
  encodedBytes: number;
  read: boolean;
}

/** The configured columns, or the implicit `data` column at its largest draw (the generator's normal never exceeds mean + 6.7 stdev). */
function sizedColumns(w: RawWorkload): Sized[] {
  const d = w.dataset;
  const layout = d.parquet.vector_layout;
  const size = (c: Pick<ColumnSpec, 'dtype' | 'size'>) => ({
    memoryBytes: memoryRowBytes(c),
    encodedBytes: encodedRowBytes(c, layout),
    rowBytes: Math.max(memoryRowBytes(c), encodedRowBytes(c, layout)),
  });
  if (d.parquet.columns.length === 0) {
    const longest = Math.ceil(d.record_length_bytes + 7 * d.record_length_bytes_stdev);
    return [
      {
        path: 'dataset.record_length_bytes',
        name: 'data',
        read: true,
        ...size({ dtype: 'binary', size: Math.max(1, longest) }),
      },
    ];
  }
  return d.parquet.columns.map((c, i) => ({
    path: `dataset.parquet.columns[${i}].size`,
    name: c.name,
    read: c.read,
    ...size(c),
  }));
}

function rowIssues(cols: Sized[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const allowed = `allowed: <= ${formatBytes(LIMITS.rowBytes)} (one Parquet page, one buffer)`;
  for (const c of cols) {
    if (c.rowBytes <= LIMITS.rowBytes) continue;
    issues.push({
      path: c.path,
      message:
        c.path === 'dataset.record_length_bytes'
          ? `the longest record (record_length_bytes + 7 × record_length_bytes_stdev) is ${formatBytes(c.rowBytes)}; ${allowed}`
          : `one value of column '${c.name}' is ${formatBytes(c.rowBytes)}; ${allowed}`,
    });
  }
  const row = cols.reduce((n, c) => n + c.rowBytes, 0);
  if (issues.length === 0 && row > LIMITS.rowBytes) {
    issues.push({
      path: 'dataset.parquet.columns',
      message: `one row is ${formatBytes(row)}; allowed: <= ${formatBytes(LIMITS.rowBytes)}`,
    });
  }
  return issues;
}

/** Row groups and batches: each column of one is one buffer. */
function bufferIssues(w: RawWorkload, cols: Sized[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const groupRows = Math.min(w.dataset.parquet.row_group_size, w.dataset.num_samples_per_file);
  const widest = cols.reduce((a, b) => (b.rowBytes > a.rowBytes ? b : a));
  if (groupRows * widest.rowBytes > LIMITS.columnChunkBytes) {
    const most = Math.max(1, Math.floor(LIMITS.columnChunkBytes / widest.rowBytes));
    issues.push({
      path: 'dataset.parquet.row_group_size',
      message: `${groupRows} rows make a ${formatBytes(groupRows * widest.rowBytes)} chunk of column '${widest.name}'; allowed: <= ${formatBytes(LIMITS.columnChunkBytes)} per column chunk (row_group_size <= ${most})`,
    });
  }
  const read = cols.filter((c) => c.read);
  const widestRead = read.reduce((a, b) => (b.memoryBytes > a.memoryBytes ? b : a), read[0] ?? widest);
  const batch = w.reader.batch_size;
  if (batch * widestRead.memoryBytes > LIMITS.batchColumnBytes) {
    const most = Math.max(1, Math.floor(LIMITS.batchColumnBytes / widestRead.memoryBytes));
    issues.push({
      path: 'reader.batch_size',
      message: `${batch} samples make a ${formatBytes(batch * widestRead.memoryBytes)} batch of column '${widestRead.name}'; allowed: <= ${formatBytes(LIMITS.batchColumnBytes)} per batch column (batch_size <= ${most})`,
    });
  }
  return issues;
}

/** Files, samples and bytes of the whole dataset, and of one object on S3. */
function datasetIssues(w: RawWorkload, cols: Sized[]): ConfigIssue[] {
  const d = w.dataset;
  const issues: ConfigIssue[] = [];
  const fileBytes = d.num_samples_per_file * cols.reduce((n, c) => n + c.encodedBytes, 0);
  if (w.storage.storage_type === 's3' && fileBytes > S3_MAX_OBJECT_BYTES) {
    issues.push({
      path: 'dataset.num_samples_per_file',
      message: `${d.num_samples_per_file} samples make files of about ${formatBytes(fileBytes)}; allowed on s3: <= ${formatBytes(S3_MAX_OBJECT_BYTES)} (${LIMITS.s3Parts} parts of ${formatBytes(LIMITS.s3PartBytes)})`,
    });
  }
  for (const split of ['num_files_train', 'num_files_eval'] as const) {
    const files = d[split];
    const samples = files * d.num_samples_per_file;
    if (samples > LIMITS.samples) {
      issues.push({
        path: `dataset.${split}`,
        message: `${files} files of ${d.num_samples_per_file} samples are ${samples} samples; allowed: <= 2^52`,
      });
    } else if (files * fileBytes > LIMITS.datasetBytes) {
      issues.push({
        path: `dataset.${split}`,
        message: `${files} files of about ${formatBytes(fileBytes)} are ${formatBytes(files * fileBytes)}; allowed: <= ${formatBytes(LIMITS.datasetBytes)} per split`,
      });
    }
  }
  return issues;
}

/** Byte length of a string as UTF-8. */
function utf8Bytes(s: string): number {
  return new TextEncoder().encode(s).length;
}

function nameIssues(w: RawWorkload): ConfigIssue[] {
  const prefix = w.dataset.file_prefix;
  if (utf8Bytes(prefix) <= LIMITS.filePrefixBytes) return [];
  return [
    {
      path: 'dataset.file_prefix',
      message: `is ${utf8Bytes(prefix)} bytes; allowed: <= ${LIMITS.filePrefixBytes} (file names are at most 255 bytes)`,
    },
  ];
}

/** Every size bound that depends on more than one key. */
export function limitIssues(w: RawWorkload): ConfigIssue[] {
  const cols = sizedColumns(w);
  const rows = rowIssues(cols);
  // A row beyond the bound makes every product beyond it too: report the row alone.
  if (rows.length > 0) return [...rows, ...nameIssues(w)];
  return [...bufferIssues(w, cols), ...datasetIssues(w, cols), ...nameIssues(w)];
}
