/**
 * The processes of a multi-host run coordinate through objects and nothing
 * else (SPEC §7, issue 12): no server, no ports between hosts. One session per
 * phase (`generate`, `train`) under `<run-id>/ranks/<phase>/`:
 *
 *   start.json               rank 0's record: `open` (a fresh nonce; rewritten
 *                            as rank 0's heartbeat), then `go` (the common start,
 *                            the run's seed) or `abort` (why, which ranks)
 *   ready/rank-NNNNNN.json   a rank is ready (train) or has generated its share
 *                            (generate), stamped with the nonce it saw
 *   alive/rank-NNNNNN.json   a rank's heartbeat while it works
 *   failed/rank-NNNNNN.json  a rank failed: the others stop at once, naming it
 *   partials/rank-NNNNNN.json  a rank's exactly-mergeable results
 *   complete.json            written last, after the merged results
 *
 * Every object is written with one atomic put. A rank is *missing* when none
 * of its objects changed for `timeoutMs` (changes are seen by the waiting
 * rank's own clock, so skew does not matter). A rerun of a session that never
 * went (`open`/`abort` left behind) starts afresh: rank 0 deletes the old
 * objects and opens with a new nonce; a rank that had answered an old nonce
 * answers again. (So a rank that fails before rank 0 opened is not seen to
 * fail: it is named as missing at the timeout.)
 */
import { randomBytes } from 'node:crypto';
import { StorageError } from '../errors.ts';
import type { ObjectInfo } from '../storage/types.ts';
import {
  listRanks,
  pause,
  RankError,
  RECORD_KEY,
  type Received,
  type RecordKind,
  rankKey,
  type SessionOptions,
  type Stamp,
  type StartRecord,
} from './rank-records.ts';

export {
  listRanks,
  pause,
  RankError,
  type Received,
  type RecordKind,
  rankKey,
  type SessionOptions,
  type SessionTiming,
  type Stamp,
  type StartRecord,
} from './rank-records.ts';

const signature = (e: ObjectInfo) => `${e.size}:${e.lastModified?.getTime() ?? ''}:${e.etag ?? ''}`;

export class RankSession {
  private nonce: string | null = null;
  private beat = 0;
  /** Rank 0 between open and go/abort: its heartbeat is the open record. */
  private isOpen = false;
  /** The start record as this rank first saw it: an abort already there then is an earlier attempt's. */
  private baseline: { seen: boolean; record: StartRecord<unknown> | undefined } = {
    seen: false,
    record: undefined,
  };
  private heartbeat: { timer: NodeJS.Timeout; inFlight: Promise<unknown> | undefined } | undefined;

  constructor(readonly options: SessionOptions) {}

  get rank(): number {
    return this.options.rank;
  }

  get currentNonce(): string | null {
    return this.nonce;
  }

  /** How often a working rank proves it is alive: well inside the timeout. */
  get heartbeatMs(): number {
    return Math.max(this.options.pollMs, Math.min(this.options.timeoutMs / 4, 30_000));
  }

  /** The object as JSON; undefined when absent (or not JSON: every record is written whole, so only a foreign object is). */
  async getJson<T>(key: string): Promise<T | undefined> {
    const text = await this.getText(key);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as T;
    } catch {
      return undefined;
    }
  }

  async putText(key: string, text: string): Promise<void> {
    await this.options.storage.put(`${this.options.prefix}${key}`, new TextEncoder().encode(text));
  }

  putJson(key: string, value: unknown): Promise<void> {
    return this.putText(key, `${JSON.stringify(value, null, 1)}\n`);
  }

  async getText(key: string): Promise<string | undefined> {
    try {
      const { body } = await this.options.storage.get(`${this.options.prefix}${key}`);
      return new TextDecoder().decode(body);
    } catch (e) {
      if (e instanceof StorageError && e.kind === 'not_found') return undefined;
      throw e;
    }
  }

  /** Rank 0's start record; the first read is remembered (see awaitGo). */
  async startRecord<T>(): Promise<StartRecord<T> | undefined> {
    const record = await this.getJson<StartRecord<T>>('start.json');
    if (!this.baseline.seen) this.baseline = { seen: true, record };
    return record;
  }

  /** An abort this rank must obey: its own attempt's, or one written since it started (before it could answer). */
  private isCurrentAbort(start: StartRecord<unknown>, answered: string | null): boolean {
    if (start.status !== 'abort') return false;
    if (start.nonce === answered) return true;
    const old = this.baseline.record;
    return !(old?.status === 'abort' && old.nonce === start.nonce);
  }

  /** Continues a session that already went (a resumed merge). */
  adopt(nonce: string): void {
    this.nonce = nonce;
  }

  /** Rank 0: deletes what an earlier attempt left and opens the session with a fresh nonce; beats until go/abort. */
  async open(): Promise<void> {
    const keys: string[] = [];
    for await (const e of this.options.storage.list(this.options.prefix)) keys.push(e.key);
    await this.options.storage.deleteMany(keys);
    this.nonce = randomBytes(8).toString('hex');
    this.beat = 0;
    await this.writeOpen();
    this.isOpen = true;
    this.startHeartbeat();
  }

  private writeOpen(): Promise<void> {
    const record: StartRecord<never> = {
      status: 'open',
      nonce: this.nonce as string,
      beat: this.beat++,
      at: Date.now(),
    };
    return this.putJson('start.json', record);
  }

  /** Rank 0: the decision every rank waits for. */
  async go<T>(data: T): Promise<void> {
    this.isOpen = false;
    await this.stopHeartbeat();
    const record: StartRecord<T> = { status: 'go', nonce: this.nonce as string, at: Date.now(), data };
    await this.putJson('start.json', record);
  }

  /** Rank 0: tells the waiting ranks to stop (best effort: the caller is already failing). */
  async abort(reason: string, ranks: number[]): Promise<void> {
    this.isOpen = false;
    await this.stopHeartbeat();
    if (this.nonce === null) return;
    const record: StartRecord<never> = { status: 'abort', nonce: this.nonce, at: Date.now(), reason, ranks };
    await this.putJson('start.json', record).catch(() => {});
  }

  /** This rank's record of `kind`, stamped with the nonce it answers. */
  async record(kind: 'ready' | 'partials', body: object): Promise<void> {
    const stamp: Stamp = { rank: this.options.rank, nonce: this.nonce, sent_at: Date.now() };
    await this.putJson(rankKey(kind, this.options.rank), { ...body, ...stamp });
  }

  readRecord<T>(kind: 'ready' | 'partials', rank: number): Promise<(T & Stamp) | undefined> {
    return this.getJson<T & Stamp>(rankKey(kind, rank));
  }

  /** Best effort: the others stop at once instead of waiting for the timeout. */
  async fail(message: string): Promise<void> {
    await this.stopHeartbeat();
    const stamp: Stamp = { rank: this.options.rank, nonce: this.nonce, sent_at: Date.now() };
    await this.putJson(rankKey('failed', this.options.rank), { ...stamp, message }).catch(() => {});
  }

  /** Rank 0 rewrites its open record; the others their alive record. Until stopHeartbeat (or go/abort/fail). */
  startHeartbeat(): void {
    if (this.heartbeat) return;
    const tick = () => {
      const hb = this.heartbeat;
      if (!hb || hb.inFlight) return;
      const write = this.isOpen
        ? this.writeOpen()
        : this.putJson(rankKey('alive', this.options.rank), {
            rank: this.options.rank,
            beat: this.beat++,
            at: Date.now(),
          });
      // A lost heartbeat is not an error; the work's own requests report a dead storage.
      hb.inFlight = write
        .catch(() => {})
        .finally(() => {
          if (this.heartbeat === hb) hb.inFlight = undefined;
        });
    };
    this.heartbeat = { timer: setInterval(tick, this.heartbeatMs), inFlight: undefined };
    this.heartbeat.timer.unref?.();
    if (!this.isOpen) tick();
  }

  async stopHeartbeat(): Promise<void> {
    const hb = this.heartbeat;
    if (!hb) return;
    this.heartbeat = undefined;
    clearInterval(hb.timer);
    await hb.inFlight;
  }

  /**
   * Rank 0: waits until every rank has a `kind` record answering this
   * session's nonce. A failed record, or a rank silent for the timeout, ends
   * the wait with a RankError naming the ranks (and, before `go`, an abort
   * record that stops the waiting ranks).
   */
  async gather<T>(kind: 'ready' | 'partials'): Promise<Received<T>[]> {
    const { world, timeoutMs, pollMs, signal } = this.options;
    const got = new Map<number, Received<T>>();
    const seen = new Map<string, string>();
    const lastSign = new Array<number>(world).fill(Date.now());
    for (;;) {
      signal?.throwIfAborted();
      const now = Date.now();
      for (const [entry, k, rank] of await this.listRecords()) {
        if (seen.get(entry.key) === signature(entry)) continue;
        seen.set(entry.key, signature(entry));
        lastSign[rank] = now;
        if (got.has(rank) || (k !== kind && k !== 'failed')) continue;
        const body = await this.getJson<T & Stamp & { message?: string }>(
          entry.key.slice(this.options.prefix.length),
        );
        if (body === undefined) continue;
        if (k === 'failed')
          await this.failWith(kind, `rank ${rank} failed: ${body.message ?? 'no message'}`, [rank]);
        if (body.nonce === this.nonce) {
          got.set(rank, { rank, body, storedAt: entry.lastModified?.getTime() });
        }
      }
      if (got.size === world) return [...got.values()].sort((a, b) => a.rank - b.rank);
      const missing = lastSign.flatMap((t, r) => (!got.has(r) && now - t > timeoutMs ? [r] : []));
      if (missing.length > 0) {
        const what = kind === 'ready' ? 'no ready record' : 'no partial';
        await this.failWith(
          kind,
          `${listRanks(missing)} of ${world} missing: ${what} and no sign of life for ${(timeoutMs / 1000).toFixed(1)} s at ${this.options.where} (${got.size} of ${world} ranks answered)`,
          missing,
        );
      }
      await pause(pollMs, signal);
    }
  }

  private async failWith(kind: 'ready' | 'partials', reason: string, ranks: number[]): Promise<never> {
    if (kind === 'ready') await this.abort(reason, ranks);
    throw new RankError(reason, ranks);
  }

  /** Every rank's `kind` record answering this session's nonce, as they are now (no waiting). */
  async collect<T>(kind: 'ready' | 'partials'): Promise<Received<T>[]> {
    const out: Received<T>[] = [];
    for (const [entry, k, rank] of await this.listRecords()) {
      if (k !== kind) continue;
      const body = await this.getJson<T & Stamp>(entry.key.slice(this.options.prefix.length));
      if (body !== undefined && body.nonce === this.nonce) {
        out.push({ rank, body, storedAt: entry.lastModified?.getTime() });
      }
    }
    return out.sort((a, b) => a.rank - b.rank);
  }

  /** The session's rank records, parsed: [entry, kind, rank]. */
  private async listRecords(): Promise<[ObjectInfo, RecordKind, number][]> {
    const out: [ObjectInfo, RecordKind, number][] = [];
    for await (const entry of this.options.storage.list(this.options.prefix)) {
      const m = RECORD_KEY.exec(entry.key.slice(this.options.prefix.length));
      const rank = Number(m?.[2]);
      if (m && rank < this.options.world) out.push([entry, m[1] as RecordKind, rank]);
    }
    return out;
  }

  /**
   * Ranks other than 0: answers rank 0's open record with `ready` (again
   * whenever rank 0 reopens with a new nonce) and waits for its decision.
   * Rank 0 silent for the timeout — no start record, or one that stopped
   * changing — is a RankError naming rank 0.
   */
  async awaitGo<T>(readyBody: object): Promise<T> {
    const { timeoutMs, pollMs, signal } = this.options;
    let answered: string | null = null;
    let lastText: string | undefined;
    let lastChange = Date.now();
    for (;;) {
      signal?.throwIfAborted();
      const start = await this.startRecord<T>();
      const now = Date.now();
      const text = start === undefined ? undefined : JSON.stringify(start);
      if (text !== lastText) {
        lastText = text;
        lastChange = now;
      }
      if (start?.status === 'open' && start.nonce !== answered) {
        this.nonce = start.nonce;
        await this.record('ready', readyBody);
        answered = start.nonce;
      } else if (start?.status === 'go' && start.nonce === answered) {
        return start.data;
      } else if (start?.status === 'abort' && this.isCurrentAbort(start, answered)) {
        throw new RankError(`rank 0 stopped the run: ${start.reason}`, start.ranks);
      }
      if (now - lastChange > timeoutMs) throw this.leaderMissing(start);
      await pause(pollMs, signal);
    }
  }

  private leaderMissing(start: StartRecord<unknown> | undefined): RankError {
    const s = (this.options.timeoutMs / 1000).toFixed(1);
    const where = `${this.options.where}/start.json`;
    return new RankError(
      start === undefined
        ? `rank 0 missing: no start record at ${where} after ${s} s`
        : `rank 0 missing: its start record at ${where} (${start.status === 'abort' ? `an earlier attempt stopped: ${start.reason}` : start.status}) has not changed for ${s} s`,
      [0],
    );
  }
}
