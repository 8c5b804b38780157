/**
 * `pqbench dlio …`: dlio_benchmark's command line, as mlpstorage builds it
 * (mlcommons/storage, mlpstorage benchmarks/dlio.py generate_dlio_command):
 *
 *   pqbench dlio workload=dlrm_b200 ++hydra.run.dir=<dir> ++hydra.output_subdir=dlio_config \
 *     ++workload.dataset.num_files_train=1024 ++workload.dataset.data_folder=/mnt/nvme/data/dlrm \
 *     --config-dir=<repo>/configs/dlio
 *
 * `workload=<name>` picks `<config-dir>/workload/<name>.yaml`, the
 * `++workload.*` overrides apply to it, and the run goes as `pqbench run`
 * would, except where DLIO puts things: results straight into the output
 * folder (output.folder, else $DLIO_OUTPUT_FOLDER, else hydra.run.dir, else
 * Hydra's default hydra_log/<model>/<date>-<time>), Hydra's config copies
 * into <hydra.run.dir>/<hydra.output_subdir>/, and the printed lines into
 * dlio.log. Under a launcher (mpirun, srun, …) the multi-host path of
 * `pqbench run` takes over.
 */
import { access, appendFile } from 'node:fs/promises';
import path from 'node:path';
import type { ParsedWorkload } from '../../config/load.ts';
import type { Workload } from '../../config/types.ts';
import { resolveRun } from '../../dataset/run-plan.ts';
import { UsageError } from '../../errors.ts';
import { type HydraRecord, writeHydraFiles } from '../../metrics/dlio-hydra.ts';
import { runOutput } from '../../metrics/results.ts';
import { mkdirShared } from '../../storage/local-fs.ts';
import type { CliCommand, CommandContext } from '../command.ts';
import { DLIO_DEFAULTS, dlioWorkload, unknownWorkload } from '../dlio-workload.ts';
import { loadWorkloadFile, parseRunFlags, type RunFlags } from '../flags.ts';
import {
  generateRankAndReport,
  type MultiHostFlags,
  parseMultiHostFlags,
  trainRankAndReport,
} from '../multihost.ts';
import { generateAndReport } from './generate.ts';
import { trainAndReport } from './train.ts';

const USAGE =
  'pqbench dlio workload=<name> [++workload.key.path=value …] [++hydra.run.dir=<dir>] [++hydra.output_subdir=<name>] ' +
  '--config-dir=<dir> [options]; see pqbench dlio --help';

/** A Hydra config-group name: path segments of letters, digits, '_', '-', '.', never '..'. */
const GROUP_NAME = /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/;

const isHydraOverride = (o: string) => /^\+{0,2}hydra\./.test(o);

/** The one `workload=<name>` argument (Hydra also takes `+`/`++` before it); anything else is named. */
export function workloadChoice(positionals: string[]): string {
  let name: string | undefined;
  for (const arg of positionals) {
    const match = /^\+{0,2}workload=(.*)$/.exec(arg);
    if (!match) {
      throw new UsageError(
        `unexpected argument '${arg}': pqbench dlio takes workload=<name>, ++workload.key.path=value, ++hydra.key=value and --config-dir=<dir>`,
      );
    }
    if (name !== undefined) throw new UsageError(`'${arg}': workload= is given twice`);
    name = match[1] as string;
    if (!GROUP_NAME.test(name) || name.split('/').includes('..')) {
      throw new UsageError(`workload=${name} is not a config name (letters, digits, _ - . and /)`);
    }
  }
  if (name === undefined) throw new UsageError(`workload=<name> is required; usage: ${USAGE}`);
  return name;
}

async function workloadFile(configDir: unknown, name: string): Promise<string> {
  if (typeof configDir !== 'string' || configDir === '') {
    throw new UsageError(`--config-dir=<dir> is required: the directory holding workload/${name}.yaml`);
  }
  const file = path.join(configDir, 'workload', `${name}.yaml`);
  try {
    await access(file);
  } catch {
    throw await unknownWorkload(name, configDir, file);
  }
  return file;
}

/** `YYYY-MM-DD-HH-MM-SS` of the local time, Hydra's `${now:%Y-%m-%d}-${now:%H-%M-%S}`. */
function hydraNow(at: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}-${p(at.getMonth() + 1)}-${p(at.getDate())}-${p(at.getHours())}-${p(at.getMinutes())}-${p(at.getSeconds())}`;
}

/**
 * Hydra's run directory: hydra.run.dir, else dlio_benchmark's default
 * ./hydra_log/<model>/<date>-<time> — under a launcher <run-id> instead of
 * the time, so that every rank names the same folder.
 */
export function hydraRunDir(parsed: ParsedWorkload, at: Date = new Date(), runId?: string): string {
  return parsed.hydra.runDir ?? path.join('hydra_log', parsed.workload.model.name, runId ?? hydraNow(at));
}

/** DLIO's output folder (utils/config.py LoadConfig): output.folder, else $DLIO_OUTPUT_FOLDER, else Hydra's run dir. */
export function dlioOutputDir(
  parsed: ParsedWorkload,
  runDir: string,
  env: NodeJS.ProcessEnv = process.env,
): string {
  const output = parsed.composed.output;
  const folder =
    typeof output === 'object' && output !== null ? (output as Record<string, unknown>).folder : undefined;
  if (typeof folder === 'string' && folder !== '') return folder;
  return env.DLIO_OUTPUT_FOLDER || runDir;
}

/** What Hydra records of a run: the composed config and the overrides as given. */
export function hydraRecord(
  parsed: ParsedWorkload,
  overrides: string[],
  runDir: string,
  workloadName?: string,
): HydraRecord {
  const task = overrides.filter((o) => !isHydraOverride(o));
  return {
    runDir,
    outputSubdir: parsed.hydra.outputSubdir,
    composed: parsed.composed,
    taskOverrides: workloadName ? [`workload=${workloadName}`, ...task] : task,
    hydraOverrides: overrides.filter(isHydraOverride),
    workloadName,
  };
}

/** The context with every printed line also appended to `<dir>/dlio.log`, as DLIO logs into its output folder. */
function loggedTo(ctx: CommandContext, dir: string): { ctx: CommandContext; flush: () => Promise<void> } {
  const log = path.join(dir, 'dlio.log');
  // A failed append is kept for flush (one line, exit 2), never left as an unhandled rejection.
  let failure: unknown;
  let written = Promise.resolve();
  const tee = (print: (line: string) => void) => (line: string) => {
    print(line);
    written = written
      .then(() => mkdirShared(dir))
      .then(() => appendFile(log, `${line}\n`))
      .catch((error: unknown) => {
        failure ??= error;
      });
  };
  const flush = async () => {
    await written;
    if (failure !== undefined)
      throw new UsageError(`cannot write ${log}: ${(failure as Error).message ?? String(failure)}`);
  };
  return { ctx: { ...ctx, stdout: tee(ctx.stdout), stderr: tee(ctx.stderr) }, flush };
}

/** generate and/or train, on this host or as one rank of a launcher's run. */
async function runWorkflow(
  ctx: CommandContext,
  run: { workload: Workload; notices: string[] },
  outputDir: string,
  flags: RunFlags,
  multiHost: MultiHostFlags | undefined,
): Promise<void> {
  const { workload, notices } = run;
  if (!workload.workflow.generate_data && !workload.workflow.train) {
    ctx.stderr('notice: workflow.generate_data and workflow.train are both false; nothing to do');
    return;
  }
  const plan = resolveRun(workload);
  if (multiHost) {
    if (plan.workflow.generateData) await generateRankAndReport(ctx, workload, plan, flags, multiHost);
    if (plan.workflow.train) await trainRankAndReport(ctx, workload, notices, flags, multiHost);
    return;
  }
  const output = runOutput(workload, undefined, outputDir);
  if (plan.workflow.generateData)
    // DLIO's output folder already holds Hydra's copies of the config: generate.json goes in alone.
    await generateAndReport(ctx, plan, flags, { output, own: false });
  if (plan.workflow.train) await trainAndReport(ctx, plan, output, notices, flags);
}

export const command: CliCommand = {
  async run(ctx: CommandContext) {
    const name = workloadChoice(ctx.positionals);
    const file = await workloadFile(ctx.values['config-dir'], name);
    const flags = await parseRunFlags(ctx);
    const launched = parseMultiHostFlags(ctx);
    // The same endpoint resolution as every other command (S3_ENDPOINT, AWS_ENDPOINT_URL(_S3)).
    const parsed = await loadWorkloadFile(file, ctx.overrides, DLIO_DEFAULTS);
    const runDir = hydraRunDir(parsed, new Date(), launched?.placement.runId);
    const outputDir = dlioOutputDir(parsed, runDir);
    // Every rank's files go where DLIO's would: the run's folder itself, not <output.folder>/<run-id>.
    const multiHost = launched && { ...launched, resultsDir: outputDir };
    const shaped = dlioWorkload(parsed, launched?.placement.world);
    const notices = [...parsed.notices, ...shaped.notices];
    const logged = loggedTo(ctx, outputDir);
    try {
      for (const n of notices) logged.ctx.stderr(`notice: ${n}`);
      // Rank 0 writes Hydra's copies; the others would write the same files at the same time.
      if ((launched?.placement.rank ?? 0) === 0)
        await writeHydraFiles(hydraRecord(parsed, ctx.overrides, runDir, name));
      await runWorkflow(logged.ctx, { workload: shaped.workload, notices }, outputDir, flags, multiHost);
    } catch (error) {
      // The run's own error is the one to report; the log's, if any, is secondary.
      await logged.flush().catch(() => {});
      throw error;
    }
    await logged.flush();
  },
};
