/** The compute ledger: a stretched step is repaid by the next ones, never by more than half a step. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ComputeLedger } from '../../src/train/accelerator.ts';

describe('ComputeLedger', () => {
  it('repays an 8 ms preemption over the following 0.375 ms steps, half a step at most, until the totals agree', () => {
    const ledger = new ComputeLedger();
    const target = 0.375;
    let configured = 0;
    let computed = 0;
    const sleeps: number[] = [];
    for (let step = 0; step < 100; step++) {
      const sleep = ledger.sleepFor(target);
      sleeps.push(sleep);
      assert.ok(sleep >= target / 2 && sleep <= target);
      // The sleep ends 2 µs late, and step 10 is descheduled for 8 ms.
      const actual = sleep + 0.002 + (step === 10 ? 8 : 0);
      ledger.settle(target, actual);
      configured += target;
      computed += actual;
    }
    // Each step repays the previous one's 2 µs at once.
    assert.ok(Math.abs((sleeps[10] as number) - (target - 0.002)) < 1e-9);
    assert.equal(sleeps[11], target / 2, 'the step after the preemption is halved');
    assert.ok(Math.abs(computed - configured) < 0.01, `${computed} vs ${configured}`);
  });

  it('changes nothing when every step computes exactly its time', () => {
    const ledger = new ComputeLedger();
    for (const target of [5, 0.4, 350, 0]) {
      assert.equal(ledger.sleepFor(target), target);
      ledger.settle(target, target);
    }
  });
});
