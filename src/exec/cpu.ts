/**
 * Measuring the client's CPU (metrics/client.ts says what the figures mean).
 *
 * - A thread's run-queue wait comes from /proc/thread-self/schedstat (Linux:
 *   ns on a CPU, ns runnable but waiting for one). Each accelerator and
 *   loader thread reads it at the start and end of its measured phase — two
 *   small reads outside any step — so the figure is that thread's own.
 * - A process's usr/sys CPU comes from process.cpuUsage() (every thread of
 *   the process, libuv's pool and GC included), sampled on the host's main
 *   thread, which does nothing else while the run goes on.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism, hostname } from 'node:os';
import type { CpuSeries, HostCpu, ThreadCpu } from '../metrics/client.ts';

interface Sched {
  runNs: number;
  waitNs: number;
  slices: number;
}

function readSched(): Sched | null {
  try {
    const [run, wait, count] = readFileSync('/proc/thread-self/schedstat', 'latin1').trim().split(/\s+/);
    const runNs = Number(run);
    const waitNs = Number(wait);
    const slices = Number(count);
    return Number.isFinite(runNs) && Number.isFinite(waitNs) && Number.isFinite(slices)
      ? { runNs, waitNs, slices }
      : null;
  } catch {
    return null;
  }
}

/** One thread's on-CPU and run-queue time between `start` and `finish`, read on that thread. */
export class ThreadCpuMeter {
  private from: (Sched & { at: number }) | null = null;

  start(): void {
    const s = readSched();
    this.from = s ? { ...s, at: performance.now() } : null;
  }

  /** Null where the kernel gives no schedstat (or `start` was never called). */
  finish(): ThreadCpu | null {
    const to = readSched();
    if (!this.from || !to) return null;
    return {
      threads: 1,
      runUs: Math.round((to.runNs - this.from.runNs) / 1000),
      waitUs: Math.round((to.waitNs - this.from.waitNs) / 1000),
      wallUs: Math.round((performance.now() - this.from.at) * 1000),
      slices: to.slices - this.from.slices,
    };
  }
}

function cgroupQuota(): number | null {
  try {
    const [quota, period] = readFileSync('/sys/fs/cgroup/cpu.max', 'latin1').trim().split(/\s+/);
    if (quota && quota !== 'max' && Number(period) > 0) return Number(quota) / Number(period);
  } catch {
    // cgroup v1 or none
  }
  try {
    const quota = Number(readFileSync('/sys/fs/cgroup/cpu/cpu.cfs_quota_us', 'latin1'));
    const period = Number(readFileSync('/sys/fs/cgroup/cpu/cpu.cfs_period_us', 'latin1'));
    if (quota > 0 && period > 0) return quota / period;
  } catch {
    // no quota
  }
  return null;
}

/** CPUs this process may use: its affinity mask (libuv), capped by a cgroup CPU quota. */
export function usableCores(): number {
  const affinity = availableParallelism();
  const quota = cgroupQuota();
  return quota === null ? affinity : Math.max(0.01, Math.min(affinity, quota));
}

/** How often the host samples its process CPU for the series. */
const SAMPLE_MS = 250;

/**
 * The process's CPU over a measured phase, in total and per interval of the
 * time-series grid (a sample every SAMPLE_MS, each difference spread over
 * the intervals it spans in proportion to time).
 */
export class HostCpuMeter {
  private readonly cells = new Map<number, { usr: number; sys: number }>();
  private last: { at: number; usr: number; sys: number } | null = null;
  private first: { at: number; usr: number; sys: number } | null = null;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly intervalMs: number,
    private readonly host: string = hostname(),
  ) {}

  private sample(): { at: number; usr: number; sys: number } {
    const { user, system } = process.cpuUsage();
    return { at: performance.timeOrigin + performance.now(), usr: user, sys: system };
  }

  start(): void {
    this.first = this.last = this.sample();
    this.timer = setInterval(() => this.step(), SAMPLE_MS);
    this.timer.unref();
  }

  private step(): void {
    const now = this.sample();
    const prev = this.last;
    this.last = now;
    if (!prev || now.at <= prev.at) return;
    const span = now.at - prev.at;
    for (let i = Math.floor(prev.at / this.intervalMs); i * this.intervalMs < now.at; i++) {
      const overlap = Math.min(now.at, (i + 1) * this.intervalMs) - Math.max(prev.at, i * this.intervalMs);
      if (overlap <= 0) continue;
      const cell = this.cells.get(i) ?? { usr: 0, sys: 0 };
      cell.usr += ((now.usr - prev.usr) * overlap) / span;
      cell.sys += ((now.sys - prev.sys) * overlap) / span;
      this.cells.set(i, cell);
    }
  }

  /** Ends the phase: its totals and series (the same record if called again). */
  stop(): HostCpu {
    if (this.stopped) return this.stopped;
    clearInterval(this.timer);
    this.step();
    const first = this.first ?? this.sample();
    const last = this.last ?? first;
    this.stopped = {
      id: `${this.host}:${process.pid}:${Math.round(first.at)}`,
      host: this.host,
      cores: usableCores(),
      wallUs: Math.round((last.at - first.at) * 1000),
      usrUs: last.usr - first.usr,
      sysUs: last.sys - first.sys,
      series: this.series(),
    };
    return this.stopped;
  }

  private stopped: HostCpu | undefined;

  private series(): CpuSeries | null {
    const indexes = [...this.cells.keys()];
    if (indexes.length === 0) return null;
    const first = Math.min(...indexes);
    const length = Math.max(...indexes) - first + 1;
    const usrUs = new Array<number>(length).fill(0);
    const sysUs = new Array<number>(length).fill(0);
    for (const [i, cell] of this.cells) {
      usrUs[i - first] = Math.round(cell.usr);
      sysUs[i - first] = Math.round(cell.sys);
    }
    return { intervalMs: this.intervalMs, first, usrUs, sysUs };
  }
}
