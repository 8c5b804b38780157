/**
 * Typed errors. Every error a user can cause or meet maps to one line and one
 * exit code in src/cli/errors.ts; nothing else in the code decides exit codes.
 */

export const ExitCode = {
  ok: 0,
  /** Unexpected internal failure (a bug). */
  internal: 1,
  /** Bad input: config, CLI flags, workload file. */
  badInput: 2,
  /** Storage could not be reached, authorised, or did not have the object. */
  storage: 3,
  /** The data read is not what was expected (schema, corruption, verify). */
  data: 4,
  /** A multi-host run could not complete: a rank missing, failed or refused (src/exec/rendezvous.ts). */
  ranks: 5,
  /** The run completed and its results are written, but its verdict is invalid (with --strict, and for cloud runs). */
  invalidResult: 6,
  /** Stopped by SIGINT after cleaning up (128 + 2, as shells report it). */
  interrupted: 130,
  /** Stopped by SIGTERM after cleaning up (128 + 15). */
  terminated: 143,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export abstract class PqbenchError extends Error {
  abstract readonly exitCode: ExitCode;
  override name = this.constructor.name;
}

/** One problem in a workload file or override. `path` is the dotted YAML path. */
export interface ConfigIssue {
  path: string;
  message: string;
}

export class ConfigError extends PqbenchError {
  readonly exitCode = ExitCode.badInput;
  constructor(
    readonly issues: ConfigIssue[],
    readonly source?: string,
  ) {
    super(
      (source ? `${source}: ` : '') +
        issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; '),
    );
  }
}

/** The results are written, but they do not measure the storage (the verdict's reasons say why). */
export class InvalidResultError extends PqbenchError {
  readonly exitCode = ExitCode.invalidResult;
}

/** Bad CLI usage (unknown command, missing argument). */
export class UsageError extends PqbenchError {
  readonly exitCode = ExitCode.badInput;
}

export type StorageErrorKind = 'auth' | 'not_found' | 'network' | 'throttled' | 'invalid' | 'other';

export interface StorageErrorContext {
  kind: StorageErrorKind;
  /** Endpoint URL or local root; never contains credentials. */
  endpoint: string;
  bucket?: string;
  key?: string;
  operation?: string;
  status?: number;
  /** Server / OS error code, e.g. NoSuchKey, ENOENT. */
  code?: string;
}

export class StorageError extends PqbenchError {
  readonly exitCode = ExitCode.storage;
  readonly kind: StorageErrorKind;
  readonly endpoint: string;
  readonly bucket?: string;
  readonly key?: string;
  readonly operation?: string;
  readonly status?: number;
  readonly code?: string;
  constructor(ctx: StorageErrorContext, detail?: string) {
    const where = [
      `endpoint ${ctx.endpoint}`,
      ctx.bucket !== undefined ? `bucket ${ctx.bucket}` : '',
      ctx.key !== undefined ? `key ${ctx.key}` : '',
    ]
      .filter(Boolean)
      .join(', ');
    const what = {
      auth: 'access denied (auth)',
      not_found: 'not found',
      network: 'network error',
      throttled: 'throttled',
      invalid: 'invalid request',
      other: 'storage error',
    }[ctx.kind];
    super(
      `${ctx.operation ? `${ctx.operation}: ` : ''}${what} (${where})${ctx.code ? ` [${ctx.code}]` : ''}${detail ? `: ${detail}` : ''}`,
    );
    this.kind = ctx.kind;
    this.endpoint = ctx.endpoint;
    this.bucket = ctx.bucket;
    this.key = ctx.key;
    this.operation = ctx.operation;
    this.status = ctx.status;
    this.code = ctx.code;
  }
}

/** A Parquet file's schema does not match the workload's projection. */
export class SchemaMismatchError extends PqbenchError {
  readonly exitCode = ExitCode.data;
}

/** A Parquet file is truncated, has bad magic, or cannot be decoded. */
export class CorruptParquetError extends PqbenchError {
  readonly exitCode = ExitCode.data;
}

/** `verify: true` found a value that differs from what the generator produced. */
export class VerifyError extends PqbenchError {
  readonly exitCode = ExitCode.data;
}

/** The dataset manifest disagrees with the workload config. */
export class ManifestMismatchError extends PqbenchError {
  readonly exitCode = ExitCode.data;
}

/**
 * An object changed while it was being read (its ETag — on local_fs its inode,
 * size and mtime — is no longer the one its footer was read at): the bytes
 * would mix two versions.
 */
export class ObjectChangedError extends PqbenchError {
  readonly exitCode = ExitCode.data;
}

export type InterruptSignalName = 'SIGINT' | 'SIGTERM';

/**
 * SIGINT or SIGTERM stopped the work (exec/signals.ts). `detail` says what
 * was cleaned up and what was kept; the exit code is 128 + the signal's
 * number, as a shell reports a process the signal ended.
 */
export class InterruptedError extends PqbenchError {
  readonly exitCode: ExitCode;
  constructor(
    readonly signalName: InterruptSignalName,
    readonly detail = 'stopped',
  ) {
    super(`interrupted by ${signalName}: ${detail}`);
    this.exitCode = signalName === 'SIGTERM' ? ExitCode.terminated : ExitCode.interrupted;
  }
}
