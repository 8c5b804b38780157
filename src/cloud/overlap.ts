/**
 * Throughput over the window in which all readers actually ran together
 * (issue 13). DLIO's samples/s sums each reader's own rate, and the I/O rate
 * divides by the union of the readers' windows; with readers that started
 * late the two disagree and neither says what the store sustained under the
 * full load. Each reader records its cumulative samples and bytes over time
 * (its host's progress, sampled every half second, plus exact points at each
 * segment's start and end); the aggregate takes the window from the latest
 * reader start to the earliest reader end and counts what every reader
 * delivered inside it (linear between samples). Readers that started after
 * the common start are flagged by accelerator.
 */

/** Cumulative progress of one reader host: parallel arrays, times ascending (ms since the epoch). */
export interface ProgressSeries {
  t: number[];
  samples: number[];
  bytes: number[];
}

/** A reader host's series and the accelerators it ran. */
export interface HostProgress {
  accelerators: number[];
  /** Its measured window: first epoch start → last epoch end (ms since the epoch). */
  start: number;
  end: number;
  series: ProgressSeries;
}

/**
 * Records one reader's progress over its segments (runHost calls): points at
 * least `spacingMs` apart from the host's progress callback, anchored exactly
 * at each segment's start (0 more) and end (its totals).
 */
export class ProgressTrack {
  readonly series: ProgressSeries = { t: [], samples: [], bytes: [] };
  private samplesBase = 0;
  private bytesBase = 0;
  private segmentFrom = 0;

  constructor(private readonly spacingMs = 1000) {}

  /** A progress report of the current segment (its counters start at 0). */
  point(t: number, samples: number, bytes: number): void {
    const last = this.series.t[this.series.t.length - 1];
    if (last !== undefined && t - last < this.spacingMs) return;
    this.push(t, samples, bytes);
  }

  /** The segment measured from `startedAt` to `endedAt` and delivered `samples` and `bytes` in all. */
  endSegment(startedAt: number, endedAt: number, samples: number, bytes: number): void {
    const s = this.series;
    const keep = s.t.map((t, i) => i < this.segmentFrom || (t > startedAt && t < endedAt));
    for (const key of ['t', 'samples', 'bytes'] as const) s[key] = s[key].filter((_, i) => keep[i]);
    s.t.splice(this.segmentFrom, 0, startedAt);
    s.samples.splice(this.segmentFrom, 0, this.samplesBase);
    s.bytes.splice(this.segmentFrom, 0, this.bytesBase);
    this.push(endedAt, samples, bytes);
    this.samplesBase += samples;
    this.bytesBase += bytes;
    this.segmentFrom = s.t.length;
  }

  private push(t: number, samples: number, bytes: number): void {
    this.series.t.push(t);
    this.series.samples.push(this.samplesBase + samples);
    this.series.bytes.push(this.bytesBase + bytes);
  }
}

/** Series of later invocations, each counting from 0, as one cumulative series. */
export function joinSeries(pieces: ProgressSeries[]): ProgressSeries {
  const out: ProgressSeries = { t: [], samples: [], bytes: [] };
  let samples = 0;
  let bytes = 0;
  for (const p of pieces) {
    out.t.push(...p.t);
    out.samples.push(...p.samples.map((v) => v + samples));
    out.bytes.push(...p.bytes.map((v) => v + bytes));
    samples += p.samples[p.samples.length - 1] ?? 0;
    bytes += p.bytes[p.bytes.length - 1] ?? 0;
  }
  return out;
}

/** Cumulative samples and bytes at time t, linear between points, flat outside them. */
export function progressAt(s: ProgressSeries, t: number): { samples: number; bytes: number } {
  const n = s.t.length;
  if (n === 0 || t <= (s.t[0] as number)) return { samples: s.samples[0] ?? 0, bytes: s.bytes[0] ?? 0 };
  if (t >= (s.t[n - 1] as number))
    return { samples: s.samples[n - 1] as number, bytes: s.bytes[n - 1] as number };
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if ((s.t[mid] as number) <= t) lo = mid;
    else hi = mid;
  }
  const t0 = s.t[lo] as number;
  const t1 = s.t[hi] as number;
  const f = t1 > t0 ? (t - t0) / (t1 - t0) : 1;
  const lerp = (a: number[]) => (a[lo] as number) + f * ((a[hi] as number) - (a[lo] as number));
  return { samples: lerp(s.samples), bytes: lerp(s.bytes) };
}

/** cloud.json `overlap`: the all-readers window and what was delivered in it. */
export interface OverlapReport {
  /** Latest reader start → earliest reader end; null when the readers never all ran at once. */
  start: string | null;
  end: string | null;
  duration_s: number;
  readers: number;
  samples_per_second: number | null;
  MB_per_second: number | null;
  MiB_per_second: number | null;
  /** Share of all delivered samples that fell inside the window. */
  share_of_samples: number | null;
  /** Earliest reader start → latest reader end (s), and the window's share of it (null: never all at once). */
  span_s: number;
  share_of_span: number | null;
  /** Readers whose first epoch began later than the tolerance after the common start. */
  late_readers: number;
  /** Their accelerators (the first 100). */
  late_accelerators: number[];
  basis: string;
}

const BASIS =
  'window = latest reader start → earliest reader end; samples and bytes each reader delivered inside it (progress sampled ≥ every 1 s, linear between samples) ÷ the window; MB = 10^6 bytes, MiB = 2^20';

export function overlapReport(
  hosts: HostProgress[],
  startAt: number,
  lateToleranceMs: number,
): OverlapReport {
  const late = hosts.filter((h) => h.start > startAt + lateToleranceMs);
  const lateAccelerators = late.flatMap((h) => h.accelerators).sort((a, b) => a - b);
  const base = {
    readers: hosts.length,
    late_readers: late.length,
    late_accelerators: lateAccelerators.slice(0, 100),
    basis: BASIS,
  };
  const from = Math.max(...hosts.map((h) => h.start));
  const to = Math.min(...hosts.map((h) => h.end));
  const spanMs =
    hosts.length === 0 ? 0 : Math.max(...hosts.map((h) => h.end)) - Math.min(...hosts.map((h) => h.start));
  const span = { span_s: Number((spanMs / 1000).toFixed(6)) };
  if (hosts.length === 0 || !(to > from)) {
    return {
      ...base,
      ...span,
      share_of_span: null,
      start: null,
      end: null,
      duration_s: 0,
      samples_per_second: null,
      MB_per_second: null,
      MiB_per_second: null,
      share_of_samples: null,
    };
  }
  let samples = 0;
  let bytes = 0;
  let allSamples = 0;
  for (const h of hosts) {
    const a = progressAt(h.series, from);
    const b = progressAt(h.series, to);
    samples += b.samples - a.samples;
    bytes += b.bytes - a.bytes;
    allSamples += h.series.samples[h.series.samples.length - 1] ?? 0;
  }
  const seconds = (to - from) / 1000;
  const round = (x: number) => Number(x.toFixed(6));
  return {
    ...base,
    start: new Date(from).toISOString(),
    end: new Date(to).toISOString(),
    duration_s: round(seconds),
    samples_per_second: round(samples / seconds),
    MB_per_second: round(bytes / seconds / 1e6),
    MiB_per_second: round(bytes / seconds / 2 ** 20),
    share_of_samples: allSamples > 0 ? round(samples / allSamples) : null,
    ...span,
    share_of_span: spanMs > 0 ? round((to - from) / spanMs) : null,
  };
}
