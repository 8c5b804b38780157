/**
 * The workload held against LIMITS (limits.ts): sizes of values, rows,
 * column chunks, batch columns and objects computed from the columns'
 * dtypes, each over-limit value a ConfigIssue naming its key and the bound.
 */
import type { ConfigIssue } from '../errors.ts';
import { encodedRowBytes, memoryRowBytes } from './dtypes.ts';
import { formatBytes, LIMITS, S3_MAX_OBJECT_BYTES } from './limits.ts';
import { quote } from './quote.ts';
import type { RawWorkload } from './schema.ts';
import type { ColumnSpec } from './types.ts';

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
          : `one value of column ${quote(c.name)} is ${formatBytes(c.rowBytes)}; ${allowed}`,
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
      message: `${groupRows} rows make a ${formatBytes(groupRows * widest.rowBytes)} chunk of column ${quote(widest.name)}; allowed: <= ${formatBytes(LIMITS.columnChunkBytes)} per column chunk (row_group_size <= ${most})`,
    });
  }
  const read = cols.filter((c) => c.read);
  const widestRead = read.reduce((a, b) => (b.memoryBytes > a.memoryBytes ? b : a), read[0] ?? widest);
  const batch = w.reader.batch_size;
  if (batch * widestRead.memoryBytes > LIMITS.batchColumnBytes) {
    const most = Math.max(1, Math.floor(LIMITS.batchColumnBytes / widestRead.memoryBytes));
    issues.push({
      path: 'reader.batch_size',
      message: `${batch} samples make a ${formatBytes(batch * widestRead.memoryBytes)} batch of column ${quote(widestRead.name)}; allowed: <= ${formatBytes(LIMITS.batchColumnBytes)} per batch column (batch_size <= ${most})`,
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
