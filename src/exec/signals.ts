/**
 * SIGINT / SIGTERM as an AbortSignal (SPEC §8): the first signal aborts the
 * work — uploads are aborted, threads stopped, a rank records that it failed
 * so the others stop naming it — and the command ends with exit code 130; a
 * second signal exits at once. Launchers stop the other ranks with SIGTERM
 * when one fails (mpirun, srun, Kubernetes, Batch): they clean up the same way.
 */
import { ExitCode, PqbenchError } from '../errors.ts';

export class InterruptedError extends PqbenchError {
  readonly exitCode = ExitCode.interrupted;
  constructor(readonly signalName: string) {
    super(`interrupted by ${signalName}: uploads aborted, no partial result left`);
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Runs `work` with a signal that fires on SIGINT/SIGTERM; an interrupted run rejects with InterruptedError. */
export async function withInterrupts<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const handlers = SIGNALS.map((name) => {
    const handler = () => {
      if (controller.signal.aborted) process.exit(name === 'SIGINT' ? 130 : 143);
      controller.abort(new InterruptedError(name));
    };
    process.on(name, handler);
    return [name, handler] as const;
  });
  try {
    return await work(controller.signal);
  } catch (e) {
    // Whatever the aborted work threw (an AbortError, a thread's exit), the cause is the signal.
    throw controller.signal.aborted ? controller.signal.reason : e;
  } finally {
    for (const [name, handler] of handlers) process.off(name, handler);
  }
}

/** The error a rank reports when it fails: the signal's, when one interrupted the work. */
export function causeOf(error: unknown, signal: AbortSignal | undefined): Error {
  if (signal?.aborted && signal.reason instanceof Error) return signal.reason;
  return error instanceof Error ? error : new Error(String(error));
}
