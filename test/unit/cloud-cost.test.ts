/**
 * The cost split of a known cloud run, pinned (issue 13): two generators,
 * one reader Lambda of two accelerators continued over three invocations
 * after a 30 s wait for the common start, a warm-up pass, and the three
 * control steps — each dollar in its part, cost per TB from training alone.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { GeneratePartialFile, ReaderPartialFile, WarmupRecord } from '../../src/cloud/records.ts';
import { runCost } from '../../src/cloud/usage.ts';
import { resolvePrices } from '../../src/metrics/cost.ts';

const invocation = (
  initMs: number,
  durationMs: number,
  memoryMb: number,
  requests: Record<string, number>,
) => ({
  coldStart: initMs > 0,
  initMs,
  moduleLoadToHandlerMs: null,
  handlerStartAt: 0,
  memoryMb,
  host: 'h',
  durationMs,
  requests,
});

const generator = (): GeneratePartialFile => ({
  result: {} as GeneratePartialFile['result'],
  data: { requests: { PUT: 10, HEAD: 10 }, bytesUploaded: 1e9, bytesRetrieved: 0 },
  lambda: invocation(1000, 9000, 1024, { PUT: 1 }),
});

const accelerator = (k: number, lead: boolean): ReaderPartialFile => ({
  partial: {
    accelerator: k,
    epochs: [{ epoch: 0, requests: { GET: { count: 1000, bytes: 5e9, errors: 0, retries: 0 } } }],
  } as unknown as ReaderPartialFile['partial'],
  reader: lead
    ? {
        accelerators: [0, 1],
        first: {
          ...invocation(500, 60_500, 2048, { PUT: 2 }),
          startAt: 30_000,
          handlerToStartMs: 30_000,
          lateMs: 0,
        },
        invocations: [
          invocation(500, 60_500, 2048, { PUT: 2 }),
          invocation(0, 60_000, 2048, { PUT: 2 }),
          invocation(0, 60_000, 2048, { PUT: 2, GET: 4 }),
        ],
        progress: {
          accelerators: [0, 1],
          start: 30_000,
          end: 210_000,
          series: { t: [], samples: [], bytes: [] },
        },
      }
    : null,
});

const warmup: WarmupRecord = {
  accelerators: [0, 1],
  lambda: invocation(0, 20_000, 2048, { PUT: 1 }),
  data: { requests: { GET: 2000 }, bytesUploaded: 0, bytesRetrieved: 1e10 },
};

describe('cost split of a known cloud run', () => {
  const { usage, cost } = runCost({
    generators: [generator(), generator()],
    readers: [accelerator(0, true), accelerator(1, false)],
    warmups: [warmup],
    control: [
      { durationMs: 2000, memoryMb: 1024, initMs: 500, requests: { PUT: 2, GET: 1 } },
      { durationMs: 1000, memoryMb: 1024, initMs: 0, requests: {} },
      { durationMs: 4000, memoryMb: 1024, initMs: 0, requests: { GET: 4, PUT: 6 } },
    ],
    prices: resolvePrices({}),
  });
  const close = (actual: number, expected: number, what: string) =>
    assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} vs ${expected}`);

  it('generation: its Lambdas (init included), PUTs and HEADs, the generate map', () => {
    assert.equal(cost.generation.lambdaGbSeconds, 20); // 2 × (1 s init + 9 s) × 1 GB
    assert.deepEqual(cost.generation.requests, { PUT: 22, HEAD: 20 });
    assert.equal(cost.generation.bytesUploaded, 2e9);
    assert.equal(cost.generation.stateTransitions, 3);
    close(cost.generation.total_usd, 0.000526734, 'generation');
  });

  it('training: reader time from the common start (init included), its GETs and its loop’s transitions', () => {
    // (0.5 + 60.5 − 30 waiting) × 2 GB + 2 × 60 s × 2 GB.
    assert.equal(cost.training.lambdaGbSeconds, 302);
    assert.deepEqual(cost.training.requests, { GET: 2000 });
    assert.equal(cost.training.bytesRetrieved, 1e10);
    assert.equal(cost.training.stateTransitions, 1 + 3 * 3);
    close(cost.training.total_usd, 0.0060839434, 'training');
    close(cost.per_TB_read_usd ?? 0, 0.60839434, 'per TB read');
    assert.deepEqual(usage, {
      lambdaGbSeconds: 302,
      lambdaInvocations: 3,
      stateTransitions: 10,
      bytesRetrieved: 1e10,
    });
  });

  it('overhead: the wait for the common start, the warm-up, the control steps and stack-bucket requests', () => {
    assert.equal(cost.overhead.lambdaGbSeconds, 60 + 40 + 7.5);
    assert.deepEqual(cost.overhead.requests, { PUT: 15, GET: 2009 });
    assert.equal(cost.overhead.lambdaInvocations, 4);
    assert.equal(cost.overhead.stateTransitions, 4 + 3 + 2);
    close(cost.overhead.total_usd, 0.00289607025, 'overhead');
    close(cost.total_usd, 0.000526734 + 0.0060839434 + 0.00289607025, 'total');
  });
});
