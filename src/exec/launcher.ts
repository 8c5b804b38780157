/**
 * A process's place in a multi-host run (SPEC §7, issue 12): its rank and the
 * world size, taken from the environment an existing launcher sets — Open MPI,
 * MPICH/Hydra (PMI), Slurm's srun, Kubernetes Indexed Jobs, AWS Batch array
 * jobs — or from explicit --rank/--world, plus the run id that ties the
 * processes together. Pure: the environment comes in as a plain object.
 *
 * Precedence: explicit --rank/--world win over any environment. Otherwise the
 * innermost launcher wins (an `mpirun` inside a Slurm allocation sees both
 * OMPI_* and SLURM_*; the MPI rank is the process's own). Values that
 * contradict each other at the same level — --world against the launcher's
 * world size, Open MPI against PMI, a rank outside the world — are an error.
 */
import { UsageError } from '../errors.ts';

export type LauncherName = 'flags' | 'openmpi' | 'mpich' | 'slurm' | 'kubernetes' | 'aws-batch';

export interface Placement {
  rank: number;
  world: number;
  launcher: LauncherName;
  /** Where rank and world came from, for messages: "OMPI_COMM_WORLD_RANK/SIZE", "--rank/--world". */
  source: string;
  /** Shared by every process of the run: --run-id, or derived from the launcher's job id. */
  runId: string;
  runIdSource: string;
  /** Things the user should know (ignored launcher variables, an sbatch script outside srun). */
  notices: string[];
}

export interface PlacementFlags {
  rank?: number;
  world?: number;
  runId?: string;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** What one launcher's variables say; `world` undefined when the launcher does not tell (Kubernetes). */
interface Reading {
  launcher: Exclude<LauncherName, 'flags'>;
  source: string;
  rank: number;
  world: number | undefined;
  /** The launcher's job id as a run id, when it has one. */
  jobRunId?: string;
}

const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,159}$/;

/** Throws unless `runId` can name a results folder and an object prefix. */
export function assertRunIdShape(runId: string, source = '--run-id'): void {
  if (!RUN_ID.test(runId)) {
    throw new UsageError(
      `${source} '${runId}' must be 1-160 characters of A-Z a-z 0-9 . _ - and start with a letter or digit`,
    );
  }
}

/** A launcher's job id made into a run id: `openmpi-566493185`, `slurm-1234.0`, `batch-<uuid>`. */
function jobRunId(prefix: string, id: string | undefined): string | undefined {
  if (id === undefined || id.trim() === '') return undefined;
  const clean = id.trim().replace(/[^A-Za-z0-9._-]+/g, '-');
  return `${prefix}-${clean}`.slice(0, 160);
}

function intVar(env: Env, name: string, min: number): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!/^\s*\d+\s*$/.test(raw) || !Number.isSafeInteger(n) || n < min) {
    throw new UsageError(`${name}='${raw}' is not an integer ≥ ${min}`);
  }
  return n;
}

/** Both variables of a rank/size pair, or neither; one without the other is an error. */
function pair(env: Env, rankVar: string, sizeVar: string): { rank: number; world: number } | undefined {
  const rank = intVar(env, rankVar, 0);
  const world = intVar(env, sizeVar, 1);
  if (rank === undefined && world === undefined) return undefined;
  if (rank === undefined || world === undefined) {
    throw new UsageError(
      `${rank === undefined ? sizeVar : rankVar} is set but ${rank === undefined ? rankVar : sizeVar} is not`,
    );
  }
  return { rank, world };
}

function openMpi(env: Env): Reading | undefined {
  const p = pair(env, 'OMPI_COMM_WORLD_RANK', 'OMPI_COMM_WORLD_SIZE');
  if (!p) return undefined;
  const job = env.OMPI_MCA_ess_base_jobid ?? env.PMIX_NAMESPACE;
  return {
    launcher: 'openmpi',
    source: 'OMPI_COMM_WORLD_RANK/SIZE',
    ...p,
    jobRunId: jobRunId('openmpi', job),
  };
}

function mpich(env: Env): Reading | undefined {
  const p = pair(env, 'PMI_RANK', 'PMI_SIZE');
  return p ? { launcher: 'mpich', source: 'PMI_RANK/PMI_SIZE', ...p } : undefined;
}

/** srun tasks only: an sbatch script has SLURM_NTASKS of the whole allocation but is one process. */
function slurm(env: Env, notices: string[]): Reading | undefined {
  const step = env.SLURM_STEP_ID ?? env.SLURM_STEPID;
  const sizeVar = env.SLURM_NTASKS !== undefined ? 'SLURM_NTASKS' : 'SLURM_NPROCS';
  if (step === undefined) {
    const tasks = intVar(env, sizeVar, 1);
    if (env.SLURM_PROCID !== undefined && tasks !== undefined && tasks > 1) {
      notices.push(
        `${sizeVar}=${tasks} but no SLURM_STEP_ID: this is not an srun task (an sbatch script?), so it runs as one process; start the ranks with srun`,
      );
    }
    return undefined;
  }
  const p = pair(env, 'SLURM_PROCID', sizeVar);
  if (!p) return undefined;
  const job = env.SLURM_JOB_ID ?? env.SLURM_JOBID;
  return {
    launcher: 'slurm',
    source: `SLURM_PROCID/${sizeVar}`,
    ...p,
    jobRunId: job === undefined ? undefined : jobRunId('slurm', `${job}.${step}`),
  };
}

function kubernetes(env: Env): Reading | undefined {
  const rank = intVar(env, 'JOB_COMPLETION_INDEX', 0);
  if (rank === undefined) return undefined;
  return { launcher: 'kubernetes', source: 'JOB_COMPLETION_INDEX', rank, world: undefined };
}

/** AWS Batch sets the index only; the size comes from --world or an AWS_BATCH_JOB_ARRAY_SIZE the job defines. */
function awsBatch(env: Env): Reading | undefined {
  const rank = intVar(env, 'AWS_BATCH_JOB_ARRAY_INDEX', 0);
  if (rank === undefined) return undefined;
  const world = intVar(env, 'AWS_BATCH_JOB_ARRAY_SIZE', 1);
  // A child's job id is `<array job id>:<index>`; the array job id is shared.
  const parent = env.AWS_BATCH_JOB_ID?.replace(/:\d+$/, '');
  return {
    launcher: 'aws-batch',
    source: world === undefined ? 'AWS_BATCH_JOB_ARRAY_INDEX' : 'AWS_BATCH_JOB_ARRAY_INDEX/SIZE',
    rank,
    world,
    jobRunId: jobRunId('batch', parent),
  };
}

/** Every launcher whose variables are set, innermost first. */
export function launcherReadings(env: Env, notices: string[] = []): Reading[] {
  return [openMpi(env), mpich(env), slurm(env, notices), kubernetes(env), awsBatch(env)].filter(
    (r): r is Reading => r !== undefined,
  );
}

function describe(r: { rank: number; world: number | undefined }): string {
  return `rank ${r.rank} of ${r.world ?? '?'}`;
}

function assertInWorld(rank: number, world: number, source: string): void {
  if (!Number.isSafeInteger(world) || world < 1)
    throw new UsageError(`world size ${world} (${source}) must be ≥ 1`);
  if (!Number.isSafeInteger(rank) || rank < 0 || rank >= world) {
    throw new UsageError(
      `rank ${rank} (${source}) is outside a world of ${world}: ranks are 0..${world - 1}`,
    );
  }
}

/** The environment's placement with --world applied; undefined when no launcher variable is set. */
function fromEnvironment(
  readings: Reading[],
  flagWorld: number | undefined,
): Omit<Placement, 'runId' | 'runIdSource' | 'notices'> | undefined {
  const inner = readings[0];
  if (!inner) return undefined;
  // Two MPI families set at once must agree (they describe the same processes).
  const mpi = readings.filter((r) => r.launcher === 'openmpi' || r.launcher === 'mpich');
  if (mpi.length === 2 && (mpi[0]?.rank !== mpi[1]?.rank || mpi[0]?.world !== mpi[1]?.world)) {
    throw new UsageError(
      `conflicting ranks: ${mpi[0]?.source} says ${describe(mpi[0] as Reading)}, ${mpi[1]?.source} says ${describe(mpi[1] as Reading)}; pass --rank and --world`,
    );
  }
  if (flagWorld !== undefined && inner.world !== undefined && flagWorld !== inner.world) {
    throw new UsageError(
      `conflicting world sizes: --world ${flagWorld}, but ${inner.source} says ${describe(inner)}; drop --world or pass --rank as well`,
    );
  }
  const world = inner.world ?? flagWorld;
  if (world === undefined) {
    const hint =
      inner.launcher === 'kubernetes'
        ? 'pass --world <the Job’s completions>'
        : 'pass --world <array size> (or set AWS_BATCH_JOB_ARRAY_SIZE in the job definition)';
    throw new UsageError(
      `${inner.source}=${inner.rank} gives this process's rank but not the world size: ${hint}`,
    );
  }
  assertInWorld(inner.rank, world, inner.source);
  return {
    rank: inner.rank,
    world,
    launcher: inner.launcher,
    source: inner.world === undefined ? `${inner.source} and --world` : inner.source,
  };
}

/**
 * This process's placement, or undefined when it runs alone (no launcher, or
 * a launcher's world of 1 without explicit flags).
 */
export function resolvePlacement(env: Env, flags: PlacementFlags = {}): Placement | undefined {
  const notices: string[] = [];
  const readings = launcherReadings(env, notices);
  let placed: Omit<Placement, 'runId' | 'runIdSource' | 'notices'> | undefined;
  if (flags.rank !== undefined) {
    if (flags.world === undefined)
      throw new UsageError('--rank needs --world (the number of processes in the run)');
    assertInWorld(flags.rank, flags.world, '--rank/--world');
    placed = { rank: flags.rank, world: flags.world, launcher: 'flags', source: '--rank/--world' };
    for (const r of readings) {
      if (r.rank !== flags.rank || (r.world !== undefined && r.world !== flags.world)) {
        notices.push(`--rank/--world given: ${r.source} (${describe(r)}) is ignored`);
      }
    }
  } else {
    placed = fromEnvironment(readings, flags.world);
    if (!placed) {
      if (flags.world !== undefined) {
        throw new UsageError(
          '--world needs --rank, or a launcher that gives the rank (JOB_COMPLETION_INDEX, AWS_BATCH_JOB_ARRAY_INDEX, …)',
        );
      }
      if (flags.runId !== undefined) {
        throw new UsageError(
          '--run-id ties the processes of a multi-host run: use it with --rank/--world or under a launcher',
        );
      }
      return undefined;
    }
    if (placed.world === 1 && flags.world === undefined) return undefined;
  }
  const { runId, runIdSource } = runIdOf(flags, readings, placed.launcher);
  return { ...placed, runId, runIdSource, notices };
}

function runIdOf(
  flags: PlacementFlags,
  readings: Reading[],
  launcher: LauncherName,
): { runId: string; runIdSource: string } {
  if (flags.runId !== undefined) {
    assertRunIdShape(flags.runId);
    return { runId: flags.runId, runIdSource: '--run-id' };
  }
  const job = readings.find((r) => r.jobRunId !== undefined);
  if (job?.jobRunId !== undefined) {
    assertRunIdShape(job.jobRunId, `the ${job.launcher} job id`);
    return { runId: job.jobRunId, runIdSource: `the ${job.launcher} job id` };
  }
  const who = launcher === 'flags' ? 'processes started by hand' : `${launcher} ranks`;
  throw new UsageError(
    `a multi-host run needs a shared --run-id: ${who} have no common job id to derive one from`,
  );
}

/** Items [start, end) of `count` that rank `rank` of `world` takes: contiguous, sizes differing by at most one. */
export function shareOf(count: number, rank: number, world: number): { start: number; end: number } {
  return { start: Math.floor((rank * count) / world), end: Math.floor(((rank + 1) * count) / world) };
}

/** The accelerators one rank runs; every rank needs at least one. */
export function acceleratorsOf(accelerators: number, rank: number, world: number): number[] {
  if (accelerators < world) {
    throw new UsageError(
      `run.accelerators is ${accelerators} but the run has ${world} processes: every process runs at least one accelerator (set run.accelerators ≥ ${world}, or start fewer processes)`,
    );
  }
  const { start, end } = shareOf(accelerators, rank, world);
  return Array.from({ length: end - start }, (_, i) => start + i);
}
