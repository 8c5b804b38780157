/**
 * Processes of a multi-host run for the multihost-* integration tests: the
 * real CLI (bin/pqbench.js → dist/, built by `npm test`) started as separate
 * processes, by hand with --rank/--world or under mpirun, and what they leave.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

export const BIN = fileURLToPath(new URL('../../bin/pqbench.js', import.meta.url));
export const REPO = fileURLToPath(new URL('../..', import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
}

export interface Proc {
  child: ChildProcess;
  done: Promise<Exit>;
  /** stderr so far. */
  stderr(): string;
}

/** Runs `command args` (no shell); killed with SIGKILL after `timeoutMs` so that a hang fails the test. */
export function start(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 120_000,
): Proc {
  const t0 = Date.now();
  const child = spawn(command, args, {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<Exit>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 });
    }),
  );
  return { child, done, stderr: () => stderr };
}

/** `pqbench <args>` in its own process. */
export function pqbench(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs?: number): Proc {
  return start(process.execPath, [BIN, ...args], env, timeoutMs);
}

/** `pqbench <args(rank)> --rank r --world w` for every rank, started together. */
export function ranksByHand(
  world: number,
  args: (rank: number) => string[],
  env: NodeJS.ProcessEnv = {},
): Proc[] {
  return Array.from({ length: world }, (_, rank) =>
    pqbench([...args(rank), '--rank', String(rank), '--world', String(world)], env),
  );
}

export function onPath(bin: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

/** A workload file's text from a plain object (YAML). */
export function workloadYaml(w: Record<string, unknown>): string {
  return stringify(w);
}

/** The counts a merged multi-host run must share with a single-process run of the same workload. */
export interface RunCounts {
  samples: number;
  steps: number;
  getRequests: number;
  getBytes: number;
  bytesTransferred: number;
  projectedBytes: number;
  numAccelerators: number;
}

interface SummaryLike {
  num_accelerators: number;
  steps: { samples: number; total: number };
  io: { bytes_transferred: number; projected_bytes: number };
  requests: { GET?: { count: number; bytes: number } };
}

export function countsOf(summary: SummaryLike): RunCounts {
  return {
    samples: summary.steps.samples,
    steps: summary.steps.total,
    getRequests: summary.requests.GET?.count ?? 0,
    getBytes: summary.requests.GET?.bytes ?? 0,
    bytesTransferred: summary.io.bytes_transferred,
    projectedBytes: summary.io.projected_bytes,
    numAccelerators: summary.num_accelerators,
  };
}

/** Fails with every process's output, for a readable test failure. */
export function describeExits(exits: Exit[]): string {
  return exits
    .map(
      (e, rank) =>
        `--- process ${rank}: code ${e.code} signal ${e.signal} (${e.ms} ms)\n${e.stderr}${e.stdout}`,
    )
    .join('\n');
}
