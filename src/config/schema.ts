/**
 * The workload YAML schema (SPEC §1). Every object is strict: an unknown key
 * is an error naming its path. Defaults follow DLIO where DLIO has the key,
 * so an MLPerf Storage file that omits a key behaves as it does under DLIO.
 */
import { z } from 'zod';
import { sleepDistribution, ZERO_SECONDS } from './distribution.ts';
import { endpointShapeProblem } from './endpoint-url.ts';
import { LIMITS } from './limits.ts';
import { CODECS, DEFAULT_CONNECT_TIMEOUT_SECONDS, DTYPES, type Workload } from './types.ts';

/** Counts are bounded (limits.ts): 1e12 is not a count any run could hold. */
const intIn = (min: number, max: number) => z.number().int().min(min).max(max);
const posInt = intIn(1, LIMITS.count);
const nonNegInt = intIn(0, LIMITS.count);
const shuffle = z.enum(['off', 'seed', 'random']);

/** YAML `on`/`off` are parsed as strings here (YAML 1.2), but a bool `false` means off too. */
const shuffleMode = z.preprocess((v) => (v === false ? 'off' : v === true ? 'seed' : v), shuffle);

/** DLIO takes a plain string for `{name: <string>}`; its defaults are name `data`, dtype float32, size 1. */
const column = z.preprocess(
  (v) => (typeof v === 'string' ? { name: v } : v),
  z.strictObject({
    name: z
      .string()
      .min(1)
      .regex(
        /^[A-Za-z_][A-Za-z0-9_-]*$/,
        'column names are letters, digits, _ and -, not starting with a digit',
      )
      .default('data'),
    dtype: z.enum(DTYPES).default('float32'),
    size: posInt.default(1),
    read: z.boolean().default(true),
    cardinality: posInt.optional(),
  }),
);

const storageOptions = z.strictObject({
  endpoint_url: z
    .url({ protocol: /^https?$/ })
    .refine((url) => endpointShapeProblem(url) === undefined, {
      error: (iss) => endpointShapeProblem(String(iss.input)),
    })
    .optional(),
  region: z.string().min(1).default('us-east-1'),
  s3_force_path_style: z.boolean().optional(),
  s3_max_attempts: intIn(1, 20).default(5),
  checksums: z.enum(['when_required', 'when_supported']).optional(),
  max_sockets: intIn(1, 65536).default(256),
  request_timeout_seconds: z.number().gt(0).max(3600).default(60),
  connect_timeout_seconds: z.number().gt(0).max(600).default(DEFAULT_CONNECT_TIMEOUT_SECONDS),
  access_key_id: z.string().min(1).optional(),
  secret_access_key: z.string().min(1).optional(),
  session_token: z.string().min(1).optional(),
});

/** The storage_options keys pqbench reads (the rest of DLIO's pass-through dict: see dlio-storage.ts). */
export const STORAGE_OPTION_KEYS: readonly string[] = Object.keys(storageOptions.shape);

export const workloadSchema = z.strictObject({
  model: z
    .strictObject({
      name: z
        .string()
        .min(1)
        .refine((n) => Buffer.byteLength(n) <= LIMITS.modelNameBytes, {
          error: (iss) =>
            `is ${Buffer.byteLength(String(iss.input))} bytes; allowed: <= ${LIMITS.modelNameBytes} bytes (the name starts the results folder's name)`,
        })
        .default('custom'),
    })
    .prefault({}),
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
      // '' is the storage root itself (mlpstorage passes it with --o-direct).
      data_folder: z.string().default('data/'),
      format: z.literal('parquet').default('parquet'),
      num_files_train: intIn(1, LIMITS.files).default(8),
      num_files_eval: intIn(0, LIMITS.files).default(0),
      num_subfolders_train: nonNegInt.default(0),
      num_subfolders_eval: nonNegInt.default(0),
      file_prefix: z
        .string()
        .min(1)
        .regex(/^[^/\\\0]+$/, 'a file prefix cannot contain / or \\')
        .default('img'),
      num_samples_per_file: posInt.default(1),
      record_length_bytes: z.number().gt(0).max(LIMITS.rowBytes).default(65536),
      record_length_bytes_stdev: z.number().min(0).max(LIMITS.rowBytes).default(0),
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
          use_dictionary: z.boolean().default(false),
          dictionary_pagesize_limit: intIn(1024, 1 << 30).default(1 << 20),
          columns: z.array(column).max(LIMITS.columns).default([]),
        })
        .prefault({}),
    })
    .prefault({}),
  reader: z
    .strictObject({
      data_loader: z.string().optional(),
      batch_size: posInt.default(1),
      batch_size_eval: posInt.default(1),
      read_threads: intIn(0, 1024).default(1),
      gets_per_worker: intIn(1, 1024).default(8),
      prefetch_size: intIn(0, LIMITS.prefetch).default(2),
      preprocess_time: sleepDistribution.default(ZERO_SECONDS),
      file_shuffle: shuffleMode.default('off'),
      sample_shuffle: shuffleMode.default('off'),
      sharding: z.enum(['samples', 'files']).default('samples'),
      row_group_window: intIn(1, 4096).default(64),
      decode: z.boolean().default(true),
      verify: z.boolean().default(false),
      coalesce_gap_bytes: intIn(0, LIMITS.requestBytes).default(65536),
      max_request_bytes: z
        .number()
        .int()
        .min(4096)
        .max(LIMITS.requestBytes)
        .default(16 * 1024 * 1024),
      footer_fetch_bytes: z.number().int().min(8).max(LIMITS.footerFetchBytes).default(65536),
    })
    .prefault({}),
  train: z
    .strictObject({
      epochs: posInt.default(1),
      computation_time: sleepDistribution.default(ZERO_SECONDS),
      total_training_steps: z.number().int().min(-1).max(LIMITS.samples).default(-1),
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
      accelerators: intIn(1, 100_000).default(1),
      workers: z.union([z.literal('auto'), intIn(1, 1024)]).default('auto'),
    })
    .prefault({}),
  output: z
    .strictObject({ folder: z.string().min(1).default('results'), requests_csv: z.boolean().default(false) })
    .prefault({}),
});

export type RawWorkload = z.output<typeof workloadSchema>;

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
