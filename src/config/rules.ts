/**
 * Cross-field rules zod cannot express per key. Each rule returns the issues
 * it finds, each naming its path; the loader reports all of them at once.
 */
import type { ConfigIssue } from '../errors.ts';
import { LEVEL_RANGES } from './codecs.ts';
import { DTYPE_INFO } from './dtypes.ts';
import { limitIssues } from './limit-rules.ts';
import { quote } from './quote.ts';
import type { RawWorkload } from './schema.ts';
import { type ColumnSpec, DTYPES } from './types.ts';

const CARDINAL_DTYPES = DTYPES.filter((d) => DTYPE_INFO[d].cardinal);

function columnIssues(c: ColumnSpec, path: string): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (c.cardinality === undefined) return issues;
  if (!(DTYPE_INFO[c.dtype].cardinal && c.size === 1)) {
    issues.push({
      path: `${path}.cardinality`,
      message: `cardinality applies to scalar ${CARDINAL_DTYPES.join('/')} columns, not ${c.dtype} of size ${c.size}`,
    });
  }
  const limit = DTYPE_INFO[c.dtype].cardinalityLimit;
  if (limit !== undefined && c.cardinality > limit) {
    issues.push({
      path: `${path}.cardinality`,
      message: `${c.cardinality} does not fit ${c.dtype}; allowed: 1..${limit}`,
    });
  }
  // String values are "v0".."v{n-1}"; they must fit the declared width.
  if (c.dtype === 'string' && `v${c.cardinality - 1}`.length > c.size) {
    issues.push({
      path: `${path}.size`,
      message: `string values v0..v${c.cardinality - 1} need size >= ${String(c.cardinality - 1).length + 1}`,
    });
  }
  return issues;
}

function columnsIssues(cols: ColumnSpec[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const seen = new Map<string, number>();
  cols.forEach((c, i) => {
    const path = `dataset.parquet.columns[${i}]`;
    if (seen.has(c.name)) {
      issues.push({
        path: `${path}.name`,
        message: `duplicate column name ${quote(c.name)} (also columns[${seen.get(c.name)}])`,
      });
    }
    seen.set(c.name, i);
    issues.push(...columnIssues(c, path));
  });
  if (cols.length > 0 && cols.every((c) => !c.read)) {
    issues.push({
      path: 'dataset.parquet.columns',
      message: 'every column has read: false; at least one must be read',
    });
  }
  return issues;
}

function partitionIssues(w: RawWorkload): ConfigIssue[] {
  const pb = w.dataset.parquet.partition_by;
  if (pb === null) return [];
  const cols = w.dataset.parquet.columns;
  const path = 'dataset.parquet.partition_by';
  const col = cols.find((c) => c.name === pb);
  if (!col) {
    return [
      {
        path,
        message: `${quote(pb)} is not a column; columns: ${cols.map((c) => c.name).join(', ') || '(none)'}`,
      },
    ];
  }
  if (col.cardinality === undefined)
    return [{ path, message: `column ${quote(pb)} needs a cardinality to be a partition key` }];
  if (cols.length === 1) return [{ path, message: 'cannot partition by the only column' }];
  return [];
}

/** numpy seeds are 0..2^32-1: the fork's reshard seeds train.seed + 1 + 31 × rank. */
const NUMPY_SEED_MAX = 2 ** 32 - 1;

/** reader.sharding files: the fork lists train/ flat and reshards with numpy seeds. */
function shardingIssues(w: RawWorkload): ConfigIssue[] {
  if (w.reader.sharding !== 'files') return [];
  const issues: ConfigIssue[] = [];
  if (w.dataset.parquet.partition_by !== null) {
    issues.push({
      path: 'reader.sharding',
      message:
        'files sharding reads whole files as the MLCommons fork lists them; a Hive-partitioned dataset (dataset.parquet.partition_by) needs sharding: samples',
    });
  }
  const top = w.train.seed + 1 + 31 * (w.run.accelerators - 1);
  if (w.reader.file_shuffle !== 'off' && (w.train.seed < 0 || top > NUMPY_SEED_MAX)) {
    issues.push({
      path: 'train.seed',
      message: `${w.train.seed} is out of range for files sharding with file_shuffle: the fork seeds numpy with train.seed + 1 + 31 × rank, which must stay within 0..${NUMPY_SEED_MAX}`,
    });
  }
  return issues;
}

function compressionIssues(w: RawWorkload): ConfigIssue[] {
  const level = w.dataset.compression_level;
  const range = LEVEL_RANGES[w.dataset.compression];
  if (level === null || !range || (level >= range[0] && level <= range[1])) return [];
  return [
    {
      path: 'dataset.compression_level',
      message: `${level} is out of range for ${w.dataset.compression}; allowed: ${range[0]}..${range[1]}`,
    },
  ];
}

function locationIssues(w: RawWorkload): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  const folder = w.dataset.data_folder;
  if (folder.startsWith('/') || folder.split('/').includes('..') || folder.includes('\0')) {
    issues.push({
      path: 'dataset.data_folder',
      message: `${quote(folder)} must be a relative path inside storage_root without '..'`,
    });
  }
  if (w.storage.storage_type === 's3') {
    const bucket = w.storage.storage_root.replace(/^s3:\/\//, '').split('/')[0] ?? '';
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      issues.push({
        path: 'storage.storage_root',
        message: `${quote(w.storage.storage_root)} does not start with a valid S3 bucket name (3-63 chars of a-z, 0-9, '.', '-')`,
      });
    }
  }
  return issues;
}

function recordIssues(w: RawWorkload): ConfigIssue[] {
  const d = w.dataset;
  if (d.parquet.columns.length > 0 || d.record_length_bytes_stdev <= d.record_length_bytes) return [];
  return [
    {
      path: 'dataset.record_length_bytes_stdev',
      message: `${d.record_length_bytes_stdev} exceeds record_length_bytes (${d.record_length_bytes})`,
    },
  ];
}

/**
 * Credentials come in pairs: a key id without its secret (or a session token
 * without both) would silently fall back to the environment's identity.
 */
function credentialIssues(w: RawWorkload): ConfigIssue[] {
  const o = w.storage.storage_options;
  const where = 'storage.storage_options';
  const issues: ConfigIssue[] = [];
  if (o.access_key_id !== undefined && o.secret_access_key === undefined) {
    issues.push({
      path: `${where}.secret_access_key`,
      message:
        'is required when access_key_id is given (give both, or neither to use the environment credentials)',
    });
  }
  if (o.secret_access_key !== undefined && o.access_key_id === undefined) {
    issues.push({
      path: `${where}.access_key_id`,
      message:
        'is required when secret_access_key is given (give both, or neither to use the environment credentials)',
    });
  }
  if (o.session_token !== undefined && (o.access_key_id === undefined || o.secret_access_key === undefined)) {
    issues.push({
      path: `${where}.session_token`,
      message: 'is used only with access_key_id and secret_access_key; give all three',
    });
  }
  return issues;
}

export function crossFieldIssues(w: RawWorkload): ConfigIssue[] {
  const issues = [
    ...columnsIssues(w.dataset.parquet.columns),
    ...partitionIssues(w),
    ...shardingIssues(w),
    ...compressionIssues(w),
    ...locationIssues(w),
    ...recordIssues(w),
    ...credentialIssues(w),
  ];
  // Sizes multiply columns and counts: judged once those are valid.
  return issues.length > 0 ? issues : limitIssues(w);
}
