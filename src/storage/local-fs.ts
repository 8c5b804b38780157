/**
 * The file-system primitives under the local_fs backend (local.ts): errno →
 * storage error kinds, temp-file names, positional reads and writes, real
 * paths through symbolic links. Plain functions, no state but a counter.
 */
import { read, realpathSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import type { StorageErrorKind } from '../errors.ts';

export const TEMP_FILE = /^\..*\.tmp-([0-9a-f]{12}|\d+-\d+-\d+-[0-9a-z]+)$/;
export const ERRNO_KINDS: Record<string, { kind: StorageErrorKind; status: number }> = {
  ENOENT: { kind: 'not_found', status: 404 },
  ENOTDIR: { kind: 'not_found', status: 404 },
  EACCES: { kind: 'auth', status: 403 },
  EPERM: { kind: 'auth', status: 403 },
  EROFS: { kind: 'auth', status: 403 },
  EISDIR: { kind: 'invalid', status: 400 },
  EEXIST: { kind: 'invalid', status: 400 },
  ENAMETOOLONG: { kind: 'invalid', status: 400 },
  EINVAL: { kind: 'invalid', status: 400 },
};

export function errnoCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The real path of `target`, or of its deepest existing ancestor joined with the rest. */
export function realExisting(target: string): string {
  let head = path.resolve(target);
  const rest: string[] = [];
  for (;;) {
    try {
      return path.join(realpathSync.native(head), ...rest);
    } catch {
      const parent = path.dirname(head);
      if (parent === head) return path.join(head, ...rest);
      rest.unshift(path.basename(head));
      head = parent;
    }
  }
}

/** One positional read on libuv's thread pool. */
export function readAt(
  fd: number,
  into: Uint8Array,
  offset: number,
  length: number,
  position: number,
): Promise<number> {
  return new Promise((resolve, reject) =>
    read(fd, into, offset, length, position, (error, bytesRead) =>
      error ? reject(error) : resolve(bytesRead),
    ),
  );
}

let tempCounter = 0;

/** A fresh Uint8Array (not a Buffer) of its own memory, not zero-filled: the caller overwrites every byte it returns. */
export function uninitialized(length: number): Uint8Array {
  return new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
}

/** Unique per process, thread and call (no node:crypto: it costs every thread's start several ms). */
export function tempPathFor(target: string): string {
  const unique = `${process.pid}-${threadId}-${++tempCounter}-${Date.now().toString(36)}`;
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${unique}`);
}

export async function writeAll(handle: FileHandle, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
    offset += bytesWritten;
  }
}
