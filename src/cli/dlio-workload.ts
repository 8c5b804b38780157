/**
 * What `pqbench dlio` does differently from `pqbench run`, so a workload runs
 * as the MLCommons fork runs it (data_loader/torch_data_loader.py,
 * reader/parquet_reader_*_iterable.py, utils/config.py, main.py):
 *
 * - defaults: files sharding, no decode, 64 reads in flight per loader worker
 *   (the fork's prefetch_workers), dictionary pages as pyarrow writes them;
 *   the workload file and the overrides still win;
 * - read_threads 1 is sized as the fork sizes it: min(CPUs ÷ ranks on this
 *   host, $DLIO_MAX_AUTO_THREADS or 8);
 * - under a launcher, one accelerator per process unless the workload sets
 *   run.accelerators (DLIO: mpirun -n = accelerators).
 */
import { readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { ParsedWorkload } from '../config/load.ts';
import type { Workload } from '../config/types.ts';
import { UsageError } from '../errors.ts';

export const DLIO_DEFAULTS: Record<string, unknown> = {
  'reader.sharding': 'files',
  'reader.decode': false,
  'reader.gets_per_worker': 64,
  'dataset.parquet.use_dictionary': true,
};

/** The fork's auto-sizing cap when DLIO_MAX_AUTO_THREADS is not set. */
const AUTO_THREADS_CAP = 8;

/** utils/config.py derive_configurations: read_threads 1 → min(max(1, CPUs ÷ ranks per node), cap). */
export function forkReadThreads(
  readThreads: number,
  ranksPerNode: number,
  cpus: number,
  env: NodeJS.ProcessEnv,
): number {
  if (readThreads !== 1) return readThreads;
  const cap = Math.max(1, Number.parseInt(env.DLIO_MAX_AUTO_THREADS ?? '', 10) || AUTO_THREADS_CAP);
  return Math.min(Math.max(1, Math.floor(cpus / Math.max(1, ranksPerNode))), cap);
}

/** Ranks on this host: the launcher's local size, else every accelerator of the run. */
function ranksOnThisHost(accelerators: number, env: NodeJS.ProcessEnv): number {
  for (const name of ['OMPI_COMM_WORLD_LOCAL_SIZE', 'MPI_LOCALNRANKS', 'SLURM_NTASKS_PER_NODE']) {
    const n = Number.parseInt(env[name] ?? '', 10);
    if (Number.isInteger(n) && n >= 1) return n;
  }
  return accelerators;
}

function setsAccelerators(composed: Record<string, unknown>): boolean {
  const run = composed.run;
  return typeof run === 'object' && run !== null && 'accelerators' in run;
}

/**
 * The workload as the fork would run it in a world of `world` processes
 * (undefined: one process), with the notices that say what changed.
 */
export function dlioWorkload(
  parsed: ParsedWorkload,
  world: number | undefined,
  env: NodeJS.ProcessEnv = process.env,
  cpus: number = availableParallelism(),
): { workload: Workload; notices: string[] } {
  const notices: string[] = [];
  let w = parsed.workload;
  if (world !== undefined && !setsAccelerators(parsed.composed)) {
    w = { ...w, run: { ...w.run, accelerators: world } };
  }
  const threads = forkReadThreads(w.reader.read_threads, ranksOnThisHost(w.run.accelerators, env), cpus, env);
  if (threads !== w.reader.read_threads) {
    notices.push(
      `reader.read_threads 1 runs ${threads} loader workers per accelerator, as the MLCommons fork sizes it (CPUs ÷ ranks on this host, at most $DLIO_MAX_AUTO_THREADS or ${AUTO_THREADS_CAP}); set read_threads to 0 or ≥ 2 to choose`,
    );
    w = { ...w, reader: { ...w.reader, read_threads: threads } };
  }
  return { workload: w, notices };
}

/** The workload names under `<configDir>/workload/` (the `.yaml` files), sorted; [] when there is no such folder. */
export async function availableWorkloads(configDir: string): Promise<string[]> {
  try {
    const entries = await readdir(path.join(configDir, 'workload'), { withFileTypes: true });
    return entries
      .filter((e) => e.isFile() && e.name.endsWith('.yaml'))
      .map((e) => e.name.slice(0, -'.yaml'.length))
      .sort();
  } catch {
    return [];
  }
}

/** The error for a workload= that names no file: the names there are. */
export async function unknownWorkload(name: string, configDir: string, file: string): Promise<UsageError> {
  const names = await availableWorkloads(configDir);
  const choice =
    names.length > 0
      ? `available: ${names.join(', ')}`
      : `no workload/*.yaml under --config-dir=${configDir}`;
  return new UsageError(`workload=${name}: no ${file}; ${choice}`);
}
