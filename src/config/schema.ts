/**
 * The workload YAML schema (SPEC §1). Every object is strict: an unknown key
 * is an error naming its path. Defaults follow DLIO where DLIO has the key,
 * so an MLPerf Storage file that omits a key behaves as it does under DLIO.
 */
import { z } from 'zod';
import { DTYPE_INFO } from './dtypes.ts';
import { CODECS, DTYPES, type Workload } from './types.ts';

const CARDINAL_DTYPES = DTYPES.filter((d) => DTYPE_INFO[d].cardinal);

const posInt = z.number().int().min(1);
const nonNegInt = z.number().int().min(0);
const shuffle = z.enum(['off', 'seed', 'random']);

/** YAML `on`/`off` are parsed as strings here (YAML 1.2), but a bool `false` means off too. */
const shuffleMode = z.preprocess((v) => (v === false ? 'off' : v === true ? 'seed' : v), shuffle);

const column = z.strictObject({
  name: z
    .string()
    .min(1)
    .regex(
      /^[A-Za-z_][A-Za-z0-9_-]*$/,
      'column names are letters, digits, _ and -, not starting with a digit',
    ),
  dtype: z.enum(DTYPES),
  size: posInt.default(1),
  read: z.boolean().default(true),
  cardinality: posInt.optional(),
});

const computationTime = z.preprocess(
  (v) => (typeof v === 'number' ? { mean: v } : v),
  z
    .strictObject({
      mean: z.number().min(0),
      stdev: z.number().min(0).default(0),
      type: z.enum(['constant', 'normal', 'uniform']).optional(),
    })
    .transform((c) => ({
      mean: c.mean,
      stdev: c.stdev,
      type: c.type ?? (c.stdev > 0 ? 'normal' : 'constant'),
    })),
);

const storageOptions = z.strictObject({
  endpoint_url: z.url({ protocol: /^https?$/ }).optional(),
  region: z.string().min(1).default('us-east-1'),
  s3_force_path_style: z.boolean().optional(),
  s3_max_attempts: posInt.max(20).default(5),
  checksums: z.enum(['when_required', 'when_supported']).optional(),
  max_sockets: posInt.max(65536).default(256),
  access_key_id: z.string().min(1).optional(),
  secret_access_key: z.string().min(1).optional(),
  session_token: z.string().min(1).optional(),
});

export const workloadSchema = z.strictObject({
  model: z.strictObject({ name: z.string().min(1).default('custom') }).prefault({}),
  framework: z.string().optional(),
  workflow: z
    .strictObject({ generate_data: z.boolean().default(false), train: z.boolean().default(true) })
    .prefault({}),
  storage: z
    .strictObject({
      storage_type: z.enum(['local_fs', 's3']).default('local_fs'),
      storage_root: z.string().min(1).default('./'),
      storage_options: storageOptions.prefault({}),
    })
    .prefault({}),
  dataset: z
    .strictObject({
      data_folder: z.string().min(1).default('data/'),
      format: z.literal('parquet').default('parquet'),
      num_files_train: posInt.default(8),
      num_files_eval: nonNegInt.default(0),
      num_subfolders_train: nonNegInt.default(0),
      num_subfolders_eval: nonNegInt.default(0),
      file_prefix: z
        .string()
        .min(1)
        .regex(/^[^/\\\0]+$/, 'a file prefix cannot contain / or \\')
        .default('img'),
      num_samples_per_file: posInt.default(1),
      record_length_bytes: posInt.default(65536),
      record_length_bytes_stdev: z.number().min(0).default(0),
      compression: z.preprocess((v) => (v === null ? 'none' : v), z.enum(CODECS)).default('none'),
      compression_level: z.number().int().nullable().default(null),
      parquet: z
        .strictObject({
          row_group_size: posInt.default(1_000_000),
          read_mode: z.enum(['default', 'row_group']).default('default'),
          partition_by: z.string().min(1).nullable().default(null),
          generation_batch_size: posInt.nullable().default(null),
          page_size: z
            .number()
            .int()
            .min(1024)
            .max(1 << 30)
            .default(1 << 20),
          vector_layout: z.enum(['list', 'fixed']).default('list'),
          columns: z.array(column).default([]),
        })
        .prefault({}),
    })
    .prefault({}),
  reader: z
    .strictObject({
      data_loader: z.string().optional(),
      batch_size: posInt.default(1),
      batch_size_eval: posInt.default(1),
      read_threads: posInt.max(1024).default(1),
      prefetch_size: posInt.default(2),
      file_shuffle: shuffleMode.default('off'),
      sample_shuffle: shuffleMode.default('off'),
      decode: z.boolean().default(true),
      verify: z.boolean().default(false),
      coalesce_gap_bytes: nonNegInt.default(65536),
      max_request_bytes: z
        .number()
        .int()
        .min(4096)
        .default(16 * 1024 * 1024),
      footer_fetch_bytes: z.number().int().min(8).default(65536),
    })
    .prefault({}),
  train: z
    .strictObject({
      epochs: posInt.default(1),
      computation_time: computationTime.default({ mean: 0, stdev: 0, type: 'constant' }),
      total_training_steps: z.number().int().min(-1).default(-1),
      seed: z.number().int().default(123),
      seed_change_epoch: z.boolean().default(true),
    })
    .prefault({}),
  metric: z
    .strictObject({
      au: z.number().gt(0).max(1).default(0.9),
      exclude_start_steps: nonNegInt.default(1),
      exclude_end_steps: nonNegInt.default(0),
    })
    .prefault({}),
  run: z
    .strictObject({
      accelerators: posInt.max(100_000).default(1),
      workers: z.union([z.literal('auto'), posInt.max(1024)]).default('auto'),
    })
    .prefault({}),
  output: z
    .strictObject({ folder: z.string().min(1).default('results'), requests_csv: z.boolean().default(false) })
    .prefault({}),
});

export type RawWorkload = z.output<typeof workloadSchema>;

/** Cross-field rules zod cannot express per key. Each issue names its path. */
export function crossFieldIssues(w: RawWorkload): { path: string; message: string }[] {
  const issues: { path: string; message: string }[] = [];
  const cols = w.dataset.parquet.columns;
  const seen = new Map<string, number>();
  cols.forEach((c, i) => {
    const p = `dataset.parquet.columns[${i}]`;
    if (seen.has(c.name)) {
      issues.push({
        path: `${p}.name`,
        message: `duplicate column name '${c.name}' (also columns[${seen.get(c.name)}])`,
      });
    }
    seen.set(c.name, i);
    if (c.cardinality !== undefined) {
      const ok = DTYPE_INFO[c.dtype].cardinal && c.size === 1;
      if (!ok) {
        issues.push({
          path: `${p}.cardinality`,
          message: `cardinality applies to scalar ${CARDINAL_DTYPES.join('/')} columns, not ${c.dtype} of size ${c.size}`,
        });
      }
      if (c.dtype === 'int8' && c.cardinality > 128) {
        issues.push({
          path: `${p}.cardinality`,
          message: `${c.cardinality} does not fit int8; allowed: 1..128`,
        });
      }
    }
    if (
      c.dtype === 'string' &&
      c.cardinality !== undefined &&
      String(`v${c.cardinality - 1}`).length > c.size
    ) {
      // Values are "v0".."v{n-1}"; they must fit the declared width.
      issues.push({
        path: `${p}.size`,
        message: `string values v0..v${c.cardinality - 1} need size >= ${String(c.cardinality - 1).length + 1}`,
      });
    }
  });

  const pb = w.dataset.parquet.partition_by;
  if (pb !== null) {
    const col = cols.find((c) => c.name === pb);
    if (!col) {
      issues.push({
        path: 'dataset.parquet.partition_by',
        message: `'${pb}' is not a column; columns: ${cols.map((c) => c.name).join(', ') || '(none)'}`,
      });
    } else if (col.cardinality === undefined) {
      issues.push({
        path: 'dataset.parquet.partition_by',
        message: `column '${pb}' needs a cardinality to be a partition key`,
      });
    } else if (cols.length === 1) {
      issues.push({ path: 'dataset.parquet.partition_by', message: 'cannot partition by the only column' });
    }
  }

  const level = w.dataset.compression_level;
  if (level !== null) {
    const ranges: Partial<Record<string, [number, number]>> = {
      gzip: [0, 9],
      zstd: [-7, 22],
      brotli: [0, 11],
    };
    const r = ranges[w.dataset.compression];
    if (r && (level < r[0] || level > r[1])) {
      issues.push({
        path: 'dataset.compression_level',
        message: `${level} is out of range for ${w.dataset.compression}; allowed: ${r[0]}..${r[1]}`,
      });
    }
  }

  const folder = w.dataset.data_folder;
  if (folder.startsWith('/') || folder.split('/').includes('..') || folder.includes('\0')) {
    issues.push({
      path: 'dataset.data_folder',
      message: `'${folder}' must be a relative path inside storage_root without '..'`,
    });
  }

  if (w.storage.storage_type === 's3') {
    const bucket = w.storage.storage_root.replace(/^s3:\/\//, '').split('/')[0] ?? '';
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      issues.push({
        path: 'storage.storage_root',
        message: `'${w.storage.storage_root}' does not start with a valid S3 bucket name (3-63 chars of a-z, 0-9, '.', '-')`,
      });
    }
  }

  if (cols.length === 0 && w.dataset.record_length_bytes_stdev > w.dataset.record_length_bytes) {
    issues.push({
      path: 'dataset.record_length_bytes_stdev',
      message: `${w.dataset.record_length_bytes_stdev} exceeds record_length_bytes (${w.dataset.record_length_bytes})`,
    });
  }
  if (cols.length > 0 && cols.every((c) => !c.read)) {
    issues.push({
      path: 'dataset.parquet.columns',
      message: 'every column has read: false; at least one must be read',
    });
  }
  return issues;
}

/** Applies defaults that depend on other keys, producing the final `Workload`. */
export function resolveWorkload(w: RawWorkload): Workload {
  const opts = w.storage.storage_options;
  const custom = opts.endpoint_url !== undefined;
  return {
    ...w,
    storage: {
      ...w.storage,
      storage_options: {
        ...opts,
        // S3-compatible stores want path style and no default CRC checksums (see notes).
        s3_force_path_style: opts.s3_force_path_style ?? custom,
        checksums: opts.checksums ?? (custom ? 'when_required' : 'when_supported'),
      },
    },
  };
}
