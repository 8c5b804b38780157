/**
 * Shared memory between a host's threads: one control block per accelerator
 * (its loaders' batch counters, the epoch signal, the bytes they received,
 * the common start) and one barrier for all accelerators of the host. The
 * accelerator thread blocks on it (Atomics.wait); loader threads, whose event
 * loops must keep serving I/O, wait asynchronously (Atomics.waitAsync).
 */

/** Int32 slots of a control block; loader w's counters follow. */
const GO = 0; // 1 once every thread of the host is ready and the start time is set
const EPOCH = 1; // epochs started so far by the accelerator
const ABORT = 2; // 1: stop now (a thread failed); 2: stop now, keep the completed epochs (SIGINT/SIGTERM)
const STEPS = 3; // steps done (progress)
const SAMPLES = 4; // samples delivered (progress)
const FIXED = 5;

type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
  timeout?: number,
) => { async: boolean; value: Promise<'ok' | 'timed-out'> | 'not-equal' | 'timed-out' };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

export class AbortedError extends Error {
  constructor() {
    super('aborted: another thread of the run failed');
  }
}

/** Plain data: crosses to worker threads as shared memory. */
export interface ControlBuffers {
  ints: SharedArrayBuffer;
  /** [0] bytes received by the loaders (BigInt64), [1] the common start (Float64 ms since the epoch). */
  wide: SharedArrayBuffer;
  workers: number;
}

export function newControl(workers: number): ControlBuffers {
  return {
    ints: new SharedArrayBuffer(4 * (FIXED + 2 * Math.max(1, workers))),
    wide: new SharedArrayBuffer(16),
    workers,
  };
}

export class Control {
  private readonly ints: Int32Array;
  private readonly bytes: BigInt64Array;
  private readonly start: Float64Array;

  constructor(readonly buffers: ControlBuffers) {
    this.ints = new Int32Array(buffers.ints);
    this.bytes = new BigInt64Array(buffers.wide, 0, 1);
    this.start = new Float64Array(buffers.wide, 8, 1);
  }

  private posted(w: number): number {
    return FIXED + 2 * w;
  }

  private consumed(w: number): number {
    return FIXED + 2 * w + 1;
  }

  get aborted(): boolean {
    return Atomics.load(this.ints, ABORT) !== 0;
  }

  /** Stopped by a signal rather than a failure: the threads return what their completed epochs hold. */
  get stopped(): boolean {
    return Atomics.load(this.ints, ABORT) === 2;
  }

  abort(): void {
    Atomics.store(this.ints, ABORT, 1);
    for (let i = 0; i < this.ints.length; i++) Atomics.notify(this.ints, i);
  }

  /** Like abort, but the run was interrupted: nothing failed, and what is complete is kept. */
  stop(): void {
    Atomics.compareExchange(this.ints, ABORT, 0, 2);
    for (let i = 0; i < this.ints.length; i++) Atomics.notify(this.ints, i);
  }

  private check(): void {
    if (this.aborted) throw new AbortedError();
  }

  /** Throws AbortedError once a thread failed or a signal stopped the run. */
  throwIfAborted(): void {
    this.check();
  }

  /** The cell a stop or abort sets and notifies: a long sleep waits on it (compute.ts computeFor). */
  get wakeCell(): { cells: Int32Array; index: number } {
    return { cells: this.ints, index: ABORT };
  }

  /** Host: every thread is ready; the run starts at `startAt` (ms since the epoch). */
  go(startAt: number): void {
    this.start[0] = startAt;
    Atomics.store(this.ints, GO, 1);
    Atomics.notify(this.ints, GO);
  }

  /** Accelerator: blocks until the host says go; returns the common start. */
  waitGo(): number {
    while (Atomics.load(this.ints, GO) === 0) {
      this.check();
      Atomics.wait(this.ints, GO, 0, 100);
    }
    this.check();
    return this.start[0] as number;
  }

  /** Accelerator: epoch `epoch` begins (loaders may start loading it). */
  startEpoch(epoch: number): void {
    Atomics.store(this.ints, EPOCH, epoch + 1);
    Atomics.notify(this.ints, EPOCH);
  }

  /** Loader: resolves when epoch `epoch` has begun. */
  async epochStarted(epoch: number): Promise<void> {
    for (;;) {
      this.check();
      const started = Atomics.load(this.ints, EPOCH);
      if (started > epoch) return;
      await this.waitAsync(EPOCH, started);
    }
  }

  /** Loader w: resolves once fewer than `ahead` of its batches wait unconsumed. */
  async credit(w: number, ahead: number): Promise<void> {
    for (;;) {
      this.check();
      const consumed = Atomics.load(this.ints, this.consumed(w));
      if (Atomics.load(this.ints, this.posted(w)) - consumed < ahead) return;
      await this.waitAsync(this.consumed(w), consumed);
    }
  }

  /** Loader w: one more batch was posted. */
  posted1(w: number): void {
    Atomics.add(this.ints, this.posted(w), 1);
    Atomics.notify(this.ints, this.posted(w));
  }

  /** Accelerator: blocks until loader w has posted its `index`-th batch (0-based). */
  waitBatch(w: number, index: number): void {
    for (;;) {
      this.check();
      const posted = Atomics.load(this.ints, this.posted(w));
      if (posted > index) return;
      Atomics.wait(this.ints, this.posted(w), posted, 100);
    }
  }

  /** Accelerator: a batch of loader w was taken. */
  consumed1(w: number): void {
    Atomics.add(this.ints, this.consumed(w), 1);
    Atomics.notify(this.ints, this.consumed(w));
  }

  /** Loader: bytes received (each GET's payload as it completes). */
  addBytes(n: number): void {
    Atomics.add(this.bytes, 0, BigInt(n));
  }

  get bytesReceived(): number {
    return Number(Atomics.load(this.bytes, 0));
  }

  /** Accelerator: progress counters the host polls. */
  progress(steps: number, samples: number): void {
    Atomics.store(this.ints, STEPS, steps);
    Atomics.add(this.ints, SAMPLES, samples);
  }

  get samplesDone(): number {
    return Atomics.load(this.ints, SAMPLES);
  }

  private async waitAsync(index: number, value: number): Promise<void> {
    const result = waitAsync(this.ints, index, value, 1000);
    if (result.async) await result.value;
  }
}

/** The per-step barrier of a host's accelerators (DLIO's comm.barrier), reusable generation after generation. */
export class HostBarrier {
  private readonly ints: Int32Array;

  /** [0] arrived in this generation, [1] generation, [2] abort. */
  static create(): SharedArrayBuffer {
    return new SharedArrayBuffer(12);
  }

  constructor(
    buffer: SharedArrayBuffer,
    private readonly parties: number,
  ) {
    this.ints = new Int32Array(buffer);
  }

  abort(): void {
    Atomics.store(this.ints, 2, 1);
    Atomics.notify(this.ints, 1);
  }

  /** Blocks until every party arrived. */
  wait(): void {
    if (this.parties <= 1) return;
    const generation = Atomics.load(this.ints, 1);
    if (Atomics.add(this.ints, 0, 1) === this.parties - 1) {
      Atomics.store(this.ints, 0, 0);
      Atomics.add(this.ints, 1, 1);
      Atomics.notify(this.ints, 1);
      return;
    }
    while (Atomics.load(this.ints, 1) === generation) {
      if (Atomics.load(this.ints, 2) === 1) throw new AbortedError();
      Atomics.wait(this.ints, 1, generation, 100);
    }
  }
}
