import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addUsage,
  cloudCost,
  costPerTB,
  costSplit,
  DEFAULT_PRICES,
  emptyUsage,
  type PhaseUsage,
  requestCost,
  resolvePrices,
  S3_EXPRESS_ONE_ZONE_PRICES,
  transferCost,
} from '../../src/metrics/cost.ts';

describe('cost', () => {
  it('prices requests with S3 Standard us-east-1 defaults', () => {
    assert.equal(DEFAULT_PRICES.get_per_1k, 0.0004);
    assert.equal(DEFAULT_PRICES.put_per_1k, 0.005);
    assert.equal(DEFAULT_PRICES.list_per_1k, 0.005);
    const usd = requestCost({ GET: 1_000_000, PUT: 2000, LIST: 1000, DELETE: 500 }, DEFAULT_PRICES);
    assert.ok(Math.abs(usd - (0.4 + 0.01 + 0.005)) < 1e-12, String(usd));
  });

  it('reproduces the facts sheet: 1 TiB in 64 KiB ranges ≈ $6.7 of GETs, in 16 MiB ≈ $0.03', () => {
    const tib = 2 ** 40;
    assert.ok(Math.abs(requestCost({ GET: tib / 2 ** 16 }, DEFAULT_PRICES) - 6.71) < 0.01);
    assert.ok(Math.abs(requestCost({ GET: tib / 2 ** 24 }, DEFAULT_PRICES) - 0.026) < 0.001);
  });

  it('accepts overrides and rejects unknown or negative prices', () => {
    const prices = resolvePrices({ get_per_1k: 0.001 });
    assert.equal(prices.get_per_1k, 0.001);
    assert.equal(prices.put_per_1k, DEFAULT_PRICES.put_per_1k);
    assert.equal(requestCost({ GET: 2000 }, prices), 0.002);
    assert.throws(() => resolvePrices({ nope: 1 } as never), /unknown price 'nope'/);
    assert.throws(() => resolvePrices({ get_per_1k: -1 }), /≥ 0/);
  });

  it('prices Lambda GB-seconds, invocations and state transitions', () => {
    const usd = cloudCost(
      { lambdaGbSeconds: 1000, lambdaInvocations: 1e6, stateTransitions: 4000 },
      DEFAULT_PRICES,
    );
    assert.ok(Math.abs(usd - (0.0166667 + 0.2 + 0.1)) < 1e-9);
  });

  it('cost per TB read is null when nothing was read', () => {
    assert.equal(costPerTB(1, 0), null);
    assert.equal(costPerTB(2, 4e12), 0.5);
  });
});

describe('cost split (cloud runs)', () => {
  const usage = (u: Partial<PhaseUsage>): PhaseUsage => ({ ...emptyUsage(), ...u });

  it('prices each part on its own and per TB from training alone', () => {
    const split = costSplit(
      {
        generation: usage({
          requests: { PUT: 2000, HEAD: 1000 },
          lambdaGbSeconds: 3000,
          lambdaInvocations: 10,
          stateTransitions: 11,
        }),
        training: usage({
          requests: { GET: 1_000_000 },
          bytesRetrieved: 2e12,
          lambdaGbSeconds: 6000,
          lambdaInvocations: 100,
          stateTransitions: 301,
        }),
        overhead: usage({ lambdaGbSeconds: 90_000, lambdaInvocations: 3, stateTransitions: 7 }),
      },
      DEFAULT_PRICES,
    );
    const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
    close(split.generation.requests_usd, 0.01 + 0.0004);
    close(split.generation.lambda_usd, 3000 * 0.0000166667 + 10 * 2e-7);
    close(split.training.total_usd, 0.4 + 6000 * 0.0000166667 + 100 * 2e-7 + 301 * 0.000025);
    close(split.overhead.total_usd, 90_000 * 0.0000166667 + 3 * 2e-7 + 7 * 0.000025);
    close(split.total_usd, split.generation.total_usd + split.training.total_usd + split.overhead.total_usd);
    // The start wait (overhead) and the generation never enter the per-TB figure.
    close(split.per_TB_read_usd ?? 0, split.training.total_usd / 2);
    assert.equal(split.training_bytes_read, 2e12);
  });

  it('applies S3 Express One Zone request and data prices', () => {
    const prices = resolvePrices(S3_EXPRESS_ONE_ZONE_PRICES);
    assert.equal(prices.get_per_1k, 0.00003);
    assert.equal(prices.put_per_1k, 0.00113);
    // The AWS FAQ's example: 1,000,000 PUTs and 9,000,000 GETs of 10 KB.
    const kb10 = 10 * 1024;
    const total =
      requestCost({ PUT: 1_000_000, GET: 9_000_000 }, prices) + transferCost(kb10 * 1e6, kb10 * 9e6, prices);
    assert.ok(Math.abs(total - (1.13 + 0.27 + 0.0305 + 0.0515)) < 0.001, String(total));
    assert.equal(
      transferCost(2 ** 30, 2 ** 30, DEFAULT_PRICES),
      0,
      'S3 Standard has no per-GB request charges',
    );
    assert.ok(
      Math.abs(
        cloudCost(
          { lambdaGbSeconds: 0, lambdaInvocations: 0, stateTransitions: 0, bytesRetrieved: 2 ** 30 },
          prices,
        ) - 0.0006,
      ) < 1e-12,
    );
  });

  it('adds usages part by part', () => {
    const a = usage({
      requests: { GET: 1 },
      bytesRetrieved: 5,
      lambdaGbSeconds: 1,
      lambdaInvocations: 1,
      stateTransitions: 2,
    });
    assert.deepEqual(addUsage(a, a), {
      requests: { GET: 2 },
      bytesUploaded: 0,
      bytesRetrieved: 10,
      lambdaGbSeconds: 2,
      lambdaInvocations: 2,
      stateTransitions: 4,
    });
  });
});
