/**
 * Environment variables the stack sets on the functions. Kept free of
 * dependencies: the CDK app imports these names, and the handler bundles must
 * not pull in aws-cdk-lib.
 */
export const ENV = {
  /** The stack bucket: run configs, work lists, partials, results (and the dataset). */
  bucket: 'PQBENCH_BUCKET',
  /** S3-compatible endpoint for the control objects; unset on AWS, set by the offline tests. */
  s3Endpoint: 'PQBENCH_S3_ENDPOINT_URL',
  generateMaxConcurrency: 'PQBENCH_GENERATE_MAX_CONCURRENCY',
  readMaxConcurrency: 'PQBENCH_READ_MAX_CONCURRENCY',
  generateBytesPerShard: 'PQBENCH_GENERATE_BYTES_PER_SHARD',
  /** The base start margin; the plan adds Lambda's scaling time for the run's reader count. */
  startMarginMs: 'PQBENCH_START_MARGIN_MS',
  /** The read function's timeout: the plan refuses an epoch that cannot fit in one invocation. */
  readTimeoutMs: 'PQBENCH_READ_TIMEOUT_MS',
  /** The read function's name, for its reserved concurrency (GetFunctionConcurrency). */
  readFunctionName: 'PQBENCH_READ_FUNCTION_NAME',
  /**
   * A fixed account concurrency instead of asking Lambda (GetAccountSettings): for the
   * offline tests, and for accounts that must not grant the plan function that call.
   */
  accountConcurrency: 'PQBENCH_ACCOUNT_CONCURRENCY',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** A required variable; its absence is a deployment bug, so the message names it. */
export function requireEnv(name: EnvName, env: NodeJS.ProcessEnv = process.env): string {
  const value = env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
  return value;
}

export function numberEnv(name: EnvName, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`environment variable ${name}=${value} is not a number >= 0`);
  return n;
}
