/**
 * Executes a ReadPlan: its requests are fetched with bounded concurrency and
 * the result serves any planned chunk's bytes — a zero-copy view when the
 * chunk lies inside one request, a concatenation when a split cut through it.
 */
import type { AsyncBuffer } from 'hyparquet';
import { CorruptParquetError } from '../../errors.ts';
import type { BufferPool } from '../../storage/buffer-pool.ts';
import { READ_ALIGN_SLACK, type Storage } from '../../storage/types.ts';
import type { ByteSpan, ReadPlan } from './plan.ts';

export interface FetchOptions {
  /** Requests in flight at once (reader.read_threads). */
  concurrency: number;
  signal?: AbortSignal;
  /** Fetch into buffers from this pool; `release()` gives them back. */
  buffers?: BufferPool;
  /** Pin every GET to this version of the object (ObjectChangedError if it changed). */
  ifMatch?: string;
}

export interface FetchedBytes {
  /** Bytes of `[start, end)`; must lie inside the fetched requests. */
  bytes(span: ByteSpan): Uint8Array;
  /** Payload bytes received. */
  readonly bytesFetched: number;
  /** GETs issued. */
  readonly requests: number;
  /** A hyparquet AsyncBuffer over the fetched ranges (copies each slice; for the generic path and tests). */
  asAsyncBuffer(objectSize: number): AsyncBuffer;
  /** Nothing will read these bytes (or views of them) again: pooled buffers go back to the pool. */
  release(): void;
}

interface Piece extends ByteSpan {
  body: Uint8Array;
}

export async function fetchPlan(
  storage: Storage,
  key: string,
  plan: Pick<ReadPlan, 'requests'>,
  options: FetchOptions,
): Promise<FetchedBytes> {
  const requests = [...plan.requests].sort((a, b) => a.start - b.start);
  const pieces: Piece[] = new Array(requests.length);
  const taken: ArrayBuffer[] = [];
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < requests.length) {
      options.signal?.throwIfAborted();
      const index = next++;
      const { start, end } = requests[index];
      try {
        // With the slack a local backend may align the read (READ_ALIGN_SLACK; local.ts).
        const into = options.buffers?.take(end - start + READ_ALIGN_SLACK);
        if (into) taken.push(into);
        const result = await storage.get(
          key,
          { start, end },
          { into: into && new Uint8Array(into), ifMatch: options.ifMatch },
        );
        if (result.body.byteLength !== end - start) {
          throw new CorruptParquetError(
            `${key}: truncated Parquet object (range ${start}-${end} returned ${result.body.byteLength} bytes)`,
          );
        }
        pieces[index] = { start, end, body: result.body };
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  const workers = Math.max(1, Math.min(Math.floor(options.concurrency) || 1, requests.length));
  const settled = await Promise.allSettled(Array.from({ length: workers }, worker));
  const rejected = settled.find((s) => s.status === 'rejected');
  if (rejected) {
    options.buffers?.give(taken);
    throw (rejected as PromiseRejectedResult).reason;
  }
  return new FetchedRanges(key, pieces, () => options.buffers?.give(taken.splice(0)));
}

class FetchedRanges implements FetchedBytes {
  readonly bytesFetched: number;
  readonly requests: number;
  constructor(
    private readonly key: string,
    private readonly pieces: Piece[],
    readonly release: () => void = () => {},
  ) {
    this.bytesFetched = pieces.reduce((sum, p) => sum + p.body.byteLength, 0);
    this.requests = pieces.length;
  }

  bytes({ start, end }: ByteSpan): Uint8Array {
    let index = this.findPiece(start);
    const first = this.pieces[index];
    if (end <= first.end) return first.body.subarray(start - first.start, end - first.start);
    const out = new Uint8Array(end - start);
    let position = start;
    while (position < end) {
      const piece = this.pieces[index];
      if (!piece || piece.start !== position) this.missing(position, end);
      const take = Math.min(end, piece.end) - position;
      out.set(piece.body.subarray(position - piece.start, position - piece.start + take), position - start);
      position += take;
      index++;
    }
    return out;
  }

  asAsyncBuffer(objectSize: number): AsyncBuffer {
    return {
      byteLength: objectSize,
      slice: (start: number, end?: number): ArrayBuffer => {
        const view = this.bytes({ start, end: end ?? objectSize });
        return view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength) as ArrayBuffer;
      },
    };
  }

  /** Index of the piece containing `offset` (binary search). */
  private findPiece(offset: number): number {
    let lo = 0;
    let hi = this.pieces.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const piece = this.pieces[mid];
      if (offset < piece.start) hi = mid - 1;
      else if (offset >= piece.end) lo = mid + 1;
      else return mid;
    }
    return this.missing(offset, offset + 1);
  }

  private missing(start: number, end: number): never {
    throw new RangeError(`${this.key}: bytes ${start}-${end} were not part of the fetched plan`);
  }
}
