/**
 * The file-system primitives under the local_fs backend (local.ts): errno →
 * storage error kinds, temp-file names, positional reads and writes, real
 * paths through symbolic links. Plain functions, no state but a counter.
 */
import { constants, type Dirent, read, realpathSync, type Stats } from 'node:fs';
import { access, type FileHandle, mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { threadId } from 'node:worker_threads';
import { StorageError, type StorageErrorKind } from '../errors.ts';
import { READ_ALIGN_SLACK } from './types.ts';

export const TEMP_FILE = /^\..*\.tmp-([0-9a-f]{12}|\d+-\d+-\d+-[0-9a-z]+)$/;
export const ERRNO_KINDS: Record<string, { kind: StorageErrorKind; status: number }> = {
  ENOENT: { kind: 'not_found', status: 404 },
  ENOTDIR: { kind: 'not_found', status: 404 },
  EACCES: { kind: 'auth', status: 403 },
  EPERM: { kind: 'auth', status: 403 },
  EROFS: { kind: 'other', status: 500 },
  ENOSPC: { kind: 'other', status: 507 },
  EDQUOT: { kind: 'other', status: 507 },
  EISDIR: { kind: 'invalid', status: 400 },
  EEXIST: { kind: 'invalid', status: 400 },
  ENAMETOOLONG: { kind: 'invalid', status: 400 },
  EINVAL: { kind: 'invalid', status: 400 },
};

/** What an errno means, in words a person can act on. */
export const ERRNO_DETAIL: Record<string, string> = {
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many symbolic links',
};

/**
 * `mkdir -p` reports ENOENT when the deepest existing folder on the way
 * cannot be written (a read-only mount): the error that deepest folder
 * gives, or `error` when it is writable after all.
 */
export async function mkdirFailure(dir: string, error: unknown): Promise<unknown> {
  if (errnoCode(error) !== 'ENOENT') return error;
  let head = path.resolve(dir);
  while (
    !(await stat(head).then(
      () => true,
      () => false,
    ))
  ) {
    const parent = path.dirname(head);
    if (parent === head) return error;
    head = parent;
  }
  return access(head, constants.W_OK).then(
    () => error,
    (denied: unknown) => denied,
  );
}

/**
 * `mkdir -p` that survives another process removing an empty folder on the
 * way while it runs (a run that proved an output folder writable removes the
 * folders it made): ENOENT mid-way is retried; returns mkdir's result.
 */
export async function mkdirShared(dir: string): Promise<string | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await mkdir(dir, { recursive: true });
    } catch (error) {
      if (errnoCode(error) !== 'ENOENT' || attempt >= 3) throw error;
    }
  }
}

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

/** Removes temp files (interrupted writes) under `dir`, recursively, last modified before `startedBefore`. */
export async function removeTempFiles(dir: string, startedBefore: Date): Promise<number> {
  let removed = 0;
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0; // nothing there yet
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) removed += await removeTempFiles(full, startedBefore);
    else if (entry.isFile() && TEMP_FILE.test(entry.name)) {
      const info = await stat(full).catch(() => undefined);
      if (info && info.mtime < startedBefore) {
        await rm(full, { force: true });
        removed++;
      }
    }
  }
  return removed;
}

/**
 * Whether a path — through any symbolic link on its way, its directory's or
 * its own — still lands under the root (keys cannot contain '..', but a link
 * can lead anywhere: generate must never write outside the root). Real paths
 * are resolved once per path.
 */
export class RootGuard {
  private readonly resolved = new Map<string, boolean>();
  constructor(private readonly root: string) {}

  allows(file: string): boolean {
    for (const candidate of [path.dirname(file), file]) {
      let inside = this.resolved.get(candidate);
      if (inside === undefined) {
        const real = realExisting(candidate);
        const root = realExisting(this.root);
        inside = real === root || real.startsWith(root + path.sep);
        this.resolved.set(candidate, inside);
      }
      if (!inside) return false;
    }
    return true;
  }
}

/**
 * Where in `into` a read of file offset `position` lands. The kernel copies
 * page-cache pages to the caller with `rep movsb`, which on AMD Zen CPUs
 * (FSRM: the EPYCs of most clouds, this machine) slows down when the
 * destination is 1–31 bytes past the source modulo 4 KiB: 2.7 vs 22 GB/s
 * on a cache-hot page, 3.1 vs 6.3 GB/s of CPU reading 4 MB ranges of eight
 * 24 MB files (Node, fs.read, this machine). A file's first column chunk
 * starts at offset 4 and glibc hands large buffers out 16 bytes past a page,
 * so without care the commonest read is a slow one. Given the slack, the
 * body starts where destination − source ≡ 2048 + the buffer's own page
 * offset (mod 4 KiB): slow only for a buffer 2049–2079 bytes into its page.
 */
export function intoAligned(into: Uint8Array, position: number, length: number): Uint8Array {
  if (into.byteLength < length + READ_ALIGN_SLACK) return into.subarray(0, length);
  const at = (((position + 2048 - into.byteOffset) % 4096) + 4096) % 4096;
  return into.subarray(at, at + length);
}

/**
 * What a GET of something other than a regular file meets: a folder reads as
 * a missing object (as on S3; code EISDIR, so that a manifest reader can tell);
 * a FIFO, device or socket is refused before any read.
 */
export function notAnObject(root: string, key: string, info: Stats): StorageError {
  if (info.isDirectory()) {
    return new StorageError(
      { kind: 'not_found', endpoint: root, key, operation: 'get', status: 404, code: 'EISDIR' },
      'a folder, not an object',
    );
  }
  const what = info.isFIFO()
    ? 'a FIFO (named pipe)'
    : info.isSocket()
      ? 'a socket'
      : info.isCharacterDevice() || info.isBlockDevice()
        ? 'a device'
        : 'not a regular file';
  return new StorageError(
    { kind: 'invalid', endpoint: root, key, operation: 'get', status: 400 },
    `${path.join(root, ...key.split('/'))} is ${what}, not an object: refused`,
  );
}
