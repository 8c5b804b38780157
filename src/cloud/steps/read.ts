/**
 * Read step: one Distributed Map child = one reader Lambda running the
 * accelerators of its batch (ItemBatcher; `--ranks-per-host`, one per reader
 * by default) with the same `runHost` as a local run (their accelerator and
 * loader threads inside the Lambda, one barrier across them, as on a host).
 * Everything before the common start — runtime init, module load, opening
 * storage, thread start-up — is measured and reported beside the window,
 * never in it.
 *
 * Long accelerators continue across invocations: the reader runs as many
 * epochs as its invocation has time for (src/cloud/continuation.ts), stores
 * them as a segment and returns the event of its next invocation; the state
 * machine loops until the reader says it is done. The last invocation joins
 * the segments into the partial one long run would have written.
 */
import type { RunPlan } from '../../dataset/types.ts';
import type { AcceleratorPartial } from '../../metrics/partial.ts';
import { runHost } from '../../train/host.ts';
import { invocationDeadline, joinSegments, longestEpochMs, nextSegmentEpochs } from '../continuation.ts';
import type { ReadEvent, ReadOutput } from '../events.ts';
import type { StepContext } from '../handler.ts';
import { runKeys } from '../keys.ts';
import { type HostProgress, joinSeries, ProgressTrack } from '../overlap.ts';
import type {
  InvocationRecord,
  ReaderHostRecord,
  ReaderPartialFile,
  ReaderSegmentFile,
  ReaderStartFacts,
} from '../records.ts';
import { invocationCost, loadRun, readJson, writeJson } from '../runtime.ts';
import { warmupStep } from './warmup.ts';

/** What one invocation ran. */
interface SegmentRun {
  partials: AcceleratorPartial[];
  nextEpoch: number;
  epochMs: number | null;
  progress: HostProgress;
}

const samplesOf = (ps: AcceleratorPartial[]) =>
  ps.reduce((n, p) => n + p.epochs.reduce((m, e) => m + e.samples, 0), 0);

const bytesOf = (ps: AcceleratorPartial[]) =>
  ps.reduce(
    (n, p) =>
      n + p.epochs.reduce((m, e) => m + (e.requests.GET?.bytes ?? 0) + (e.requests.HEAD?.bytes ?? 0), 0),
    0,
  );

/** Runs epoch ranges until the deadline leaves no room for another (the first always runs). */
async function runSegments(
  plan: RunPlan,
  accelerators: number[],
  s: { first: number; epochMs: number | null; deadline: number; startAt: number | undefined; host: string },
): Promise<SegmentRun> {
  const parts: AcceleratorPartial[][] = accelerators.map(() => []);
  const track = new ProgressTrack();
  let next = s.first;
  let epochMs = s.epochMs;
  for (let ran = false; ; ran = true) {
    const count = nextSegmentEpochs({
      next,
      end: plan.training.epochs,
      epochMs,
      msLeft: s.deadline - Date.now(),
      ranThisInvocation: ran,
    });
    if (count === 0) break;
    const result = await runHost(plan, accelerators, {
      startAt: ran ? undefined : s.startAt,
      host: s.host,
      epochs: { first: next, end: next + count },
      onProgress: (samples, bytes) => track.point(Date.now(), samples, bytes),
    });
    for (const [i, p] of result.partials.entries()) parts[i]?.push(p);
    const ended = Math.max(...result.partials.map((p) => p.end));
    track.endSegment(result.startedAt, ended, samplesOf(result.partials), bytesOf(result.partials));
    epochMs = longestEpochMs(result.partials, epochMs);
    next += count;
  }
  const partials = parts.map(joinSegments);
  return {
    partials,
    nextEpoch: next,
    epochMs,
    progress: {
      accelerators,
      start: Math.min(...partials.map((p) => p.start)),
      end: Math.max(...partials.map((p) => p.end)),
      series: track.series,
    },
  };
}

/** What the earlier invocations stored, per accelerator, in segment order (the last invocation reads them). */
async function earlierSegments(
  e: ReadEvent,
  ctx: StepContext,
  segment: number,
): Promise<ReaderSegmentFile[][]> {
  const keys = runKeys(e.BatchInput.runId);
  const out: ReaderSegmentFile[][] = [];
  for (const item of e.Items) {
    const own: ReaderSegmentFile[] = [];
    for (let k = 0; k < segment; k++) {
      own.push(await readJson<ReaderSegmentFile>(ctx.control, keys.readSegment(item.accelerator, k)));
    }
    out.push(own);
  }
  return out;
}

interface Current {
  invocation: InvocationRecord;
  start: ReaderStartFacts | null;
  progress: HostProgress;
}

/** The reader host over all its invocations: `earlier` are its lead accelerator's segment files. */
function hostRecord(earlier: ReaderSegmentFile[], current: Current): ReaderHostRecord {
  const start = earlier[0]?.start ?? current.start;
  const invocations = [...earlier.map((s) => s.invocation), current.invocation].filter(
    (r): r is InvocationRecord => r !== null,
  );
  const pieces = [...earlier.map((s) => s.progress), current.progress].filter(
    (p): p is HostProgress => p !== null,
  );
  const first = invocations[0];
  if (!start || !first) throw new Error('the reader’s segments lack its first invocation’s record');
  return {
    accelerators: current.progress.accelerators,
    first: { ...first, ...start },
    invocations,
    progress: {
      accelerators: current.progress.accelerators,
      start: Math.min(...pieces.map((p) => p.start)),
      end: Math.max(...pieces.map((p) => p.end)),
      series: joinSeries(pieces.map((p) => p.series)),
    },
  };
}

function startFacts(e: ReadEvent, run: SegmentRun, handlerStartAt: number): ReaderStartFacts {
  const startAt = e.BatchInput.startAt;
  return {
    startAt,
    handlerToStartMs: startAt - handlerStartAt,
    lateMs: Math.max(0, run.progress.start - startAt),
  };
}

/** Stores this invocation's partials: segments to continue from, or (done) the accelerators' final files. */
async function store(
  e: ReadEvent,
  ctx: StepContext,
  run: SegmentRun,
  done: boolean,
  current: Current,
): Promise<void> {
  const b = e.BatchInput;
  const segment = b.resume?.segment ?? 0;
  const keys = runKeys(b.runId);
  const earlier = done && segment > 0 ? await earlierSegments(e, ctx, segment) : [];
  for (const [i, { accelerator }] of e.Items.entries()) {
    const partial = run.partials[i] as AcceleratorPartial;
    const lead = i === 0;
    if (!done) {
      const file: ReaderSegmentFile = {
        partial,
        invocation: lead ? current.invocation : null,
        start: lead ? current.start : null,
        progress: lead ? current.progress : null,
      };
      await writeJson(ctx.control, keys.readSegment(accelerator, segment), file);
      continue;
    }
    const own = earlier[i] ?? [];
    const file: ReaderPartialFile = {
      partial: joinSegments([...own.map((s) => s.partial), partial]),
      reader: lead ? hostRecord(own, current) : null,
    };
    await writeJson(ctx.control, keys.readPartial(accelerator), file);
  }
}

export async function readStep(e: ReadEvent, ctx: StepContext): Promise<ReadOutput> {
  if (e.BatchInput.warmup) return warmupStep(e, ctx);
  const b = e.BatchInput;
  const { facts } = ctx;
  const accelerators = e.Items.map((i) => i.accelerator);
  const { plan } = await loadRun(ctx.control, b, { randomSeed: b.randomSeed });
  const segment = b.resume?.segment ?? 0;
  const run = await runSegments(plan, accelerators, {
    first: b.resume?.firstEpoch ?? 0,
    epochMs: b.resume?.epochMs ?? null,
    deadline: invocationDeadline(facts.handlerStartAt, b.budgetMs, ctx.remainingMs(), Date.now()),
    startAt: segment === 0 ? b.startAt : undefined,
    host: facts.host,
  });
  const done = run.nextEpoch >= plan.training.epochs;
  // The files about to be written, and (last invocation) the segments read back, are this invocation's requests.
  const pending = {
    PUT: accelerators.length,
    ...(done && segment > 0 ? { GET: accelerators.length * segment } : {}),
  };
  const current: Current = {
    invocation: { ...facts, ...invocationCost(facts, ctx.controlRequests, pending) },
    start: segment === 0 ? startFacts(e, run, facts.handlerStartAt) : null,
    progress: run.progress,
  };
  await store(e, ctx, run, done, current);
  const resume = { segment: segment + 1, firstEpoch: run.nextEpoch, epochMs: run.epochMs };
  return {
    done,
    accelerators,
    segment,
    epochsDone: run.nextEpoch,
    samples: samplesOf(run.partials),
    next: done ? null : { Items: e.Items, BatchInput: { ...b, resume } },
  };
}
