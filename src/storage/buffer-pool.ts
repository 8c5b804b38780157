/**
 * Large buffers, reused. A loader fetches and batches hundreds of megabytes an
 * epoch in buffers of a few megabytes; allocating each anew costs a zero-fill
 * and, worse, hands V8 a stream of external memory that it answers with
 * garbage collections (measured: up to half a loader thread's time in
 * bench/loader.ts). Buffers come in size classes — four per doubling, so a
 * reused buffer is at most 25% larger than asked — and at most `perClass` are
 * kept per class, so the pool never holds more than a few in-flight sets.
 */

const MIN_POOLED = 64 * 1024;

/** The smallest class size ≥ `bytes`: 2^k × {1, 1.25, 1.5, 1.75}. */
export function sizeClass(bytes: number): number {
  if (bytes <= MIN_POOLED) return bytes;
  const power = 2 ** Math.floor(Math.log2(bytes));
  const step = power / 4;
  return Math.ceil(bytes / step) * step;
}

export class BufferPool {
  private readonly free = new Map<number, ArrayBuffer[]>();
  constructor(private readonly perClass = 8) {}

  /** A buffer of at least `bytes` bytes (contents undefined: the caller overwrites what it uses). */
  take(bytes: number): ArrayBuffer {
    const size = sizeClass(bytes);
    return this.free.get(size)?.pop() ?? new ArrayBuffer(size);
  }

  /** Buffers the caller is done with (taken from this pool or not; small and detached ones are dropped). */
  give(buffers: Iterable<ArrayBuffer>): void {
    for (const buffer of buffers) {
      const size = buffer.byteLength;
      if (size <= MIN_POOLED || sizeClass(size) !== size) continue;
      const list = this.free.get(size) ?? [];
      if (list.length < this.perClass) list.push(buffer);
      this.free.set(size, list);
    }
  }
}
