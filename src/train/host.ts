/**
 * The accelerators of one host (SPEC §5, §7): for each, an accelerator thread
 * and `read_threads` loader threads, wired with message ports and shared
 * memory; all start together at a common time once every thread is ready
 * (thread start-up stays out of the measured window) and meet at a per-step
 * barrier. Returns one exactly-mergeable partial per accelerator. The local
 * run, each process of a multi-host run and each reader Lambda call this.
 */

import { hostname } from 'node:os';
import { MessageChannel, type MessagePort, type Transferable } from 'node:worker_threads';
import type { RunPlan } from '../dataset/types.ts';
import { HostCpuMeter } from '../exec/cpu.ts';
import { ThreadGroup, type ThreadSpec } from '../exec/threads.ts';
import type { HostCpu } from '../metrics/client.ts';
import { type AcceleratorPartial, assemblePartial, type IoPart } from '../metrics/partial.ts';
import type { StepRecord } from '../metrics/step.ts';
import { DEFAULT_INTERVAL_MS } from '../metrics/timeseries.ts';
import type { EpochRange } from './accelerator.ts';
import type { AcceleratorResult, AcceleratorTaskArgs } from './accelerator-task.ts';
import { Control, HostBarrier, newControl } from './control.ts';
import type { LoaderTaskArgs, LoaderThreadResult } from './loader-task.ts';

export interface HostOptions {
  /** Earliest common start (ms since the epoch); the threads' start-up is waited for in any case. */
  startAt?: number;
  /** Where these accelerators run (default: the hostname). */
  host?: string;
  /** Directory for requests.csv parts (`requestsCsvPart`). */
  requestsCsvDir?: string;
  /** Collect every delivered sample's id (tests). */
  collectIds?: boolean;
  /** Keep every step record (benchmarks: per-step compute, AU recomputed from the steps). */
  collectSteps?: boolean;
  /** Progress: samples delivered and bytes received so far over this host's accelerators. */
  onProgress?: (samples: number, bytes: number) => void;
  signal?: AbortSignal;
  /** Only these epochs (default: all): a cloud reader continuing a long accelerator. */
  epochs?: EpochRange;
}

export interface HostResult {
  /** SIGINT/SIGTERM stopped the run: the partials hold this many completed epochs (from the first run). */
  stoppedAfter?: number;
  partials: AcceleratorPartial[];
  /** Threads started: one per accelerator and one per loader worker. */
  threads: number;
  /** The common start the accelerators began at (ms since the epoch). */
  startedAt: number;
  /** Per accelerator, when collected: (unit, row) pairs in step order. */
  ids?: Int32Array[];
  /** Per accelerator, when collected: every step record. */
  steps?: StepRecord[][];
}

export function requestsCsvPart(dir: string, accelerator: number, worker: number): string {
  return `${dir}/requests.${accelerator}.${worker}.csv.part`;
}

/** The thread specs of one accelerator: its own thread first, then its loaders. */
function acceleratorThreads(
  plan: RunPlan,
  accelerator: number,
  wiring: { control: Control; barrier: SharedArrayBuffer; parties: number },
  options: HostOptions,
): ThreadSpec[] {
  const workers = plan.loader.readThreads;
  const channels = Array.from({ length: workers }, () => new MessageChannel());
  const csv = (w: number) =>
    options.requestsCsvDir ? requestsCsvPart(options.requestsCsvDir, accelerator, w) : undefined;
  const collectIds = options.collectIds ?? false;
  const ports: MessagePort[] = channels.map((c) => c.port1);
  const own: AcceleratorTaskArgs = {
    plan,
    accelerator,
    workers,
    control: wiring.control.buffers,
    barrier: wiring.barrier,
    parties: wiring.parties,
    ports,
    requestsCsvPath: workers === 0 ? csv(0) : undefined,
    collectIds,
    collectSteps: options.collectSteps ?? false,
    epochs: options.epochs,
  };
  const loaders: ThreadSpec[] = channels.map((c, worker) => {
    const args: LoaderTaskArgs = {
      plan,
      accelerator,
      worker,
      workers,
      control: wiring.control.buffers,
      port: c.port2,
      requestsCsvPath: csv(worker),
      collectIds,
      epochs: options.epochs,
    };
    return {
      module: 'loader',
      exportName: 'loaderTask',
      args,
      transfer: [c.port2 as unknown as Transferable],
    };
  });
  const first: ThreadSpec = {
    module: 'accelerator',
    exportName: 'acceleratorTask',
    args: own,
    transfer: ports as unknown as Transferable[],
  };
  return [first, ...loaders];
}

/** Epochs every accelerator completed when a signal stopped them (undefined: none was stopped). */
function stoppedAfter(plan: RunPlan, accelerators: number[], results: unknown[]): number | undefined {
  const per = 1 + plan.loader.readThreads;
  const own = accelerators.map((_, i) => results[i * per] as AcceleratorResult);
  if (own.every((r) => r.stoppedAfter === undefined)) return undefined;
  return Math.min(...own.map((r) => r.stoppedAfter ?? Number.POSITIVE_INFINITY));
}

/** A loader's part; a stopped loader's cut to the `epochs` its accelerator completed. */
function loaderPart(result: LoaderThreadResult, epochs: number | undefined): IoPart {
  if (!('stopped' in result)) return result;
  const part = epochs === undefined ? undefined : result.parts[epochs];
  if (!part) throw new Error(`a stopped loader kept no part for ${epochs} completed epochs`);
  return part;
}

/** Joins each accelerator's thread results into its partial. */
function partialsOf(
  plan: RunPlan,
  accelerators: number[],
  results: unknown[],
  host: string,
  hostCpu: HostCpu,
): { partials: AcceleratorPartial[]; ids: Int32Array[]; steps: StepRecord[][]; stopped?: number } {
  const per = 1 + plan.loader.readThreads;
  const stopped = stoppedAfter(plan, accelerators, results);
  const partials: AcceleratorPartial[] = [];
  const ids: Int32Array[] = [];
  const steps: StepRecord[][] = [];
  accelerators.forEach((accelerator, i) => {
    const own = results[i * per] as AcceleratorResult;
    const loaders = results.slice(i * per + 1, (i + 1) * per) as LoaderThreadResult[];
    const io = own.io ? [own.io] : loaders.map((r) => loaderPart(r, stopped));
    const ownSteps =
      stopped === undefined
        ? own.steps
        : { ...own.steps, epochs: own.steps.epochs.filter((e) => e.epoch < stopped) };
    partials.push(
      assemblePartial(
        { accelerator, host, randomSeed: plan.training.shuffle.randomSeed },
        ownSteps,
        io,
        hostCpu,
      ),
    );
    if (own.ids) ids.push(own.ids);
    if (own.trace) steps.push(own.trace);
  });
  return { partials, ids, steps, stopped };
}

/** After SIGINT/SIGTERM, how long threads get to return what they completed (a GET in flight ends first). */
const STOP_GRACE_MS = 15_000;

/** A host whose threads are up and ready: `go` starts the run, `terminate` abandons it. */
export interface ReadyHost {
  threads: number;
  /** Starts every accelerator at `startAt` (ms since the epoch; now if earlier) and waits for the run. */
  go(startAt?: number): Promise<HostResult>;
  /** Stops the threads without a run (a multi-host start that was aborted). */
  terminate(): void;
}

/**
 * Starts the threads of `accelerators` and waits until every one is ready
 * (storage clients open, codecs warm): what a rank must have done before it
 * tells the others it is ready, so that the common start is not spent
 * starting threads.
 */
export async function startHost(
  plan: RunPlan,
  accelerators: number[],
  options: HostOptions = {},
): Promise<ReadyHost> {
  const barrier = HostBarrier.create();
  const controls = accelerators.map(() => new Control(newControl(plan.loader.readThreads)));
  const specs = accelerators.flatMap((k, i) =>
    acceleratorThreads(
      plan,
      k,
      { control: controls[i] as Control, barrier, parties: accelerators.length },
      options,
    ),
  );
  const abortAll = () => {
    for (const c of controls) c.abort();
    new HostBarrier(barrier, accelerators.length).abort();
  };
  const group = new ThreadGroup(specs, { onFailure: abortAll });
  // A signal stops the threads, which return their completed epochs; a thread that fails aborts all.
  const onAbort = () => {
    for (const c of controls) c.stop();
    new HostBarrier(barrier, accelerators.length).abort();
    setTimeout(() => group.terminate(), STOP_GRACE_MS).unref();
  };
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener('abort', onAbort, { once: true });
  const release = () => {
    options.signal?.removeEventListener('abort', onAbort);
    group.terminate();
  };
  try {
    await group.ready();
  } catch (error) {
    release();
    throw error;
  }
  return {
    threads: specs.length,
    terminate: release,
    go: async (startAt = 0) => {
      try {
        return await runReadyHost(plan, accelerators, options, {
          group,
          controls,
          startAt,
          threads: specs.length,
        });
      } finally {
        release();
      }
    },
  };
}

async function runReadyHost(
  plan: RunPlan,
  accelerators: number[],
  options: HostOptions,
  ready: { group: ThreadGroup; controls: Control[]; startAt: number; threads: number },
): Promise<HostResult> {
  const { group, controls } = ready;
  const progress = setInterval(() => {
    const samples = controls.reduce((n, c) => n + c.samplesDone, 0);
    options.onProgress?.(
      samples,
      controls.reduce((n, c) => n + c.bytesReceived, 0),
    );
  }, 500);
  const host = options.host ?? hostname();
  const cpu = new HostCpuMeter(DEFAULT_INTERVAL_MS, host);
  try {
    const startedAt = Math.max(ready.startAt, Date.now());
    cpu.start();
    for (const c of controls) c.go(startedAt);
    const results = await group.done;
    const { partials, ids, steps, stopped } = partialsOf(plan, accelerators, results, host, cpu.stop());
    return {
      stoppedAfter: stopped,
      partials,
      startedAt,
      threads: ready.threads,
      ids: options.collectIds ? ids : undefined,
      steps: options.collectSteps ? steps : undefined,
    };
  } finally {
    clearInterval(progress);
    cpu.stop();
  }
}

export async function runHost(
  plan: RunPlan,
  accelerators: number[],
  options: HostOptions = {},
): Promise<HostResult> {
  const host = await startHost(plan, accelerators, options);
  return host.go(options.startAt);
}
