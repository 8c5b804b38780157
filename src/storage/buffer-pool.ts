/**
 * Large buffers, reused. A loader fetches, decompresses and batches hundreds
 * of megabytes an epoch in buffers of a few hundred kilobytes to a few
 * megabytes; allocating each anew costs a zero-fill and, worse, hands V8 a
 * stream of external memory that it answers with garbage collections
 * (measured: up to half a loader thread's time in bench/loader.ts).
 *
 * Buffers come in size classes — four per doubling, so a reused buffer is at
 * most 25% larger than asked. Per class the pool keeps what it is given back
 * up to the most of that class it ever had out at once (its high-water
 * mark): a loader's demand repeats object after object — fetch buffers, then
 * decompressed pages, then batches, each phase in classes of its own — so
 * after the first object or two every take is served from what came back and
 * the steady state allocates nothing (`stats.allocations` stops growing:
 * bench/loader.ts prints it per epoch, test/unit/buffer-pool.test.ts asserts
 * it), while what it holds never exceeds the largest set of each class that
 * was in flight.
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

interface SizeClass {
  free: ArrayBuffer[];
  out: number;
  peak: number;
}

export class BufferPool {
  private readonly classes = new Map<number, SizeClass>();
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
    const cls = this.classOf(size);
    cls.out++;
    cls.peak = Math.max(cls.peak, cls.out);
    const reused = cls.free.pop();
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
      const cls = this.classOf(size);
      c.outstandingBytes = Math.max(0, c.outstandingBytes - size);
      cls.out = Math.max(0, cls.out - 1);
      if (cls.free.length + cls.out >= cls.peak) continue;
      cls.free.push(buffer);
      c.heldBytes += size;
    }
  }

  private classOf(size: number): SizeClass {
    let cls = this.classes.get(size);
    if (!cls) {
      cls = { free: [], out: 0, peak: 0 };
      this.classes.set(size, cls);
    }
    return cls;
  }
}
