/**
 * Large buffers, reused. A loader fetches, decompresses and batches hundreds
 * of megabytes an epoch in buffers of a few hundred kilobytes to a few
 * megabytes; allocating each anew costs a zero-fill and, worse, hands V8 a
 * stream of external memory that it answers with garbage collections
 * (measured: up to half a loader thread's time in bench/loader.ts).
 *
 * Buffers come in size classes — four per doubling, so a reused buffer is at
 * most 25% larger than asked. The pool keeps what it is given back as long
 * as what it holds stays within the most it ever had out at once (its
 * high-water mark): a loader's demand repeats object after object, so after
 * the first object or two every take is served from what came back and the
 * steady state allocates nothing (`stats.allocations` stops growing:
 * bench/loader.ts prints it per epoch, test/unit/buffer-pool.test.ts asserts
 * it), while memory stays bounded by twice the data in flight.
 */

const MIN_POOLED = 64 * 1024;

/** The smallest class size ≥ `bytes`: 2^k × {1, 1.25, 1.5, 1.75}. */
export function sizeClass(bytes: number): number {
  if (bytes <= MIN_POOLED) return bytes;
  const power = 2 ** Math.floor(Math.log2(bytes));
  const step = power / 4;
  return Math.ceil(bytes / step) * step;
}

export interface BufferPoolStats {
  /** Buffers asked for (pooled sizes only: > 64 KiB). */
  takes: number;
  /** Of those, the ones the pool had to allocate. */
  allocations: number;
  /** Bytes out (taken, not yet given back) now, and at most. */
  outstandingBytes: number;
  peakOutstandingBytes: number;
  /** Bytes held for reuse. */
  heldBytes: number;
}

export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  private readonly counters: BufferPoolStats = {
    takes: 0,
    allocations: 0,
    outstandingBytes: 0,
    peakOutstandingBytes: 0,
    heldBytes: 0,
  };

  get stats(): Readonly<BufferPoolStats> {
    return this.counters;
  }

  /** A buffer of at least `bytes` bytes (contents undefined: the caller overwrites what it uses). */
  take(bytes: number): ArrayBuffer {
    const size = sizeClass(bytes);
    if (size <= MIN_POOLED) return new ArrayBuffer(size);
    const c = this.counters;
    c.takes++;
    c.outstandingBytes += size;
    c.peakOutstandingBytes = Math.max(c.peakOutstandingBytes, c.outstandingBytes);
    const reused = this.free.get(size)?.pop();
    if (reused) {
      c.heldBytes -= size;
      return reused;
    }
    c.allocations++;
    return new ArrayBuffer(size);
  }

  /** Buffers the caller is done with (taken from this pool or not; small and detached ones are dropped). */
  give(buffers: Iterable<ArrayBuffer>): void {
    const c = this.counters;
    for (const buffer of buffers) {
      const size = buffer.byteLength;
      if (size <= MIN_POOLED || sizeClass(size) !== size) continue;
      c.outstandingBytes = Math.max(0, c.outstandingBytes - size);
      if (c.heldBytes + size > c.peakOutstandingBytes) continue;
      const list = this.free.get(size);
      if (list) list.push(buffer);
      else this.free.set(size, [buffer]);
      c.heldBytes += size;
    }
  }
}
