/**
 * Bridges a push-style byte producer (the Parquet writer's async sink) to the
 * pull-style `AsyncIterable` that `Storage.putStream` consumes, with
 * backpressure: `write` resolves only when the consumer has taken the
 * buffered bytes, so at most ~2 chunks are in flight whatever the object size.
 *
 * Small writes (page headers, footers) are coalesced into chunks of
 * `chunkBytes`; every chunk handed out is a buffer the consumer may keep (S3
 * multipart collects several before sending a part). Writes of at least half
 * a chunk are handed over as they are, without a copy — the producer must not
 * modify them afterwards (the Parquet writer's sink contract already says so).
 */

export const DEFAULT_CHUNK_BYTES = 1 << 20;

type Pending = { resolve: () => void; reject: (e: unknown) => void };

export class ByteChannel implements AsyncIterable<Uint8Array> {
  private buffer: Uint8Array;
  private filled = 0;
  /** A full chunk waiting for the consumer. */
  private ready: Uint8Array | undefined;
  private producerWaiting: Pending | undefined;
  private consumerWaiting: ((r: IteratorResult<Uint8Array>) => void) | undefined;
  private consumerFailing: ((e: unknown) => void) | undefined;
  private closed = false;
  private failure: { error: unknown } | undefined;
  private consumerGone: { error: unknown } | undefined;

  constructor(private readonly chunkBytes: number = DEFAULT_CHUNK_BYTES) {
    this.buffer = new Uint8Array(chunkBytes);
  }

  /** Takes `bytes` (copied when small); resolves once there is room again. Rejects when the consumer stopped. */
  async write(bytes: Uint8Array): Promise<void> {
    if (bytes.length >= this.chunkBytes / 2) {
      if (this.consumerGone) throw this.consumerGone.error;
      if (this.filled > 0) await this.handOver(this.takeBuffer());
      await this.handOver(bytes);
      return;
    }
    let offset = 0;
    while (offset < bytes.length) {
      if (this.consumerGone) throw this.consumerGone.error;
      const n = Math.min(bytes.length - offset, this.chunkBytes - this.filled);
      this.buffer.set(bytes.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === this.chunkBytes) await this.handOver(this.takeBuffer());
    }
  }

  /** Ends the stream after the buffered bytes. */
  async close(): Promise<void> {
    if (this.filled > 0) await this.handOver(this.takeBuffer());
    this.closed = true;
    this.wakeConsumer();
  }

  /** Makes the consumer's next read throw `error` (putStream then aborts the upload). */
  fail(error: unknown): void {
    this.failure ??= { error };
    this.wakeConsumer();
  }

  /** True once the consumer stopped reading. */
  get abandoned(): boolean {
    return this.consumerGone !== undefined;
  }

  /** The consumer stopped (upload failed or aborted): the producer's pending and later writes reject. */
  abandon(error: unknown): void {
    this.consumerGone ??= { error };
    const producer = this.producerWaiting;
    this.producerWaiting = undefined;
    producer?.reject(this.consumerGone.error);
  }

  private takeBuffer(): Uint8Array {
    const full = this.buffer.subarray(0, this.filled);
    this.buffer = new Uint8Array(this.chunkBytes);
    this.filled = 0;
    return full;
  }

  private handOver(chunk: Uint8Array): Promise<void> {
    this.ready = chunk;
    this.wakeConsumer();
    return new Promise<void>((resolve, reject) => {
      if (this.consumerGone) reject(this.consumerGone.error);
      else if (this.ready === undefined) resolve();
      else this.producerWaiting = { resolve, reject };
    });
  }

  private wakeConsumer(): void {
    const deliver = this.consumerWaiting;
    const failConsumer = this.consumerFailing;
    if (!deliver || !failConsumer) return;
    if (this.failure) {
      this.consumerWaiting = this.consumerFailing = undefined;
      failConsumer(this.failure.error);
    } else if (this.ready) {
      const chunk = this.ready;
      this.ready = undefined;
      this.consumerWaiting = this.consumerFailing = undefined;
      deliver({ value: chunk, done: false });
      const producer = this.producerWaiting;
      this.producerWaiting = undefined;
      producer?.resolve();
    } else if (this.closed) {
      this.consumerWaiting = this.consumerFailing = undefined;
      deliver({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: () =>
        new Promise<IteratorResult<Uint8Array>>((resolve, reject) => {
          this.consumerWaiting = resolve;
          this.consumerFailing = reject;
          this.wakeConsumer();
        }),
      return: async () => {
        this.abandon(new Error('the upload stopped before the object was complete'));
        return { value: undefined, done: true };
      },
    };
  }
}
