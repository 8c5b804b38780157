/**
 * Errors crossing a worker-thread boundary. Structured clone keeps only
 * message/stack of an Error and drops its class, so a StorageError thrown in a
 * worker would reach the CLI as a plain Error and map to the wrong exit code.
 * We ship the class name and own fields, and rebuild an instance of the same
 * class on the other side.
 */
import * as pqbenchErrors from '../errors.ts';

export interface SerializedError {
  className: string;
  message: string;
  stack?: string;
  /** Own enumerable fields (kind, endpoint, issues, exitCode, …). */
  fields: Record<string, unknown>;
  cause?: SerializedError;
}

type ErrorClass = abstract new (...args: never[]) => Error;

const BUILTIN_ERRORS: Record<string, ErrorClass> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};

function knownErrorClass(name: string): ErrorClass | undefined {
  const fromProject = (pqbenchErrors as Record<string, unknown>)[name];
  if (typeof fromProject === 'function' && fromProject.prototype instanceof Error) {
    return fromProject as ErrorClass;
  }
  return BUILTIN_ERRORS[name];
}

function cloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}

export function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) {
    return { className: 'Error', message: `non-error thrown: ${String(error)}`, fields: {} };
  }
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) {
    if (key !== 'cause' && cloneable(value)) fields[key] = value;
  }
  const serialized: SerializedError = {
    className: error.constructor?.name ?? 'Error',
    message: error.message,
    stack: error.stack,
    fields,
  };
  if (error.cause !== undefined) serialized.cause = serializeError(error.cause);
  return serialized;
}

/** Rebuilds the error as an instance of its original class when that class is one of ours or a builtin. */
export function deserializeError(s: SerializedError): Error {
  const cls = knownErrorClass(s.className);
  // The constructor is not re-run: constructors rebuild the message from their
  // arguments, and we already have the final message and fields.
  const error: Error = Object.create((cls ?? Error).prototype);
  Object.defineProperty(error, 'message', { value: s.message, writable: true, configurable: true });
  if (s.stack !== undefined) {
    Object.defineProperty(error, 'stack', { value: s.stack, writable: true, configurable: true });
  }
  Object.assign(error, s.fields);
  if (!cls) error.name = s.className;
  if (s.cause)
    Object.defineProperty(error, 'cause', {
      value: deserializeError(s.cause),
      writable: true,
      configurable: true,
    });
  return error;
}
