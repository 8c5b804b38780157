/**
 * SIGINT / SIGTERM as an AbortSignal (SPEC §8), for every command. The CLI
 * runs each command inside `withInterrupts`; work that can stop cleanly takes
 * the signal (`interruptSignal()`, or the argument of a nested
 * `withInterrupts`). The first signal says so on stderr (one line: what
 * happens now, and that a second signal stops at once); that work stops issuing requests,
 * aborts its in-flight uploads, removes its temp files, keeps what is
 * complete and rejects with an InterruptedError saying so (exit 130 for
 * SIGINT, 143 for SIGTERM). A second signal exits at once.
 *
 * A command with nothing to clean up never asks for the signal: then the
 * first signal exits at once too, as it would without a handler — a `pqbench
 * validate` must not need two Ctrl-Cs.
 *
 * Launchers stop the other ranks with SIGTERM when one fails (mpirun, srun,
 * Kubernetes, Batch): they clean up the same way.
 */
import { ExitCode, InterruptedError, type InterruptSignalName } from '../errors.ts';

export { InterruptedError } from '../errors.ts';

const SIGNALS: readonly InterruptSignalName[] = ['SIGINT', 'SIGTERM'];

const exitCodeOf = (name: InterruptSignalName) =>
  name === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted;

interface Scope {
  controller: AbortController;
  /** Whether any work took the signal: if none did, nothing would notice an abort. */
  observed: boolean;
}

let scope: Scope | undefined;

/** The signal of the running command, when the CLI runs one; taking it promises to honour it. */
export function interruptSignal(): AbortSignal | undefined {
  if (!scope) return undefined;
  scope.observed = true;
  return scope.controller.signal;
}

/** `explicit` first, else the running command's. */
export function interruptSignalOr(explicit: AbortSignal | undefined): AbortSignal | undefined {
  return explicit ?? interruptSignal();
}

/** The signal that stopped `signal`'s work, when a SIGINT/SIGTERM did. */
export function interruptionOf(signal: AbortSignal | undefined): InterruptedError | undefined {
  return signal?.aborted && signal.reason instanceof InterruptedError ? signal.reason : undefined;
}

/** What the first signal is told to say it is doing (stderr, one line). */
export type SignalAnnouncer = (line: string) => void;

function install(current: Scope, announce?: SignalAnnouncer): () => void {
  const handlers = SIGNALS.map((name) => {
    const handler = () => {
      // Second signal, or nobody listening: stop now, as the default disposition would.
      if (current.controller.signal.aborted || !current.observed) process.exit(exitCodeOf(name));
      announce?.(
        `${name}: stopping — requests in flight finish, incomplete uploads are aborted, completed work is kept and written; ${name === 'SIGINT' ? 'Ctrl-C' : 'SIGTERM'} again stops at once`,
      );
      current.controller.abort(new InterruptedError(name));
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  return () => {
    for (const [name, handler] of handlers) process.off(name, handler);
  };
}

/**
 * Runs `work` with a signal that fires on SIGINT/SIGTERM (see `interruptible`).
 * Nested calls share the outer signal and its handlers.
 */
export function withInterrupts<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  return interruptible(() => work(interruptSignal() as AbortSignal));
}

/**
 * The CLI's hook around a command: SIGINT/SIGTERM handlers for as long as
 * `work` runs. An interrupted run rejects with the work's own
 * InterruptedError (which says what it cleaned) or, when the work threw
 * something else, with the signal's.
 */
export async function interruptible<T>(work: () => Promise<T>, announce?: SignalAnnouncer): Promise<T> {
  if (scope) return work();
  const current: Scope = { controller: new AbortController(), observed: false };
  scope = current;
  const uninstall = install(current, announce);
  try {
    return await work();
  } catch (e) {
    throw causeOf(e, current.controller.signal);
  } finally {
    uninstall();
    scope = undefined;
  }
}

/** The error a run reports when it fails: its own InterruptedError, else the signal's when one interrupted the work. */
export function causeOf(error: unknown, signal: AbortSignal | undefined): Error {
  if (error instanceof InterruptedError) return error;
  const interruption = interruptionOf(signal);
  if (interruption) return interruption;
  return error instanceof Error ? error : new Error(String(error));
}
