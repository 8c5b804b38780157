/**
 * The records of a multi-host run's rendezvous (rendezvous.ts): their shapes,
 * their keys under `<run-id>/ranks/<phase>/`, the error that names ranks, and
 * the pause between two looks at the storage.
 */
import { ExitCode, PqbenchError } from '../errors.ts';
import type { Storage } from '../storage/types.ts';

/** A multi-host run cannot go on: ranks missing or failed. `ranks` names them. */
export class RankError extends PqbenchError {
  readonly exitCode = ExitCode.ranks;
  constructor(
    message: string,
    readonly ranks: number[],
  ) {
    super(message);
  }
}

export interface SessionTiming {
  /** A rank none of whose objects changed for this long is missing. */
  timeoutMs: number;
  /** How often a waiting rank looks at the storage. */
  pollMs: number;
}

export interface SessionOptions extends SessionTiming {
  /** The results storage (see results-location.ts). */
  storage: Storage;
  /** `<run-id>/ranks/<phase>/` */
  prefix: string;
  rank: number;
  world: number;
  /** The session's place as a user would type it, for messages. */
  where: string;
  signal?: AbortSignal;
}

export type StartRecord<T> =
  | { status: 'open'; nonce: string; beat: number; at: number }
  | { status: 'go'; nonce: string; at: number; data: T }
  | { status: 'abort'; nonce: string; at: number; reason: string; ranks: number[] };

/** What every rank record carries besides its body. */
export interface Stamp {
  rank: number;
  /** The `open` nonce the rank answered (null: it never saw one). */
  nonce: string | null;
  /** The rank's clock (ms since the epoch) just before the put. */
  sent_at: number;
}

export interface Received<T> {
  rank: number;
  body: T & Stamp;
  /** When the storage stored it, by the storage's clock (ms), when the listing tells. */
  storedAt: number | undefined;
}

export type RecordKind = 'ready' | 'alive' | 'failed' | 'partials';
export const RECORD_KEY = /^(ready|alive|failed|partials)\/rank-(\d+)\.json$/;

export const padRank = (rank: number) => String(rank).padStart(6, '0');
export const rankKey = (kind: RecordKind, rank: number) => `${kind}/rank-${padRank(rank)}.json`;

export function listRanks(ranks: number[], max = 20): string {
  const shown = ranks.slice(0, max).join(', ');
  return `${ranks.length === 1 ? 'rank' : 'ranks'} ${shown}${ranks.length > max ? ', …' : ''}`;
}

/** Sleeps `ms` (±20 % so that ranks do not poll in step); rejects when the signal fires. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  const wait = ms * (0.8 + 0.4 * Math.random());
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, wait);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
