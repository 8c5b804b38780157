import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cloudCost, costPerTB, DEFAULT_PRICES, requestCost, resolvePrices } from '../../src/metrics/cost.ts';

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
