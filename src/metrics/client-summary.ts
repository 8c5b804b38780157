/**
 * summary.json's `client` section: the client's CPU over the measured phase
 * (per host, the busiest first), its threads' run-queue wait, and simulated
 * compute against its configured draws — what tells a storage-bound run
 * from a client-bound one (docs/results.md).
 */
import { type HostCpu, hostUtilisation, type ThreadCpu, waitShare } from './client.ts';
import type { RunAggregate } from './combine.ts';
import { computeFacts } from './verdict-facts.ts';

export interface ThreadCpuSummary {
  threads: number;
  cpu_s: number;
  /** Time ready to run but without a CPU (the kernel's schedstat). */
  runqueue_wait_s: number;
  /** Each thread's measured phase, summed. */
  wall_s: number;
  /** runqueue_wait ÷ wall: the share of their time the threads lost waiting for a CPU, %. */
  runqueue_wait_percentage: number | null;
  /** Mean wait each time a thread was put on a CPU (schedstat's timeslices), µs. */
  mean_wakeup_delay_us: number | null;
}

export interface HostCpuSummary {
  host: string;
  /** CPUs the process could use (affinity, cgroup quota). */
  cores: number;
  /** The measured phase: the common start to the host's last accelerator's end. */
  wall_s: number;
  cpu_usr_s: number;
  cpu_sys_s: number;
  /** (usr + sys) ÷ (wall × cores), %. */
  cpu_utilisation_percentage: number;
}

export interface ClientSummary {
  basis: string;
  hosts_count: number;
  /** Busiest first; at most HOSTS_LISTED. */
  hosts: HostCpuSummary[];
  cpu_usr_s: number;
  cpu_sys_s: number;
  /** The busiest host's utilisation: saturation is per host. */
  cpu_utilisation_percentage: number | null;
  accelerator_threads: ThreadCpuSummary | null;
  loader_threads: ThreadCpuSummary | null;
  /** Simulated compute over the metric windows: configured (the draws) and measured. */
  compute: {
    steps: number;
    configured_s: number;
    measured_s: number;
    mean_over_configured_us: number;
  } | null;
}

const HOSTS_LISTED = 100;
const BASIS =
  'per host process: usr/sys CPU (process.cpuUsage) from the common start to its last accelerator end; ' +
  'threads: on-CPU and run-queue time from /proc/thread-self/schedstat over each thread’s measured phase';

const s = (us: number) => us / 1e6;
const pct = (share: number | null) => (share === null ? null : share * 100);

function threads(t: ThreadCpu | null): ThreadCpuSummary | null {
  if (!t) return null;
  return {
    threads: t.threads,
    cpu_s: s(t.runUs),
    runqueue_wait_s: s(t.waitUs),
    wall_s: s(t.wallUs),
    runqueue_wait_percentage: pct(waitShare(t)),
    mean_wakeup_delay_us: t.slices > 0 ? t.waitUs / t.slices : null,
  };
}

function host(h: HostCpu): HostCpuSummary {
  return {
    host: h.host,
    cores: h.cores,
    wall_s: s(h.wallUs),
    cpu_usr_s: s(h.usrUs),
    cpu_sys_s: s(h.sysUs),
    cpu_utilisation_percentage: hostUtilisation(h) * 100,
  };
}

export function clientSummary(run: RunAggregate): ClientSummary | null {
  const client = run.client;
  if (!client) return null;
  const hosts = [...client.hosts].sort((a, b) => hostUtilisation(b) - hostUtilisation(a));
  const compute = computeFacts(run);
  return {
    basis: BASIS,
    hosts_count: hosts.length,
    hosts: hosts.slice(0, HOSTS_LISTED).map(host),
    cpu_usr_s: s(hosts.reduce((n, h) => n + h.usrUs, 0)),
    cpu_sys_s: s(hosts.reduce((n, h) => n + h.sysUs, 0)),
    cpu_utilisation_percentage: hosts[0] ? hostUtilisation(hosts[0]) * 100 : null,
    accelerator_threads: threads(client.acceleratorThreads),
    loader_threads: threads(client.loaderThreads),
    compute: compute && {
      steps: compute.steps,
      configured_s: compute.configuredMs / 1000,
      measured_s: compute.measuredMs / 1000,
      mean_over_configured_us: ((compute.measuredMs - compute.configuredMs) / compute.steps) * 1000,
    },
  };
}
