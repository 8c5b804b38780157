/**
 * The storage-only rendezvous of a multi-host run (exec/rendezvous.ts), with
 * its ranks as sessions of one process over a real local_fs directory: rank 0
 * opens, every rank writes ready, rank 0 goes; a missing or failed rank ends
 * the wait naming it within the timeout; heartbeats keep a slow rank in; what
 * an earlier attempt left does not confuse a new one. And hosts.json's clock
 * and straggler figures from known timestamps.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hostsReport } from '../../src/exec/hosts-report.ts';
import { pause, RankError, RankSession, rankKey } from '../../src/exec/rendezvous.ts';
import type { AcceleratorPartial } from '../../src/metrics/partial.ts';
import { LocalStorage } from '../../src/storage/local.ts';
import type { Storage } from '../../src/storage/types.ts';

const TIMEOUT_MS = 1000;
const POLL_MS = 20;

describe('rendezvous through local_fs objects', () => {
  let dir: string;
  let storage: Storage;
  let n = 0;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'pqbench-rendezvous-'));
    storage = new LocalStorage(dir);
  });
  after(async () => {
    await storage.close();
    await rm(dir, { recursive: true, force: true });
  });

  function sessions(world: number, prefix = `run-${++n}/ranks/train/`): RankSession[] {
    return Array.from(
      { length: world },
      (_, rank) =>
        new RankSession({
          storage,
          prefix,
          rank,
          world,
          where: prefix,
          timeoutMs: TIMEOUT_MS,
          pollMs: POLL_MS,
        }),
    );
  }

  async function lead(s: RankSession, data: unknown): Promise<number[]> {
    await s.open();
    await s.record('ready', { who: s.rank });
    const readies = await s.gather<{ who: number }>('ready');
    await s.go(data);
    return readies.map((r) => r.body.who);
  }

  it('every rank gets rank 0’s go once all are ready, whoever starts first', async () => {
    const [zero, one, two] = sessions(3);
    const early = one?.awaitGo<{ startAt: number }>({ who: 1 });
    await pause(60);
    const leading = lead(zero as RankSession, { startAt: 42 });
    await pause(60);
    const late = two?.awaitGo<{ startAt: number }>({ who: 2 });
    assert.deepEqual(await leading, [0, 1, 2]);
    assert.deepEqual(await early, { startAt: 42 });
    assert.deepEqual(await late, { startAt: 42 });
    const start = await zero?.startRecord();
    assert.equal(start?.status, 'go');
  });

  it('a missing rank ends the wait within the timeout, named by rank 0 and by the waiting ranks', async () => {
    const [zero, one] = sessions(3);
    const t0 = Date.now();
    const waiting = one?.awaitGo({ who: 1 }).then(
      () => assert.fail('no go without rank 2'),
      (e: unknown) => e,
    );
    await assert.rejects(lead(zero as RankSession, {}), (e: unknown) => {
      assert.ok(e instanceof RankError);
      assert.deepEqual(e.ranks, [2]);
      assert.match(e.message, /rank 2 of 3 missing: no ready record and no sign of life for 1\.0 s/);
      return true;
    });
    const follower = (await waiting) as RankError;
    assert.ok(follower instanceof RankError);
    assert.deepEqual(follower.ranks, [2]);
    assert.match(follower.message, /rank 0 stopped the run: rank 2 of 3 missing/);
    const elapsed = Date.now() - t0;
    assert.ok(elapsed < TIMEOUT_MS + 1000, `${elapsed} ms`);
  });

  it('a failed rank stops rank 0 at once, with its message', async () => {
    const [zero, one, two] = sessions(3);
    const t0 = Date.now();
    const waiting = one?.awaitGo({ who: 1 }).catch((e: unknown) => e);
    const leading = lead(zero as RankSession, {});
    await pause(50);
    await two?.fail('interrupted by SIGTERM');
    await assert.rejects(leading, /rank 2 failed: interrupted by SIGTERM/);
    assert.ok(Date.now() - t0 < TIMEOUT_MS, 'before the timeout');
    assert.match(String(await waiting), /rank 0 stopped the run: rank 2 failed/);
  });

  it('a rank still working when rank 0 stopped the run stops too when it comes to answer', async () => {
    const [zero, one, two] = sessions(3);
    await one?.startRecord(); // rank 1 starts its work (e.g. generating its share): nothing there yet
    const leading = lead(zero as RankSession, {});
    await pause(50);
    await two?.fail('interrupted by SIGTERM');
    await assert.rejects(leading, /rank 2 failed/);
    const t0 = Date.now();
    await assert.rejects(
      one?.awaitGo({ who: 1 }) as Promise<unknown>,
      /rank 0 stopped the run: rank 2 failed/,
    );
    assert.ok(Date.now() - t0 < TIMEOUT_MS, 'at once, not at the timeout');
  });

  it('rank 0 missing is named by the waiting ranks', async () => {
    const [, one] = sessions(2);
    await assert.rejects(one?.awaitGo({ who: 1 }) as Promise<unknown>, (e: unknown) => {
      assert.ok(e instanceof RankError);
      assert.deepEqual(e.ranks, [0]);
      assert.match(e.message, /rank 0 missing: no start record at .* after 1\.0 s/);
      return true;
    });
  });

  it('a heartbeat keeps a rank that works longer than the timeout in the run', async () => {
    const [zero, one] = sessions(2);
    one?.startHeartbeat();
    const slow = (async () => {
      await pause(TIMEOUT_MS * 2.5);
      await one?.stopHeartbeat();
      return one?.awaitGo({ who: 1 });
    })();
    assert.deepEqual(await lead(zero as RankSession, 'go'), [0, 1]);
    assert.equal(await slow, 'go');
  });

  it('a new attempt ignores what an aborted one left (old start record, ready and failed records)', async () => {
    const prefix = `run-${++n}/ranks/train/`;
    const [old0, old1] = sessions(2, prefix);
    await old0?.open();
    await old1?.fail('killed');
    await old0?.abort('rank 1 failed: killed', [1]);
    await storage.put(
      `${prefix}${rankKey('ready', 1)}`,
      new TextEncoder().encode('{"rank":1,"nonce":"stale"}'),
    );
    const [zero, one] = sessions(2, prefix);
    // Rank 1 starts first and sees the old abort: it is not its attempt, so it waits.
    const waiting = one?.awaitGo({ who: 1 });
    await pause(100);
    assert.deepEqual(await lead(zero as RankSession, 'again'), [0, 1]);
    assert.equal(await waiting, 'again');
  });

  it('partials: rank 0 waits for every rank’s, a failure after the start is named', async () => {
    const [zero, one, two] = sessions(3);
    const go = Promise.all([one?.awaitGo({}), two?.awaitGo({})]);
    await lead(zero as RankSession, 'go');
    await go;
    await zero?.record('partials', { part: 0 });
    await one?.record('partials', { part: 1 });
    const later = pause(100).then(() => two?.record('partials', { part: 2 }));
    const parts = await zero?.gather<{ part: number }>('partials');
    await later;
    assert.deepEqual(
      parts?.map((p) => p.body.part),
      [0, 1, 2],
    );
    assert.equal((await zero?.startRecord())?.status, 'go', 'the start record stays');
    const [z2, o2, t2] = sessions(3);
    const go2 = Promise.all([o2?.awaitGo({}), t2?.awaitGo({})]);
    await lead(z2 as RankSession, 'go');
    await go2;
    await z2?.record('partials', {});
    await t2?.fail('worker thread died');
    await assert.rejects(z2?.gather('partials') as Promise<unknown>, /rank 2 failed: worker thread died/);
    assert.equal((await z2?.startRecord())?.status, 'go', 'a failure after the start does not rewrite it');
  });
});

describe('hosts.json figures', () => {
  const partial = (accelerator: number, start: number, end: number): AcceleratorPartial =>
    ({ accelerator, host: 'h', start, end, epochs: [], randomSeed: null }) as unknown as AcceleratorPartial;

  it('clock offsets against rank 0 from storage timestamps, stragglers by finish time', () => {
    const report = hostsReport({
      runId: 'r',
      launcher: 'openmpi',
      world: 3,
      startAt: 10_000,
      marginMs: 2000,
      // Rank 1's clock is 250 ms ahead of rank 0's, rank 2's 40 ms behind; the storage stored each 5 ms after sending.
      readies: [
        { rank: 0, host: 'a', pid: 1, sentAt: 1000, storedAt: 1005 },
        { rank: 1, host: 'b', pid: 2, sentAt: 1250, storedAt: 1005 },
        { rank: 2, host: 'c', pid: 3, sentAt: 960, storedAt: 1005 },
      ],
      partials: [],
      plan: undefined as never,
      configHash: 'x',
    });
    assert.equal(report.clock.resolution_ms, 1);
    assert.equal(report.clock.skew_ms, 290);
    assert.deepEqual([report.clock.offset_vs_rank0_ms.min, report.clock.offset_vs_rank0_ms.max], [-40, 250]);
    assert.deepEqual(report.missing_ranks, [0, 1, 2]);
    assert.equal(partial(0, 1, 2).accelerator, 0);
  });
});
