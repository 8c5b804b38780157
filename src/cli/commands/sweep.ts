/**
 * `pqbench sweep <workload> --vary KEY=V1,V2 … | --find-max KEY [--au-min P]`:
 * the flags become a sweep definition, checked before anything runs (every
 * grid point's workload is loaded and resolved); a sweep id that already
 * has a sweep.json is resumed when its definition matches, and refused
 * naming what differs otherwise. ../sweep-run.ts runs the points.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadWorkload } from '../../config/load.ts';
import type { Workload } from '../../config/types.ts';
import { resolveRun } from '../../dataset/run-plan.ts';
import { UsageError } from '../../errors.ts';
import { assertRunIdShape } from '../../exec/launcher.ts';
import { isS3Folder } from '../../exec/results-location.ts';
import { configHash, makeRunId } from '../../metrics/results.ts';
import { SWEEP_FILE, type SweepDefinition, type SweepJson } from '../../metrics/sweep.ts';
import { withEnvironmentEndpoint } from '../../storage/endpoint.ts';
import { assertStepsToRun } from '../../train/run.ts';
import type { CliCommand, CommandContext } from '../command.ts';
import { loadCommandWorkload, parseRunFlags } from '../flags.ts';
import { runSweep, type SweepSetting } from '../sweep-run.ts';

const DEFAULTS = { repeats: 3, from: 1, max: 1024 };

function intFlag(ctx: CommandContext, name: string, fallback: number, min: number): number {
  const v = ctx.values[name];
  if (v === undefined) return fallback;
  const n = Number(v);
  if (typeof v !== 'string' || !/^\d+$/.test(v) || !Number.isSafeInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer ≥ ${min}, got '${String(v)}'`);
  return n;
}

/** `a..b` (integers, ascending) or comma-separated YAML scalars, as --set takes them. */
function valueTexts(text: string, flag: string): string[] {
  const range = /^(-?\d+)\.\.(-?\d+)$/.exec(text.trim());
  if (range) {
    const [from, to] = [Number(range[1]), Number(range[2])];
    if (to < from || to - from > 10_000)
      throw new UsageError(`${flag}: the range ${text} must ascend and hold at most 10,001 values`);
    return Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
  }
  const values = text.split(',').map((v) => v.trim());
  if (values.some((v) => v === '')) throw new UsageError(`${flag}: an empty value in '${text}'`);
  return values;
}

/** --vary KEY=V1,V2 (repeatable) → one list of settings per key. */
function parseVary(ctx: CommandContext): { key: string; values: SweepSetting[] }[] {
  const given = ctx.values.vary;
  const list = given === undefined ? [] : Array.isArray(given) ? given : [given];
  const seen = new Set<string>();
  return list.map((item) => {
    const text = String(item);
    const eq = text.indexOf('=');
    const key = text.slice(0, eq).trim();
    if (eq <= 0 || !/^[A-Za-z0-9_.]+$/.test(key))
      throw new UsageError(`--vary takes key.path=v1,v2,… or key.path=a..b, got '${text}'`);
    if (seen.has(key)) throw new UsageError(`--vary ${key} is given twice`);
    seen.add(key);
    const values = valueTexts(text.slice(eq + 1), `--vary ${key}`).map((t) => ({
      key,
      text: t,
      value: parse(t) as unknown,
    }));
    return { key, values };
  });
}

function auMinFlag(ctx: CommandContext, workload: Workload): number {
  const v = ctx.values['au-min'];
  if (v === undefined) return Number((workload.metric.au * 100).toFixed(6));
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n) || n <= 0 || n > 100)
    throw new UsageError(`--au-min is a percentage in (0, 100], got '${String(v)}'`);
  return n;
}

/** Every grid point's workload loads and resolves (a bad key or value fails now, not an hour in). */
async function checkPoints(file: string, overrides: string[], points: SweepSetting[][]): Promise<void> {
  for (const settings of points) {
    const { workload } = await loadWorkload(file, [
      ...overrides,
      ...settings.map((s) => `${s.key}=${s.text}`),
    ]);
    const plan = resolveRun(withWorkloadEndpoint(workload));
    if (!plan.workflow.train) throw new UsageError('a sweep trains at every point: workflow.train is false');
    assertStepsToRun(plan);
  }
}

const withWorkloadEndpoint = (w: Workload): Workload => ({
  ...w,
  storage: withEnvironmentEndpoint(w.storage),
});

/** The cross product of the varied keys' settings, the first key varying slowest. */
export function gridPoints(vary: { key: string; values: SweepSetting[] }[]): SweepSetting[][] {
  return vary.reduce<SweepSetting[][]>(
    (points, { values }) => points.flatMap((p) => values.map((v) => [...p, v])),
    [[]],
  );
}

function definitionOf(
  ctx: CommandContext,
  file: string,
  workload: Workload,
  vary: { key: string; values: SweepSetting[] }[],
): SweepDefinition {
  const findKey = ctx.values['find-max'];
  if (findKey !== undefined && typeof findKey !== 'string') throw new UsageError('--find-max takes a key');
  if (findKey === undefined && vary.length === 0)
    throw new UsageError('a sweep needs --vary key=v1,v2,… or --find-max key; see pqbench sweep --help');
  if (findKey !== undefined && vary.length > 0)
    throw new UsageError('--find-max searches one key on its own: give either --find-max or --vary');
  for (const f of ['from', 'max'])
    if (findKey === undefined && ctx.values[f] !== undefined)
      throw new UsageError(`--${f} goes with --find-max`);
  const from = intFlag(ctx, 'from', DEFAULTS.from, 1);
  const max = intFlag(ctx, 'max', DEFAULTS.max, from);
  return {
    workload_file: file,
    overrides: [...ctx.overrides],
    base_config_hash: configHash(workload),
    mode: findKey === undefined ? 'grid' : 'find_max',
    vary: vary.map((v) => ({ key: v.key, values: v.values.map((s) => s.value) })),
    find_max: findKey === undefined ? null : { key: findKey, from, max },
    au_min_percentage: auMinFlag(ctx, workload),
    repeats: intFlag(ctx, 'repeats', DEFAULTS.repeats, 1),
  };
}

/** The sweep.json of `dir`, when there is one; a resumed sweep must be the same sweep. */
async function earlierSweep(dir: string, definition: SweepDefinition): Promise<SweepJson | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, SWEEP_FILE), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  let earlier: SweepJson;
  try {
    earlier = JSON.parse(text) as SweepJson;
  } catch {
    throw new UsageError(`${join(dir, SWEEP_FILE)} is not valid JSON: use another --sweep-id`);
  }
  const differ = (Object.keys(definition) as (keyof SweepDefinition)[]).filter(
    (k) => JSON.stringify(earlier[k]) !== JSON.stringify(definition[k]),
  );
  if (differ.length > 0)
    throw new UsageError(
      `sweep ${earlier.sweep_id} in ${dir} was started with other settings (${differ.join(', ')} differ): resume it with the same workload and flags, or use another --sweep-id`,
    );
  return earlier;
}

export const command: CliCommand = {
  async run(ctx: CommandContext) {
    const flags = await parseRunFlags(ctx);
    const { path: file, workload } = await loadCommandWorkload(ctx);
    if (isS3Folder(workload.output.folder))
      throw new UsageError('a sweep writes its results to a local output.folder, not s3://');
    const vary = parseVary(ctx);
    const definition = definitionOf(ctx, file, workload, vary);
    const find = definition.find_max;
    await checkPoints(
      file,
      ctx.overrides,
      find ? [[{ key: find.key, text: String(find.from), value: find.from }]] : gridPoints(vary),
    );
    const id = ctx.values['sweep-id'];
    if (id !== undefined && typeof id !== 'string') throw new UsageError('--sweep-id takes a name');
    if (id !== undefined) assertRunIdShape(id, '--sweep-id');
    const sweepId =
      id ?? makeRunId({ ...workload, model: { ...workload.model, name: `sweep-${workload.model.name}` } });
    const dir = join(workload.output.folder, sweepId);
    const earlier = await earlierSweep(dir, definition);
    await runSweep(ctx, { id: sweepId, dir, definition, workload, grid: gridPoints(vary), earlier, flags });
  },
};
