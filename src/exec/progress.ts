/**
 * A progress line on stderr: redrawn in place on a terminal, an occasional
 * plain line otherwise (CI logs, pipes), so a long run never looks hung and a
 * log never fills with carriage returns.
 */

export interface ProgressSnapshot {
  /** Units finished (files, steps, …) out of `total`. */
  done: number;
  total: number;
  /** Bytes moved so far. */
  bytes: number;
}

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface ProgressLineOptions {
  /** What a unit is called in the line ("files"). */
  unit: string;
  /** Minimum ms between redraws on a TTY. */
  redrawMs?: number;
  /** Ms between plain lines when not a TTY. */
  plainMs?: number;
  /** Clock in ms (tests). */
  clock?: () => number;
}

const MB = 1e6;

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** `files 12/100 (12%)  345.6 MB  45.2 MB/s  ETA 0:23` — MB are 10^6 bytes. */
export function formatProgress(unit: string, s: ProgressSnapshot, elapsedSeconds: number): string {
  const pct = s.total > 0 ? Math.floor((100 * s.done) / s.total) : 100;
  const rate = elapsedSeconds > 0 ? s.bytes / MB / elapsedSeconds : 0;
  const unitsPerSecond = elapsedSeconds > 0 ? s.done / elapsedSeconds : 0;
  const eta = s.done >= s.total ? 0 : unitsPerSecond > 0 ? (s.total - s.done) / unitsPerSecond : Number.NaN;
  return (
    `${unit} ${s.done}/${s.total} (${pct}%)  ${(s.bytes / MB).toFixed(1)} MB  ` +
    `${rate.toFixed(1)} MB/s  ETA ${formatDuration(eta)}`
  );
}

export class ProgressLine {
  private readonly start: number;
  private lastDraw = Number.NEGATIVE_INFINITY;
  private drawn = false;
  /** Non-TTY: the last plain line written, so that finish can end the log where the work ended. */
  private printed: string | undefined;
  private readonly endLine = () => this.finish();
  private latest: ProgressSnapshot = { done: 0, total: 0, bytes: 0 };
  private readonly clock: () => number;

  constructor(
    private readonly out: ProgressOutput,
    private readonly options: ProgressLineOptions,
  ) {
    this.clock = options.clock ?? (() => performance.now());
    this.start = this.clock();
    // A plain log gets its first line only after one interval: short runs stay quiet.
    if (!out.isTTY) this.lastDraw = this.start;
  }

  update(snapshot: ProgressSnapshot): void {
    this.latest = snapshot;
    const now = this.clock();
    const interval = this.out.isTTY ? (this.options.redrawMs ?? 100) : (this.options.plainMs ?? 10_000);
    if (now - this.lastDraw < interval) return;
    this.lastDraw = now;
    const line = formatProgress(this.options.unit, snapshot, (now - this.start) / 1000);
    if (this.out.isTTY) {
      this.out.write(`\r${line}\x1b[K`);
      // A process that exits mid-run (a second Ctrl-C) must not leave the prompt after a half line.
      if (!this.drawn) process.once('exit', this.endLine);
      this.drawn = true;
    } else {
      this.printed = line;
      this.out.write(`${line}\n`);
    }
  }

  /**
   * TTY: clears the redrawn line so the caller's summary starts on a clean
   * line. Plain log: one last line with the final count, so a log that
   * printed progress does not stop at an earlier percentage.
   */
  finish(): void {
    if (this.out.isTTY && this.drawn) {
      this.out.write('\r\x1b[K');
      process.off('exit', this.endLine);
    }
    this.drawn = false;
    if (this.printed === undefined) return;
    const line = formatProgress(this.options.unit, this.latest, (this.clock() - this.start) / 1000);
    if (line.split('  ')[0] !== this.printed.split('  ')[0]) this.out.write(`${line}\n`);
    this.printed = undefined;
  }

  get snapshot(): ProgressSnapshot {
    return this.latest;
  }
}

/**
 * The latest report of each shard, summed into one snapshot: shards report
 * their own running totals, so the run's total is the sum of the latest ones.
 */
export class ProgressTotals<P> {
  private readonly latest = new Map<number, P>();

  constructor(
    private readonly shardOf: (report: P) => number,
    private readonly total: number,
    private readonly counts: (report: P) => { done: number; bytes: number },
  ) {}

  update(report: P): ProgressSnapshot {
    this.latest.set(this.shardOf(report), report);
    let done = 0;
    let bytes = 0;
    for (const r of this.latest.values()) {
      const c = this.counts(r);
      done += c.done;
      bytes += c.bytes;
    }
    return { done, total: this.total, bytes };
  }
}
