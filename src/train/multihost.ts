/**
 * One rank of a multi-host training run (SPEC §7, issue 12): the same
 * `runHost` as a local run and a reader Lambda, for this rank's contiguous
 * share of `run.accelerators`. The ranks agree on a common start through
 * objects (exec/rendezvous.ts): each writes a ready record, rank 0 writes the
 * start record — the common start and the run's random seed — and every rank
 * starts its accelerators then. Each writes one partial; rank 0 merges them
 * with the one merge (exec/rank-merge.ts) and writes the results and the
 * completion marker. The per-step barrier joins the accelerators of a host;
 * hosts share the start, not each step (like the cloud's readers).
 *
 * Rerunning a run id: complete → refused; started → a rank whose partial is
 * in place has nothing to do (rank 0 merges again), any other rank is refused
 * (a measured window cannot be rejoined); never started → starts afresh.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type { RunPlan } from '../dataset/types.ts';
import { UsageError } from '../errors.ts';
import { acceleratorsOf, type Placement } from '../exec/launcher.ts';
import {
  type CompleteRecord,
  type MergedRanks,
  mergeRanks,
  type TrainGo,
  type TrainPartialBody,
  type TrainReadyBody,
  trainSessionPrefix,
  writeRankResults,
} from '../exec/rank-merge.ts';
import { RankError, RankSession, type Received, type SessionTiming } from '../exec/rendezvous.ts';
import type { ResultsLocation } from '../exec/results-location.ts';
import { causeOf } from '../exec/signals.ts';
import { readHostFacts } from '../metrics/dlio-summary.ts';
import type { RunOutput } from '../metrics/results.ts';
import { reportResultFile } from '../report/write.ts';
import { type ReadyHost, startHost } from './host.ts';
import { assertStepsToRun, preflight, type TrainRunOptions } from './run.ts';
import { rankEpoch } from './schedule.ts';

export interface MultiHostTrain {
  placement: Placement;
  location: ResultsLocation;
  timing: SessionTiming & {
    /** The common start is this long after the last rank is ready (thread start-up happens in it). */
    startMarginMs: number;
  };
}

export interface RankTrainResult {
  runId: string;
  rank: number;
  world: number;
  accelerators: number[];
  /** Rank 0: the merged run. */
  merged?: MergedRanks & { files: string[] };
  /** This rank's partial was already in place from an earlier attempt of the run id. */
  resumed: boolean;
  threads: number;
}

/** The plan with the run's random seed (rank 0's, from the start record); undefined draws one. */
export type PlanFor = (randomSeed: number | null | undefined) => RunPlan;

function session(mh: MultiHostTrain, signal: AbortSignal | undefined): RankSession {
  const { rank, world } = mh.placement;
  return new RankSession({
    ...mh.timing,
    storage: mh.location.storage,
    prefix: trainSessionPrefix(mh.location.runId),
    rank,
    world,
    where: `${mh.location.display}/ranks/train`,
    signal,
  });
}

/** Refuses a complete run id; returns the start record of a started one whose partial this rank has. */
async function priorAttempt(s: RankSession, mh: MultiHostTrain): Promise<TrainGo | undefined> {
  const where = mh.location.display;
  const complete = await s.getJson<CompleteRecord>('complete.json');
  if (complete) {
    throw new UsageError(
      `run ${mh.placement.runId} is already complete (${complete.completed_at}; results in ${where}): give a new --run-id to run again (\`pqbench merge ${where}\` merges it again)`,
    );
  }
  const start = await s.startRecord<TrainGo>();
  if (start?.status !== 'go') return undefined;
  s.adopt(start.nonce);
  const mine = await s.readRecord<TrainPartialBody>('partials', s.rank);
  if (mine?.nonce === start.nonce) return start.data;
  throw new UsageError(
    `run ${mh.placement.runId} started at ${new Date(start.data.start_at).toISOString()} and rank ${s.rank} left no partial: a measured window cannot be rejoined; give a new --run-id, or merge what the other ranks left with \`pqbench merge ${where} --allow-missing\``,
  );
}

/** Rank 0: every rank must run the same workload in the same world. */
function checkReadies(
  readies: Received<TrainReadyBody & { world: number }>[],
  own: TrainReadyBody & { world: number },
): void {
  const odd = readies.filter((r) => r.body.config_hash !== own.config_hash || r.body.world !== own.world);
  if (odd.length === 0) return;
  const first = odd[0] as Received<TrainReadyBody & { world: number }>;
  throw new RankError(
    `rank ${odd.map((r) => r.rank).join(', ')} ${first.body.world !== own.world ? `counts a world of ${first.body.world}, rank 0 of ${own.world}` : `runs a different workload (config ${first.body.config_hash}, rank 0 ${own.config_hash})`}: every rank must run the same workload file and --set overrides`,
    odd.map((r) => r.rank),
  );
}

/** Ready records and the start: rank 0 decides, the others wait for it. */
async function agreeOnStart(
  s: RankSession,
  mh: MultiHostTrain,
  plan0: RunPlan,
  ready: TrainReadyBody & { world: number },
  output: RunOutput,
): Promise<{ go: TrainGo; readies: Received<TrainReadyBody>[] }> {
  if (s.rank !== 0) return { go: await s.awaitGo<TrainGo>(ready), readies: [] };
  await s.open();
  await s.record('ready', ready);
  const readies = await s.gather<TrainReadyBody & { world: number }>('ready');
  try {
    checkReadies(readies, ready);
  } catch (e) {
    await s.abort((e as Error).message, (e as RankError).ranks);
    throw e;
  }
  const go: TrainGo = {
    start_at: Date.now() + mh.timing.startMarginMs,
    margin_ms: mh.timing.startMarginMs,
    random_seed: plan0.training.shuffle.randomSeed,
    world: mh.placement.world,
    launcher: mh.placement.launcher,
    config_hash: output.configHash,
  };
  // `pqbench merge` resolves the plan from the config the ranks ran.
  await s.putText('config.yaml', output.configYaml);
  await s.go(go);
  return { go, readies };
}

/** Rank 0: waits for every partial and writes the merged results. */
async function mergeAsRankZero(
  s: RankSession,
  mh: MultiHostTrain,
  plan: RunPlan,
  go: TrainGo,
  output: RunOutput,
  options: TrainRunOptions,
): Promise<NonNullable<RankTrainResult['merged']>> {
  const partials = await s.gather<TrainPartialBody>('partials');
  const readies = await s.collect<TrainReadyBody>('ready');
  const merged = mergeRanks({
    plan,
    runId: mh.placement.runId,
    configHash: output.configHash,
    prices: options.prices,
    notices: options.notices ?? [],
    go,
    readies,
    partials,
  });
  const files = await writeRankResults(mh.location, s, merged, output.configYaml, (rendered) =>
    reportResultFile(mh.location.display, rendered),
  );
  return { ...merged, files };
}

async function trainAndRecord(
  s: RankSession,
  host: ReadyHost,
  accelerators: number[],
  go: TrainGo,
  readyAt: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  s.startHeartbeat();
  const result = await host.go(go.start_at);
  await s.stopHeartbeat();
  // An interrupted host may have returned what its threads had: that is no partial of the run.
  signal?.throwIfAborted();
  const body: TrainPartialBody = {
    host: hostname(),
    pid: process.pid,
    accelerators,
    partials: result.partials,
    wait_for_start_ms: go.start_at - readyAt,
    late_ms: Math.max(0, Math.min(...result.partials.map((p) => p.start)) - go.start_at),
    threads: result.threads,
  };
  await s.record('partials', body);
}

/**
 * The seed of a `random` shuffle in a multi-host run: drawn from the run id,
 * which is new for every run, so that every rank knows it before the start
 * and can have its threads ready when it says it is ready.
 */
export function runRandomSeed(runId: string): number {
  return Number.parseInt(createHash('sha256').update(runId).digest('hex').slice(0, 8), 16) >>> 1;
}

export async function runTrainingRank(
  planFor: PlanFor,
  output: RunOutput,
  mh: MultiHostTrain,
  options: TrainRunOptions = {},
): Promise<RankTrainResult> {
  const { rank, world, runId } = mh.placement;
  const plan = planFor(runRandomSeed(runId));
  assertStepsToRun(plan);
  const accelerators = acceleratorsOf(plan.training.accelerators, rank, world);
  const s = session(mh, options.signal);
  const result: RankTrainResult = { runId, rank, world, accelerators, resumed: false, threads: 0 };
  const prior = await priorAttempt(s, mh);
  let host: ReadyHost | undefined;
  try {
    if (prior) {
      result.resumed = true;
      if (rank === 0)
        result.merged = await mergeAsRankZero(s, mh, planFor(prior.random_seed), prior, output, options);
      return result;
    }
    // Rank 0's open record is its heartbeat; the others prove they are alive until they answer it.
    if (rank !== 0) s.startHeartbeat();
    const checked = await preflight(plan);
    for (const n of checked.notices) options.onNotice?.(n);
    // Threads up before the rank says it is ready: the common start is not spent starting them.
    const { steps, batchSize } = rankEpoch(plan, 0, 0);
    const total = steps * batchSize * accelerators.length * plan.training.epochs;
    host = await startHost(plan, accelerators, {
      signal: options.signal,
      onProgress: (samples, bytes) => options.onProgress?.({ samples, total, bytes }),
    });
    result.threads = host.threads;
    const ready = {
      host: hostname(),
      pid: process.pid,
      launcher: mh.placement.launcher,
      accelerators,
      config_hash: output.configHash,
      notices: checked.notices,
      page_cache: checked.pageCache,
      world,
      facts: readHostFacts(),
    };
    const readyAt = Date.now();
    const { go } = await agreeOnStart(s, mh, plan, ready, output);
    await trainAndRecord(s, host, accelerators, go, readyAt, options.signal);
    if (rank === 0) result.merged = await mergeAsRankZero(s, mh, plan, go, output, options);
    return result;
  } catch (e) {
    // A rank's own failure is recorded so that rank 0 stops at once; a RankError is about others.
    const cause = causeOf(e, options.signal);
    if (!(cause instanceof RankError)) await s.fail(cause.message);
    throw cause;
  } finally {
    host?.terminate();
    await s.stopHeartbeat();
  }
}
