/**
 * Which point a sweep runs next, and what its points answer. `--find-max`
 * searches one integer key: grow (from, 2·from, 4·from … up to max) while
 * points pass, then bisect between the last that passed and the first that
 * failed. It stops at a point whose verdict says the client saturated, or
 * that is invalid for another reason: neither measured the storage, so
 * neither is an answer. The search is a pure function of the outcomes known
 * so far, so a resumed sweep replays the same decisions and runs only what
 * is missing. A grid (`--vary`) over one numeric key is answered the same
 * way from its points in ascending order.
 */
import { meanAndSpread } from './spread.ts';
import type { PointOutcome, SweepAnswer, SweepJson, SweepPoint } from './sweep.ts';

export interface SearchBounds {
  from: number;
  max: number;
}

type Outcomes = ReadonlyMap<number, PointOutcome>;

/** Where the search stands: a value to run next, or the values its answer rests on. */
export type SearchStep =
  | { next: number }
  | {
      done: 'max' | 'none' | 'limit' | 'client_saturated' | 'invalid';
      /** The largest passing value (null: none passed). */
      passed: number | null;
      /** The value the search stopped at (failed, saturated or invalid); null at the limit. */
      stopped: number | null;
    };

function grow(outcomes: Outcomes, bounds: SearchBounds): SearchStep | { lo: number; hi: number } {
  let passed: number | null = null;
  let v = bounds.from;
  while (true) {
    const outcome = outcomes.get(v);
    if (outcome === undefined) return { next: v };
    if (outcome === 'client_saturated' || outcome === 'invalid') return { done: outcome, passed, stopped: v };
    if (outcome === 'fail') return { lo: passed ?? 0, hi: v };
    passed = v;
    if (v >= bounds.max) return { done: 'limit', passed, stopped: null };
    v = Math.min(bounds.max, v * 2);
  }
}

export function searchStep(outcomes: Outcomes, bounds: SearchBounds): SearchStep {
  const grown = grow(outcomes, bounds);
  if (!('lo' in grown)) return grown;
  let { lo, hi } = grown;
  // lo 0 stands for "nothing passed": the values below the first failure are searched too.
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const outcome = outcomes.get(mid);
    if (outcome === undefined) return { next: mid };
    if (outcome === 'client_saturated' || outcome === 'invalid')
      return { done: outcome, passed: lo, stopped: mid };
    if (outcome === 'pass') lo = mid;
    else hi = mid;
  }
  return lo === 0 ? { done: 'none', passed: null, stopped: hi } : { done: 'max', passed: lo, stopped: hi };
}

/** A grid over one numeric key, answered like the search: ascending, up to the first point that does not pass. */
export function gridStep(outcomes: Outcomes): SearchStep | null {
  const values = [...outcomes.keys()].sort((a, b) => a - b);
  if (values.length === 0) return null;
  let passed: number | null = null;
  for (const v of values) {
    const outcome = outcomes.get(v) as PointOutcome;
    if (outcome === 'pass') {
      passed = v;
      continue;
    }
    if (outcome === 'fail')
      return passed === 0 ? { done: 'none', passed, stopped: v } : { done: 'max', passed, stopped: v };
    return { done: outcome, passed, stopped: v };
  }
  return { done: 'limit', passed, stopped: null };
}

/** `run.accelerators` → "accelerators" (one accelerator, several accelerators). */
function noun(key: string, value: number): string {
  const last = key.split('.').pop() ?? key;
  return value === 1 && last.endsWith('s') ? last.slice(0, -1) : last;
}

const one = (x: number | null) => (x === null ? 'n/a' : x.toFixed(1));

/** "3 repeats, AU 91.2 ± 0.8" of a point. */
function figures(point: SweepPoint | undefined, withCount: boolean): string {
  if (!point) return 'AU n/a';
  const { mean, stdev } = meanAndSpread(point.repeats.map((r) => r.au_mean_percentage));
  const au = `AU ${one(mean)}${stdev === null ? '' : ` ± ${one(stdev)}`}`;
  const n = point.repeats.length;
  return withCount ? `${n} repeat${n === 1 ? '' : 's'}, ${au}` : au;
}

function invalidCodes(point: SweepPoint | undefined): string {
  const codes = new Set(
    (point?.repeats ?? []).filter((r) => r.verdict.status === 'invalid').flatMap((r) => r.verdict.codes),
  );
  return [...codes].join(', ') || 'invalid';
}

/** The sweep's answer in words, from where the search (or the grid) stopped. */
export function answerOf(
  step: Extract<SearchStep, { done: string }>,
  key: string,
  auMin: number,
  pointAt: (value: number) => SweepPoint | undefined,
): SweepAnswer {
  const what = `max ${noun(key, 2)} at AU ≥ ${auMin} %`;
  const { passed, stopped } = step;
  const passedText = passed !== null ? `${passed} (${figures(pointAt(passed), true)})` : 'none';
  const stop = stopped === null ? undefined : pointAt(stopped);
  const at = (v: number) => `${v} ${noun(key, v)}`;
  const texts: Record<typeof step.done, () => string> = {
    max: () => `${what}: ${passedText}; ${stopped} fails (${figures(stop, false)})`,
    none: () => `${what}: none; ${stopped} fails (${figures(stop, true)})`,
    limit: () => `${what}: at least ${passedText}, the largest value tried: raise --max to look further`,
    client_saturated: () =>
      `client saturated at ${at(stopped as number)} before the storage: add hosts${passed !== null ? ` (${what}: at least ${passedText})` : ''}`,
    invalid: () =>
      `no answer: ${key}=${stopped} is invalid (${invalidCodes(stop)}): its figures do not measure the storage${passed !== null ? `; ${what}: at least ${passedText}` : ''}`,
  };
  return {
    kind: step.done,
    text: texts[step.done](),
    value: passed,
    stopped_at: stopped,
  };
}

/** The outcomes known so far by the key's value (points of a one-key sweep). */
function outcomesByValue(sweep: SweepJson, key: string): Map<number, PointOutcome> {
  const outcomes = new Map<number, PointOutcome>();
  for (const p of sweep.points) {
    const v = p.settings[key];
    if (typeof v === 'number' && p.outcome !== null) outcomes.set(v, p.outcome);
  }
  return outcomes;
}

/** The value --find-max runs next; undefined when the search is done. */
export function nextSearchValue(sweep: SweepJson): number | undefined {
  const find = sweep.find_max;
  if (!find) return undefined;
  const step = searchStep(outcomesByValue(sweep, find.key), { from: find.from, max: find.max });
  return 'next' in step ? step.next : undefined;
}

/**
 * The sweep's answer so far: the search's, or for a grid over one numeric
 * key the same reading of its points; null while there is none yet, and for
 * grids over several keys (their table is the answer).
 */
export function sweepAnswer(sweep: SweepJson): SweepAnswer | null {
  const key = sweep.find_max?.key ?? (sweep.vary.length === 1 ? sweep.vary[0]?.key : undefined);
  if (key === undefined) return null;
  const outcomes = outcomesByValue(sweep, key);
  const step = sweep.find_max
    ? searchStep(outcomes, { from: sweep.find_max.from, max: sweep.find_max.max })
    : sweep.vary[0]?.values.every((v) => typeof v === 'number') &&
        sweep.points.every((p) => p.outcome !== null)
      ? gridStep(outcomes)
      : null;
  if (step === null || 'next' in step) return null;
  const pointAt = (value: number) => sweep.points.find((p) => p.settings[key] === value);
  return answerOf(step, key, sweep.au_min_percentage, pointAt);
}
