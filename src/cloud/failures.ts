/**
 * A failed cloud run as the error the same failure raises locally (so the
 * CLI exits with the same code), naming what failed. When a child of a
 * Distributed Map fails, the parent execution only says
 * `States.ExceedToleratedFailureThreshold`; the cause is in the map run's
 * failed child executions (ListMapRuns → ListExecutions(mapRunArn,
 * statusFilter) → DescribeExecution): the child's error is the Lambda's
 * error type and its cause the Lambda's `{errorType, errorMessage}`. Pure;
 * src/cloud/aws.ts makes the calls.
 */
import {
  ConfigError,
  CorruptParquetError,
  ManifestMismatchError,
  SchemaMismatchError,
  StorageError,
  UsageError,
  VerifyError,
} from '../errors.ts';

const FAILURE_CLASSES: Record<string, new (message: string) => Error> = {
  ManifestMismatchError,
  SchemaMismatchError,
  CorruptParquetError,
  VerifyError,
  UsageError,
};

/** The message inside a Lambda error cause (`{"errorType","errorMessage"}`), or the cause itself. */
export function causeMessage(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string; Cause?: string; cause?: string };
    return parsed.errorMessage ?? parsed.Cause ?? parsed.cause ?? cause;
  } catch {
    return cause; // plain text
  }
}

/** `text` as an error of the class `errorName` names (its exit code), a generic Error otherwise. */
export function typedFailure(errorName: string | undefined, text: string): Error {
  if (errorName === 'ConfigError') return new ConfigError([{ path: '', message: text }]);
  if (errorName === 'StorageError') return new StorageError({ kind: 'other', endpoint: 'cloud run' }, text);
  const Cls = errorName ? FAILURE_CLASSES[errorName] : undefined;
  return Cls ? new Cls(text) : new Error(text);
}

/**
 * A failed execution as the typed error the same failure raises locally, so
 * the CLI exits with the same code: the Lambda's error name travels as the
 * execution's `error`, its message inside `cause`.
 */
export function executionFailure(
  status: string,
  error: string | undefined,
  cause: string | undefined,
): Error {
  const message = causeMessage(cause);
  const text = `cloud execution ${status}${error ? ` (${error})` : ''}${message ? `: ${message}` : ''}`;
  return typedFailure(error, text);
}

/** A failed (timed out, aborted) child execution of a Distributed Map run. */
export interface ChildFailure {
  executionArn: string;
  status: string;
  /** The child's error: the Lambda's error type (StorageError, …), Sandbox.Timedout, States.Timeout. */
  error?: string;
  cause?: string;
  /** The child's input (JSON): a reader's `{Items, BatchInput}` or a generator's `{shard}`. */
  input?: string;
  stopDate?: Date;
}

/** Who the child was: "reader of accelerator(s) 3, 4" or "generator of shard 7". */
export function childName(input: string | undefined): string {
  try {
    const parsed = JSON.parse(input ?? '') as {
      Items?: { accelerator?: number }[];
      shard?: { index?: number };
    };
    if (Array.isArray(parsed.Items)) {
      const accelerators = parsed.Items.map((i) => i.accelerator);
      return `reader of accelerator${accelerators.length > 1 ? 's' : ''} ${accelerators.join(', ')}`;
    }
    if (parsed.shard?.index !== undefined) return `generator of shard ${parsed.shard.index}`;
  } catch {
    // not JSON: fall through
  }
  return 'a child execution';
}

const HINTS: Record<string, string> = {
  'Sandbox.Timedout':
    'the Lambda timed out: an epoch (or a warm-up pass) took longer than the function allows; see docs/cloud.md',
  'States.Timeout': 'the Lambda timed out: see docs/cloud.md',
};

/**
 * The first child that failed (ABORTED children are casualties of the map run
 * stopping, so a FAILED or TIMED_OUT one is preferred), as the typed error of
 * its own failure, naming it; undefined when there is none.
 */
export function firstChildFailure(children: ChildFailure[]): Error | undefined {
  const rank = (c: ChildFailure) => (c.status === 'ABORTED' ? 1 : 0);
  const sorted = [...children].sort(
    (a, b) => rank(a) - rank(b) || (a.stopDate?.getTime() ?? 0) - (b.stopDate?.getTime() ?? 0),
  );
  const first = sorted[0];
  if (!first) return undefined;
  const others = children.length - 1;
  const hint = first.error ? HINTS[first.error] : undefined;
  const text =
    `${childName(first.input)} failed${first.error ? ` (${first.error})` : ''}: ${causeMessage(first.cause) || first.status}` +
    (hint ? ` — ${hint}` : '') +
    (others > 0 ? ` (${others} other child execution${others > 1 ? 's' : ''} failed too)` : '') +
    ` [${first.executionArn}]`;
  return typedFailure(first.error, text);
}
