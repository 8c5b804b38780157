/**
 * local_fs backend: keys are files under a root directory. It mimics S3's
 * observable behaviour (atomic objects, clipped ranges, 416 past the end,
 * key-ordered listing, folders that exist only while they hold objects) so
 * that a run against local disk and one against S3 differ only in speed.
 */
import { closeSync, constants, type Dirent, fstatSync, openSync } from 'node:fs';
import { type FileHandle, mkdir, open, readdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { ObjectChangedError, StorageError } from '../errors.ts';
import { DEFAULT_LIST_PAGE_SIZE, entriesOf, type ListPage, type PagedLister } from './backend.ts';
import { assertValidKey, assertValidPrefix, compareKeys } from './keys.ts';
import {
  ERRNO_DETAIL,
  ERRNO_KINDS,
  errnoCode,
  intoAligned,
  mkdirFailure,
  notAnObject,
  RootGuard,
  readAt,
  removeTempFiles,
  TEMP_FILE,
  tempPathFor,
  uninitialized,
  writeAll,
} from './local-fs.ts';
import { now } from './operations.ts';
import { rangeHeader, rangeProblem, resolveRange } from './range.ts';
import { abortable } from './source.ts';
import type {
  ByteRange,
  CleanupResult,
  GetOptions,
  GetResult,
  ListOptions,
  ObjectInfo,
  PutResult,
  PutStreamOptions,
  Storage,
} from './types.ts';

const DELETE_PARALLELISM = 32;

export class LocalStorage implements Storage, PagedLister {
  readonly kind = 'local_fs' as const;
  readonly root: string;
  readonly location: string;

  private readonly guard: RootGuard;

  constructor(rootDir: string) {
    this.root = path.resolve(rootDir);
    this.location = this.root;
    this.guard = new RootGuard(this.root);
  }

  async put(key: string, body: Uint8Array): Promise<PutResult> {
    const target = await this.prepareTarget(key, 'put');
    const temp = tempPathFor(target);
    let handle: FileHandle | undefined;
    try {
      handle = await open(temp, 'wx');
      await writeAll(handle, body);
      await handle.close();
      handle = undefined;
      await rename(temp, target);
    } catch (error) {
      await handle?.close().catch(() => {});
      await rm(temp, { force: true });
      throw this.fail(error, 'put', key);
    }
    return { bytes: body.length, parts: 1, meta: { attempts: 1, status: 200, firstByteAt: now() } };
  }

  async putStream(
    key: string,
    source: AsyncIterable<Uint8Array>,
    options?: PutStreamOptions,
  ): Promise<PutResult> {
    options?.signal?.throwIfAborted();
    const target = await this.prepareTarget(key, 'putStream');
    const temp = tempPathFor(target);
    let handle: FileHandle | undefined;
    let bytes = 0;
    try {
      handle = await this.fsCall('putStream', key, () => open(temp, 'wx'));
      for await (const chunk of abortable(source, options?.signal)) {
        const h = handle;
        await this.fsCall('putStream', key, () => writeAll(h, chunk));
        bytes += chunk.length;
      }
      const h = handle;
      handle = undefined;
      await this.fsCall('putStream', key, () => h.close());
      await this.fsCall('putStream', key, () => rename(temp, target));
    } catch (error) {
      // Source errors and aborts propagate unchanged; fs errors are already StorageErrors.
      await handle?.close().catch(() => {});
      await rm(temp, { force: true });
      throw error;
    }
    return { bytes, parts: 1, meta: { attempts: 1, status: 200, firstByteAt: now() } };
  }

  async get(key: string, range?: ByteRange, options: GetOptions = {}): Promise<GetResult> {
    const file = this.pathOf(key, 'get');
    if (range !== undefined) {
      const problem = rangeProblem(range);
      if (problem)
        throw new StorageError({ kind: 'invalid', endpoint: this.root, key, operation: 'get' }, problem);
    }
    // open, fstat and close are synchronous: microseconds on a local file system, where each
    // trip through libuv's thread pool costs ~0.1 ms — most of a page-cache GET. The read,
    // the only part that takes time (and that a loader overlaps), stays asynchronous.
    // O_NONBLOCK: opening a FIFO for reading would block this thread until a writer came — for good,
    // past any signal (a worker stuck in open() cannot be terminated). Regular files ignore the flag.
    let fd: number;
    try {
      fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      throw await this.explainMissing(this.fail(error, 'get', key));
    }
    try {
      const info = fstatSync(fd);
      if (!info.isFile()) throw notAnObject(this.root, key, info);
      const size = info.size;
      const etag = `${info.ino}-${size}-${Math.round(info.mtimeMs * 1000)}`;
      if (options.ifMatch !== undefined && options.ifMatch !== etag)
        throw new ObjectChangedError(`${key}: changed while it was being read (under ${this.root})`);
      const span = range === undefined ? { start: 0, end: size } : resolveRange(range, size);
      if (span === undefined) {
        throw new StorageError(
          { kind: 'invalid', endpoint: this.root, key, operation: 'get', status: 416, code: 'InvalidRange' },
          `range ${rangeHeader(range as ByteRange)} is not satisfiable for an object of ${size} bytes`,
        );
      }
      // Every byte is read into it before it is returned (or cut to what was read): no need to zero-fill.
      const length = span.end - span.start;
      const body: Uint8Array =
        options.into && options.into.byteLength >= length
          ? intoAligned(options.into, span.start, length)
          : uninitialized(length);
      let filled = 0;
      let firstByteAt: number | undefined;
      while (filled < body.length) {
        const bytesRead = await this.fsCall('get', key, () =>
          readAt(fd, body, filled, body.length - filled, span.start + filled),
        );
        firstByteAt ??= now();
        if (bytesRead === 0) break; // truncated underneath us: serve what exists
        filled += bytesRead;
      }
      return {
        body: filled === body.length ? body : body.subarray(0, filled),
        objectSize: size,
        start: span.start,
        end: span.start + filled,
        etag,
        meta: { attempts: 1, status: range === undefined ? 200 : 206, firstByteAt: firstByteAt ?? now() },
      };
    } catch (error) {
      throw error instanceof ObjectChangedError ? error : this.fail(error, 'get', key);
    } finally {
      closeSync(fd);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const file = this.pathOf(key, 'head');
    try {
      const info = await stat(file);
      return info.isFile() ? { key, size: info.size, lastModified: info.mtime } : undefined;
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw this.fail(error, 'head', key);
    }
  }

  list(prefix: string, options?: ListOptions): AsyncIterable<ObjectInfo> {
    return entriesOf(this.listPages(prefix, options));
  }

  /** Pages of `pageSize` entries, so request counts match what S3 would have needed. */
  async *listPages(prefix: string, options?: ListOptions): AsyncIterable<ListPage> {
    assertValidPrefix(prefix, this.root, 'list');
    const pageSize = options?.pageSize ?? DEFAULT_LIST_PAGE_SIZE;
    let entries: ObjectInfo[] = [];
    let pages = 0;
    for await (const entry of this.walkPrefix(prefix, options?.delimiter)) {
      entries.push(entry);
      if (entries.length === pageSize) {
        pages++;
        yield { entries, meta: { attempts: 1, status: 200, firstByteAt: now() } };
        entries = [];
      }
    }
    // S3 answers an empty listing with one (empty) page too.
    if (entries.length > 0 || pages === 0) {
      yield { entries, meta: { attempts: 1, status: 200, firstByteAt: now() } };
    }
  }

  async deleteMany(keys: string[]): Promise<void> {
    const files = keys.map((key) => ({ key, file: this.pathOf(key, 'delete') }));
    for (let i = 0; i < files.length; i += DELETE_PARALLELISM) {
      await Promise.all(
        files.slice(i, i + DELETE_PARALLELISM).map(async ({ key, file }) => {
          try {
            await rm(file, { force: true });
          } catch (error) {
            throw this.fail(error, 'delete', key);
          }
        }),
      );
    }
    // Folders exist only while they hold objects, as on S3.
    const dirs = [...new Set(files.map(({ file }) => path.dirname(file)))].sort(
      (a, b) => b.length - a.length,
    );
    for (const dir of dirs) await this.pruneEmptyDirs(dir);
  }

  async cleanIncomplete(prefix: string, startedBefore: Date): Promise<CleanupResult> {
    const dir = path.join(this.root, ...prefix.split('/').slice(0, -1));
    if (!this.guard.allows(path.join(dir, '.'))) return { uploadsAborted: 0, tempFilesRemoved: 0 };
    return { uploadsAborted: 0, tempFilesRemoved: await removeTempFiles(dir, startedBefore) };
  }

  async close(): Promise<void> {}

  private pathOf(key: string, operation: string): string {
    assertValidKey(key, this.root, operation);
    const file = path.join(this.root, ...key.split('/'));
    if (!this.guard.allows(file)) {
      throw new StorageError(
        { kind: 'invalid', endpoint: this.root, key, operation, code: 'ELOOP' },
        'a symbolic link under the root leads outside it: refused',
      );
    }
    return file;
  }

  private async prepareTarget(key: string, operation: string): Promise<string> {
    const target = this.pathOf(key, operation);
    const dir = path.dirname(target);
    await this.fsCall(operation, key, () =>
      mkdir(dir, { recursive: true }).catch(async (e: unknown) => Promise.reject(await mkdirFailure(dir, e))),
    );
    return target;
  }

  private async pruneEmptyDirs(dir: string): Promise<void> {
    let current = dir;
    while (current.startsWith(this.root + path.sep)) {
      try {
        await rmdir(current);
      } catch {
        return; // not empty, already gone, or not ours to remove
      }
      current = path.dirname(current);
    }
  }

  private async fsCall<T>(operation: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw this.fail(error, operation, key);
    }
  }

  /** Maps an fs error to a StorageError naming the root and key; StorageErrors pass through. */
  private fail(error: unknown, operation: string, key: string): StorageError {
    if (error instanceof StorageError) return error;
    const code = errnoCode(error);
    const mapped = (code && ERRNO_KINDS[code]) || { kind: 'other' as const, status: 500 };
    let detail: string | undefined = code === undefined ? String(error) : ERRNO_DETAIL[code];
    if (code === 'ENOTDIR' || code === 'EEXIST' || code === 'EISDIR') {
      detail = 'a file and a folder would have the same name (allowed on S3, not on local disk)';
      if (operation === 'get') detail = undefined;
    }
    return new StorageError(
      { kind: mapped.kind, endpoint: this.root, key, operation, status: mapped.status, code },
      detail,
    );
  }

  /** Adds "the root does not exist" to a not-found error when that is the reason. */
  private async explainMissing(error: StorageError): Promise<StorageError> {
    if (error.kind !== 'not_found') return error;
    const rootExists = await stat(this.root).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (rootExists) return error;
    return new StorageError(
      {
        kind: 'not_found',
        endpoint: this.root,
        key: error.key,
        operation: error.operation,
        status: 404,
        code: error.code,
      },
      `the local root directory ${this.root} does not exist`,
    );
  }

  private async *walkPrefix(prefix: string, delimiter: string | undefined): AsyncIterable<ObjectInfo> {
    const slash = prefix.lastIndexOf('/');
    const dirKey = prefix.slice(0, slash + 1);
    const dirPath = dirKey === '' ? this.root : path.join(this.root, ...dirKey.slice(0, -1).split('/'));
    let lastCommonPrefix: string | undefined;
    for await (const entry of this.walkDir(dirPath, dirKey, prefix.slice(slash + 1), delimiter === '/')) {
      if (delimiter === undefined || delimiter === '/' || entry.size < 0) {
        yield entry;
        continue;
      }
      // Any other delimiter: group keys by the prefix up to the delimiter; sorted order keeps groups contiguous.
      const rest = entry.key.slice(prefix.length);
      const at = rest.indexOf(delimiter);
      if (at < 0) {
        yield entry;
        continue;
      }
      const common = prefix + rest.slice(0, at + delimiter.length);
      if (common !== lastCommonPrefix) {
        lastCommonPrefix = common;
        yield { key: common, size: -1 };
      }
    }
  }

  /** Entries of one folder in key order, descending lazily, or folders as common prefixes. */
  private async *walkDir(
    dirPath: string,
    keyPrefix: string,
    namePrefix: string,
    foldersAsPrefixes: boolean,
  ): AsyncIterable<ObjectInfo> {
    let dirents: Dirent[];
    try {
      dirents = await readdir(dirPath, { withFileTypes: true });
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw this.fail(error, 'list', keyPrefix + namePrefix);
    }
    const children: { name: string; isDir: boolean; sortKey: string }[] = [];
    for (const dirent of dirents) {
      if (!dirent.name.startsWith(namePrefix) || TEMP_FILE.test(dirent.name)) continue;
      let isDir = dirent.isDirectory();
      if (dirent.isSymbolicLink()) {
        isDir = await stat(path.join(dirPath, dirent.name)).then(
          (s) => s.isDirectory(),
          () => false,
        );
      }
      // A folder's keys all start with "name/", so it sorts as "name/".
      children.push({ name: dirent.name, isDir, sortKey: isDir ? `${dirent.name}/` : dirent.name });
    }
    children.sort((a, b) => compareKeys(a.sortKey, b.sortKey));
    for (const child of children) {
      const childPath = path.join(dirPath, child.name);
      const key = keyPrefix + child.name;
      if (child.isDir) {
        if (!foldersAsPrefixes) yield* this.walkDir(childPath, `${key}/`, '', false);
        else if (await this.holdsObjects(childPath)) yield { key: `${key}/`, size: -1 };
        continue;
      }
      const info = await stat(childPath).catch(() => undefined); // deleted since readdir
      if (info?.isFile()) yield { key, size: info.size, lastModified: info.mtime };
    }
  }

  private async holdsObjects(dirPath: string): Promise<boolean> {
    const dirents = await readdir(dirPath, { withFileTypes: true }).catch(() => [] as Dirent[]);
    for (const dirent of dirents) {
      if (TEMP_FILE.test(dirent.name)) continue;
      if (!dirent.isDirectory()) return true;
      if (await this.holdsObjects(path.join(dirPath, dirent.name))) return true;
    }
    return false;
  }
}
