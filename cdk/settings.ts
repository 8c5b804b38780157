/**
 * Stack settings from CDK context (`cdk.json` or `-c pqbench:key=value`).
 * `-c` values arrive as strings, so every number and boolean is coerced here
 * and checked once; the stack never reads context itself.
 */

export interface FunctionSettings {
  memoryMb: number;
  timeoutSeconds: number;
}

export interface StackSettings {
  /** Days before objects under datasets/ expire; 0 = never. */
  datasetExpirationDays: number;
  /** Days before objects under results/ expire; 0 = never. */
  resultsExpirationDays: number;
  /** Days before run scratch (configs, work lists, partials, map results) under runs/ expires; 0 = never. */
  runsExpirationDays: number;
  /** Empty the bucket on `cdk destroy` (adds a custom-resource Lambda). */
  autoDeleteObjects: boolean;
  plan: FunctionSettings;
  generate: FunctionSettings;
  read: FunctionSettings;
  aggregate: FunctionSettings;
  /** Concurrent generator children of the Distributed Map. */
  generateMaxConcurrency: number;
  /** Concurrent reader children; a run needs accelerators <= this so every reader runs at the common start. */
  readMaxConcurrency: number;
  /** Distributed Map ToleratedFailurePercentage for both maps. */
  toleratedFailurePercentage: number;
  /** The common read start time is chosen this far in the future, to absorb cold starts and child launch ramp. */
  startMarginSeconds: number;
  /** Target uncompressed bytes one generator invocation writes (bounds it well inside Lambda's 15 minutes). */
  generateBytesPerShard: number;
  /**
   * Buckets the user owns that runs may keep datasets in (`pqbench cloud run --bucket`):
   * general purpose buckets or S3 Express One Zone directory buckets (`name--zone-id--x-s3`).
   */
  dataBuckets: string[];
  /** Concurrency reserved for the read function (0 = none: readers share the account's unreserved pool). */
  readReservedConcurrency: number;
}

export const DEFAULT_SETTINGS: StackSettings = {
  datasetExpirationDays: 7,
  resultsExpirationDays: 90,
  runsExpirationDays: 30,
  autoDeleteObjects: false,
  plan: { memoryMb: 1024, timeoutSeconds: 60 },
  generate: { memoryMb: 1769, timeoutSeconds: 900 },
  read: { memoryMb: 1769, timeoutSeconds: 900 },
  aggregate: { memoryMb: 1769, timeoutSeconds: 300 },
  generateMaxConcurrency: 1000,
  readMaxConcurrency: 1000,
  toleratedFailurePercentage: 0,
  startMarginSeconds: 30,
  generateBytesPerShard: 2 * 1024 ** 3,
  dataBuckets: [],
  readReservedConcurrency: 0,
};

/** General purpose (3-63 of a-z 0-9 . -) or directory bucket names. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function bucketsAt(get: ContextLookup, key: string): string[] {
  const raw = get(`pqbench:${key}`);
  if (raw === undefined || raw === null || raw === '') return [];
  const list = Array.isArray(raw) ? raw : String(raw).split(',');
  const names = list.map((b) => String(b).trim()).filter((b) => b !== '');
  const bad = names.filter((b) => !BUCKET_NAME.test(b));
  if (bad.length > 0) {
    throw new SettingsError(
      `context pqbench:${key}: ${bad.map((b) => JSON.stringify(b)).join(', ')} not a bucket name`,
    );
  }
  return [...new Set(names)];
}

type ContextLookup = (key: string) => unknown;

export class SettingsError extends Error {
  override name = 'SettingsError';
}

function numberAt(get: ContextLookup, key: string, fallback: number, min: number, max: number): number {
  const raw = get(`pqbench:${key}`);
  if (raw === undefined || raw === null || raw === '') return fallback;
  const n = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new SettingsError(
      `context pqbench:${key}: ${JSON.stringify(raw)} is not a number in ${min}..${max}`,
    );
  }
  return n;
}

function booleanAt(get: ContextLookup, key: string, fallback: boolean): boolean {
  const raw = get(`pqbench:${key}`);
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new SettingsError(`context pqbench:${key}: ${JSON.stringify(raw)} is not true or false`);
}

function functionAt(get: ContextLookup, name: string, fallback: FunctionSettings): FunctionSettings {
  return {
    memoryMb: numberAt(get, `${name}MemoryMb`, fallback.memoryMb, 128, 10240),
    timeoutSeconds: numberAt(get, `${name}TimeoutSeconds`, fallback.timeoutSeconds, 1, 900),
  };
}

export function settingsFromContext(get: ContextLookup): StackSettings {
  const d = DEFAULT_SETTINGS;
  return {
    datasetExpirationDays: numberAt(get, 'datasetExpirationDays', d.datasetExpirationDays, 0, 36500),
    resultsExpirationDays: numberAt(get, 'resultsExpirationDays', d.resultsExpirationDays, 0, 36500),
    runsExpirationDays: numberAt(get, 'runsExpirationDays', d.runsExpirationDays, 0, 36500),
    autoDeleteObjects: booleanAt(get, 'autoDeleteObjects', d.autoDeleteObjects),
    plan: functionAt(get, 'plan', d.plan),
    generate: functionAt(get, 'generate', d.generate),
    read: functionAt(get, 'read', d.read),
    aggregate: functionAt(get, 'aggregate', d.aggregate),
    generateMaxConcurrency: numberAt(get, 'generateMaxConcurrency', d.generateMaxConcurrency, 1, 10000),
    readMaxConcurrency: numberAt(get, 'readMaxConcurrency', d.readMaxConcurrency, 1, 10000),
    toleratedFailurePercentage: numberAt(
      get,
      'toleratedFailurePercentage',
      d.toleratedFailurePercentage,
      0,
      100,
    ),
    startMarginSeconds: numberAt(get, 'startMarginSeconds', d.startMarginSeconds, 0, 600),
    generateBytesPerShard: numberAt(get, 'generateBytesPerShard', d.generateBytesPerShard, 1, 2 ** 50),
    dataBuckets: bucketsAt(get, 'dataBuckets'),
    readReservedConcurrency: numberAt(get, 'readReservedConcurrency', d.readReservedConcurrency, 0, 100_000),
  };
}
