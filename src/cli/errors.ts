/**
 * The one place errors become messages and exit codes. Typed errors print one
 * line (config errors one line per issue); anything else is a bug and prints
 * its stack only with --verbose.
 */
import { ConfigError, ExitCode, PqbenchError } from '../errors.ts';

export function reportError(err: unknown, verbose: boolean, stderr: (line: string) => void): number {
  if (err instanceof ConfigError) {
    stderr(`error: invalid workload${err.source ? ` ${err.source}` : ''}:`);
    for (const i of err.issues) stderr(`  ${i.path ? `${i.path}: ` : ''}${i.message}`);
  } else if (err instanceof PqbenchError) {
    stderr(`error: ${err.message}`);
  } else {
    const e = err instanceof Error ? err : new Error(String(err));
    stderr(`error: internal error: ${e.message}${verbose ? '' : ' (run with --verbose for details)'}`);
  }
  if (verbose && err instanceof Error && err.stack) stderr(err.stack);
  return err instanceof PqbenchError ? err.exitCode : ExitCode.internal;
}
