/**
 * Dollar cost from request counts (and, for cloud runs, Lambda and Step
 * Functions usage). Defaults are S3 Standard / Lambda / Step Functions list
 * prices in us-east-1; any entry can be overridden.
 */
import type { OperationType } from '../storage/operations.ts';

export interface PriceTable {
  /** USD per 1,000 requests. */
  get_per_1k: number;
  head_per_1k: number;
  put_per_1k: number;
  list_per_1k: number;
  /** DELETE is free on S3. */
  delete_per_1k: number;
  /** USD per GB-second of Lambda compute (x86). */
  lambda_gb_second: number;
  /** USD per 1M Lambda invocations. */
  lambda_per_1m_invocations: number;
  /** USD per 1,000 Step Functions standard state transitions. */
  state_transition_per_1k: number;
}

export const DEFAULT_PRICES: PriceTable = {
  get_per_1k: 0.0004,
  head_per_1k: 0.0004,
  put_per_1k: 0.005,
  list_per_1k: 0.005,
  delete_per_1k: 0,
  lambda_gb_second: 0.0000166667,
  lambda_per_1m_invocations: 0.2,
  state_transition_per_1k: 0.025,
};

export function resolvePrices(overrides?: Partial<PriceTable>): PriceTable {
  const prices = { ...DEFAULT_PRICES };
  for (const [name, value] of Object.entries(overrides ?? {})) {
    if (!(name in DEFAULT_PRICES)) {
      throw new RangeError(`unknown price '${name}' (known: ${Object.keys(DEFAULT_PRICES).join(', ')})`);
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
      throw new RangeError(`price '${name}' must be a number ≥ 0, got ${String(value)}`);
    }
    prices[name as keyof PriceTable] = value;
  }
  return prices;
}

/** Requests per operation type. */
export type RequestCounts = Partial<Record<OperationType, number>>;

/** Serverless usage of a cloud run. */
export interface CloudUsage {
  lambdaGbSeconds: number;
  lambdaInvocations: number;
  stateTransitions: number;
}

export function requestCost(counts: RequestCounts, prices: PriceTable): number {
  const per1k: Record<OperationType, number> = {
    GET: prices.get_per_1k,
    HEAD: prices.head_per_1k,
    PUT: prices.put_per_1k,
    // A multipart upload bills its initiate, each part and the complete as PUT-class requests;
    // the count recorded for MULTIPART is the number of those requests.
    MULTIPART: prices.put_per_1k,
    LIST: prices.list_per_1k,
    DELETE: prices.delete_per_1k,
  };
  let total = 0;
  for (const [op, count] of Object.entries(counts) as [OperationType, number][])
    total += (count / 1000) * per1k[op];
  return total;
}

export function cloudCost(usage: CloudUsage, prices: PriceTable): number {
  return (
    usage.lambdaGbSeconds * prices.lambda_gb_second +
    (usage.lambdaInvocations / 1e6) * prices.lambda_per_1m_invocations +
    (usage.stateTransitions / 1000) * prices.state_transition_per_1k
  );
}

/** Cost per TB (10^12 bytes) read, or null when nothing was read. */
export function costPerTB(totalUsd: number, bytesRead: number): number | null {
  return bytesRead > 0 ? totalUsd / (bytesRead / 1e12) : null;
}
