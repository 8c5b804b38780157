/**
 * The client's CPU as a result (SPEC §6): what the benchmark itself cost the
 * hosts it ran on, so a reader can tell a storage-bound run from a
 * client-bound one.
 *
 * Two sources, each merged exactly:
 * - per host (one process of a local run, a rank, a reader Lambda): the
 *   process's usr/sys CPU over its measured phase (the common start to its
 *   last accelerator's end) and per interval on the time series' grid, with
 *   the cores it may use. Every partial of a host carries the same record;
 *   merging keeps one per `id`.
 * - per accelerator: its own thread's and its loader threads' on-CPU time and
 *   run-queue wait (the kernel's per-thread schedstat): how long they were
 *   ready to run but had no CPU. These add.
 */

/** On-CPU and run-queue time of a role's threads (µs), over each thread's measured phase. */
export interface ThreadCpu {
  threads: number;
  runUs: number;
  waitUs: number;
  wallUs: number;
  /** Times the threads were put on a CPU (schedstat's third field): wait ÷ this = mean delay per wake-up. */
  slices: number;
}

/** Per interval of the time-series grid: CPU µs the process used (usr, sys). */
export interface CpuSeries {
  intervalMs: number;
  first: number;
  usrUs: number[];
  sysUs: number[];
}

/** One process's CPU over its measured phase. */
export interface HostCpu {
  /** Unique per measured process and phase (host, pid, start): merging keeps one per id. */
  id: string;
  host: string;
  /** CPUs the process may run on (affinity mask, cgroup quota). */
  cores: number;
  wallUs: number;
  usrUs: number;
  sysUs: number;
  series: CpuSeries | null;
}

/** What an accelerator partial carries about the client. */
export interface ClientPart {
  host: HostCpu;
  /** Null where the kernel gives no per-thread schedstat. */
  acceleratorThreads: ThreadCpu | null;
  loaderThreads: ThreadCpu | null;
}

export function addThreadCpu(a: ThreadCpu | null, b: ThreadCpu | null): ThreadCpu | null {
  if (!a || !b) return a ?? b;
  return {
    threads: a.threads + b.threads,
    runUs: a.runUs + b.runUs,
    waitUs: a.waitUs + b.waitUs,
    wallUs: a.wallUs + b.wallUs,
    slices: a.slices + b.slices,
  };
}

/**
 * Run-queue wait ÷ wall: the share of their time the threads lost, ready to
 * run but without a CPU. (Wait ÷ runnable time would flag every mostly idle
 * thread on a shared host: its few short runs each start after a wake-up
 * delay, measured at 40–57 % of runnable time for a well-fed accelerator,
 * against 2–3 % of its wall time.)
 */
export function waitShare(t: ThreadCpu | null): number | null {
  if (!t || t.wallUs <= 0) return null;
  return t.waitUs / t.wallUs;
}

export function hostUtilisation(h: HostCpu): number {
  return h.wallUs > 0 && h.cores > 0 ? (h.usrUs + h.sysUs) / (h.wallUs * h.cores) : 0;
}

/** The client facts of a run: distinct hosts, thread times added. */
export interface ClientAggregate {
  hosts: HostCpu[];
  acceleratorThreads: ThreadCpu | null;
  loaderThreads: ThreadCpu | null;
}

/** Merges the client parts of partials: one HostCpu per id, thread times added; null if none had any. */
export function combineClient(parts: (ClientPart | undefined)[]): ClientAggregate | null {
  const known = parts.filter((p): p is ClientPart => p !== undefined);
  if (known.length === 0) return null;
  const hosts = new Map<string, HostCpu>();
  let acceleratorThreads: ThreadCpu | null = null;
  let loaderThreads: ThreadCpu | null = null;
  for (const p of known) {
    hosts.set(p.host.id, p.host);
    acceleratorThreads = addThreadCpu(acceleratorThreads, p.acceleratorThreads);
    loaderThreads = addThreadCpu(loaderThreads, p.loaderThreads);
  }
  return {
    hosts: [...hosts.values()].sort((a, b) => a.id.localeCompare(b.id)),
    acceleratorThreads,
    loaderThreads,
  };
}

/** Adds the hosts' CPU series interval by interval (same grid, as timeseries.ts's). */
export function mergeCpuSeries(series: CpuSeries[]): CpuSeries | null {
  if (series.length === 0) return null;
  const intervalMs = (series[0] as CpuSeries).intervalMs;
  if (series.some((s) => s.intervalMs !== intervalMs))
    throw new Error('CPU series with different intervals cannot merge');
  const first = Math.min(...series.map((s) => s.first));
  const end = Math.max(...series.map((s) => s.first + s.usrUs.length));
  const usrUs = new Array<number>(end - first).fill(0);
  const sysUs = new Array<number>(end - first).fill(0);
  for (const s of series) {
    s.usrUs.forEach((v, i) => {
      usrUs[s.first - first + i] = (usrUs[s.first - first + i] as number) + v;
    });
    s.sysUs.forEach((v, i) => {
      sysUs[s.first - first + i] = (sysUs[s.first - first + i] as number) + v;
    });
  }
  return { intervalMs, first, usrUs, sysUs };
}
