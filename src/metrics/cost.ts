/**
 * Dollar cost from request counts (and, for cloud runs, Lambda and Step
 * Functions usage). Defaults are S3 Standard / Lambda / Step Functions list
 * prices in us-east-1; any entry can be overridden. A cloud run's cost is
 * split into generation, training and run overhead (`costSplit`): cost per
 * TB read counts training only.
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
  /** USD per GB (2^30 bytes) uploaded: S3 Express One Zone's data upload charge; 0 on S3 Standard. */
  upload_per_gb: number;
  /** USD per GB (2^30 bytes) retrieved: S3 Express One Zone's data retrieval charge; 0 on S3 Standard. */
  retrieval_per_gb: number;
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
  upload_per_gb: 0,
  retrieval_per_gb: 0,
};

/**
 * S3 Express One Zone request and data prices, us-east-1 (AWS S3 FAQ worked
 * examples: PUT $0.00113 and GET $0.00003 per 1,000, data upload $0.0032 and
 * retrieval $0.0006 per GB; LIST is billed like PUT, HEAD like GET).
 */
export const S3_EXPRESS_ONE_ZONE_PRICES: Partial<PriceTable> = {
  get_per_1k: 0.00003,
  head_per_1k: 0.00003,
  put_per_1k: 0.00113,
  list_per_1k: 0.00113,
  delete_per_1k: 0,
  upload_per_gb: 0.0032,
  retrieval_per_gb: 0.0006,
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

/** Serverless usage of a cloud run (summary.json: the training part). */
export interface CloudUsage {
  lambdaGbSeconds: number;
  lambdaInvocations: number;
  stateTransitions: number;
  /** Bytes whose transfer the store bills per GB (S3 Express One Zone); absent = none. */
  bytesUploaded?: number;
  bytesRetrieved?: number;
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

const GB = 2 ** 30;

/** Per-GB data charges (S3 Express One Zone); 0 with S3 Standard prices. */
export function transferCost(bytesUploaded: number, bytesRetrieved: number, prices: PriceTable): number {
  return (bytesUploaded / GB) * prices.upload_per_gb + (bytesRetrieved / GB) * prices.retrieval_per_gb;
}

export function cloudCost(usage: CloudUsage, prices: PriceTable): number {
  return (
    usage.lambdaGbSeconds * prices.lambda_gb_second +
    (usage.lambdaInvocations / 1e6) * prices.lambda_per_1m_invocations +
    (usage.stateTransitions / 1000) * prices.state_transition_per_1k +
    transferCost(usage.bytesUploaded ?? 0, usage.bytesRetrieved ?? 0, prices)
  );
}

/** What one part of a cloud run used. */
export interface PhaseUsage {
  /** Requests to storage by operation (MULTIPART counts its create + parts + complete requests). */
  requests: RequestCounts;
  bytesUploaded: number;
  bytesRetrieved: number;
  /** Billed Lambda compute: (init on cold starts + handler duration) × memory. */
  lambdaGbSeconds: number;
  lambdaInvocations: number;
  stateTransitions: number;
}

export interface PhaseCost extends PhaseUsage {
  requests_usd: number;
  transfer_usd: number;
  lambda_usd: number;
  state_transitions_usd: number;
  total_usd: number;
}

/** cloud.json `cost`: a cloud run's dollars by part; per TB read from training alone. */
export interface CostSplit {
  currency: 'USD';
  /** Writing the dataset: generator Lambdas, their PUTs (and HEADs of existing objects), their transitions. */
  generation: PhaseCost;
  /** The measured reads: reader Lambdas from the common start (init included), their GETs, their transitions. */
  training: PhaseCost;
  /** The rest: plan/schedule/aggregate, readers waiting for the common start, the warm-up pass, results. */
  overhead: PhaseCost;
  total_usd: number;
  /** Bytes the training reads transferred. */
  training_bytes_read: number;
  /** training.total_usd ÷ TB (10^12 bytes) read; null when nothing was read. */
  per_TB_read_usd: number | null;
}

export function phaseCost(u: PhaseUsage, prices: PriceTable): PhaseCost {
  const requests_usd = requestCost(u.requests, prices);
  const transfer_usd = transferCost(u.bytesUploaded, u.bytesRetrieved, prices);
  const lambda_usd =
    u.lambdaGbSeconds * prices.lambda_gb_second +
    (u.lambdaInvocations / 1e6) * prices.lambda_per_1m_invocations;
  const state_transitions_usd = (u.stateTransitions / 1000) * prices.state_transition_per_1k;
  return {
    ...u,
    requests_usd,
    transfer_usd,
    lambda_usd,
    state_transitions_usd,
    total_usd: requests_usd + transfer_usd + lambda_usd + state_transitions_usd,
  };
}

export function costSplit(
  parts: { generation: PhaseUsage; training: PhaseUsage; overhead: PhaseUsage },
  prices: PriceTable,
): CostSplit {
  const generation = phaseCost(parts.generation, prices);
  const training = phaseCost(parts.training, prices);
  const overhead = phaseCost(parts.overhead, prices);
  const read = parts.training.bytesRetrieved;
  return {
    currency: 'USD',
    generation,
    training,
    overhead,
    total_usd: generation.total_usd + training.total_usd + overhead.total_usd,
    training_bytes_read: read,
    per_TB_read_usd: costPerTB(training.total_usd, read),
  };
}

/** A phase with nothing in it. */
export function emptyUsage(): PhaseUsage {
  return {
    requests: {},
    bytesUploaded: 0,
    bytesRetrieved: 0,
    lambdaGbSeconds: 0,
    lambdaInvocations: 0,
    stateTransitions: 0,
  };
}

/** Adds `b` into `a`. */
export function addUsage(a: PhaseUsage, b: PhaseUsage): PhaseUsage {
  const requests: RequestCounts = { ...a.requests };
  for (const [op, n] of Object.entries(b.requests) as [OperationType, number][])
    requests[op] = (requests[op] ?? 0) + n;
  return {
    requests,
    bytesUploaded: a.bytesUploaded + b.bytesUploaded,
    bytesRetrieved: a.bytesRetrieved + b.bytesRetrieved,
    lambdaGbSeconds: a.lambdaGbSeconds + b.lambdaGbSeconds,
    lambdaInvocations: a.lambdaInvocations + b.lambdaInvocations,
    stateTransitions: a.stateTransitions + b.stateTransitions,
  };
}

/** Cost per TB (10^12 bytes) read, or null when nothing was read. */
export function costPerTB(totalUsd: number, bytesRead: number): number | null {
  return bytesRead > 0 ? totalUsd / (bytesRead / 1e12) : null;
}
