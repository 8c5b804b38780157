/**
 * The single instrumentation layer: wraps any Storage so that every call
 * becomes one `Operation` (one per LIST page when the backend exposes pages).
 * Metrics, requests.csv and the cost model consume nothing else.
 */
import { StorageError } from '../errors.ts';
import { entriesOf, failureFacts, isPagedLister, type ListPage } from './backend.ts';
import { now, type Operation, type OperationSink, type OperationType } from './operations.ts';
import type {
  ByteRange,
  CleanupResult,
  GetOptions,
  GetResult,
  ListOptions,
  ObjectInfo,
  PutResult,
  PutStreamOptions,
  RequestMeta,
  Storage,
} from './types.ts';

/** Error label of a failed call: the StorageError kind, 'aborted', or 'other'. */
function errorLabel(error: unknown): string {
  if (error instanceof StorageError) return error.kind;
  if ((error as { name?: unknown } | null)?.name === 'AbortError') return 'aborted';
  return 'other';
}

function rangeFields(range: ByteRange | undefined): Pick<Operation, 'rangeStart' | 'rangeEnd'> {
  if (range === undefined) return {};
  if ('suffix' in range) return { rangeStart: -range.suffix, rangeEnd: -1 };
  return { rangeStart: range.start, rangeEnd: range.end };
}

class InstrumentedStorage implements Storage {
  readonly kind: Storage['kind'];
  readonly location: string;

  constructor(
    private readonly inner: Storage,
    private readonly sink: OperationSink,
    private readonly thread: () => number,
  ) {
    this.kind = inner.kind;
    this.location = inner.location;
  }

  put(key: string, body: Uint8Array): Promise<PutResult> {
    return this.timed(
      'PUT',
      key,
      {},
      () => this.inner.put(key, body),
      (r) => ({
        ...this.fromMeta(r.meta),
        bytes: r.bytes,
      }),
    );
  }

  putStream(key: string, source: AsyncIterable<Uint8Array>, options?: PutStreamOptions): Promise<PutResult> {
    return this.timed(
      'MULTIPART',
      key,
      {},
      () => this.inner.putStream(key, source, this.withUploadRequests(key, options)),
      (r) => ({
        ...this.fromMeta(r.meta),
        op: r.parts > 1 ? 'MULTIPART' : 'PUT',
        bytes: r.bytes,
        parts: r.parts,
      }),
    );
  }

  /** A sink that records upload requests hears each of the upload's requests (and so does the caller). */
  private withUploadRequests(
    key: string,
    options: PutStreamOptions | undefined,
  ): PutStreamOptions | undefined {
    const sink = this.sink;
    if (sink.recordUploadRequest === undefined) return options;
    const caller = options?.onRequest;
    return {
      ...options,
      onRequest: (request) => {
        sink.recordUploadRequest?.(request, key);
        caller?.(request);
      },
    };
  }

  get(key: string, range?: ByteRange, options?: GetOptions): Promise<GetResult> {
    return this.timed(
      'GET',
      key,
      rangeFields(range),
      () => this.inner.get(key, range, options),
      (r) => ({
        ...this.fromMeta(r.meta),
        bytes: r.body.length,
      }),
    );
  }

  head(key: string): Promise<ObjectInfo | undefined> {
    // ObjectInfo carries no RequestMeta: retries of a successful HEAD are not visible here.
    return this.timed(
      'HEAD',
      key,
      {},
      () => this.inner.head(key),
      (r) => ({
        status: r === undefined ? 404 : 200,
        retries: 0,
        bytes: 0,
      }),
    );
  }

  list(prefix: string, options?: ListOptions): AsyncIterable<ObjectInfo> {
    return entriesOf(this.listPages(prefix, options));
  }

  deleteMany(keys: string[]): Promise<void> {
    // One DELETE op per call (S3: one DeleteObjects request per 1000 keys); key = the first key.
    return this.timed(
      'DELETE',
      keys[0] ?? '',
      {},
      () => this.inner.deleteMany(keys),
      () => ({
        status: 200,
        retries: 0,
        bytes: 0,
      }),
    );
  }

  /** Not timed: a housekeeping pass before the work, not part of it. */
  cleanIncomplete(prefix: string, startedBefore: Date): Promise<CleanupResult> {
    return this.inner.cleanIncomplete(prefix, startedBefore);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  /** One LIST op per page for paged backends, else one per call. */
  private async *listPages(prefix: string, options?: ListOptions): AsyncIterable<ListPage> {
    const pages: AsyncIterable<ListPage> = isPagedLister(this.inner)
      ? this.inner.listPages(prefix, options)
      : this.wholeListing(prefix, options);
    const iterator = pages[Symbol.asyncIterator]();
    try {
      while (true) {
        const step = await this.timed(
          'LIST',
          prefix,
          {},
          () => iterator.next(),
          (s) => (s.done ? undefined : { ...this.fromMeta(s.value.meta), bytes: 0 }),
        );
        if (step.done) return;
        yield step.value;
      }
    } finally {
      await iterator.return?.();
    }
  }

  private async *wholeListing(prefix: string, options?: ListOptions): AsyncIterable<ListPage> {
    const entries: ObjectInfo[] = [];
    for await (const entry of this.inner.list(prefix, options)) entries.push(entry);
    yield { entries, meta: { attempts: 1, status: 200 } };
  }

  private fromMeta(meta: RequestMeta): Pick<Operation, 'status' | 'retries' | 'firstByte'> {
    return { status: meta.status, retries: Math.max(0, meta.attempts - 1), firstByte: meta.firstByteAt };
  }

  /**
   * Runs `call`, records one Operation from its result (none when `describe`
   * returns undefined: the end of a listing), or from its error, which is
   * rethrown unchanged.
   */
  private async timed<T>(
    op: OperationType,
    key: string,
    range: Pick<Operation, 'rangeStart' | 'rangeEnd'>,
    call: () => Promise<T>,
    describe: (
      result: T,
    ) => (Partial<Operation> & Pick<Operation, 'status' | 'retries' | 'bytes'>) | undefined,
  ): Promise<T> {
    const start = now();
    let result: T;
    try {
      result = await call();
    } catch (error) {
      const facts = failureFacts(error);
      this.sink.record({
        op,
        key,
        ...range,
        bytes: 0,
        start,
        end: now(),
        status: facts?.status ?? (error instanceof StorageError ? (error.status ?? 0) : 0),
        retries: facts ? Math.max(0, facts.attempts - 1) : 0,
        thread: this.thread(),
        error: errorLabel(error),
      });
      throw error;
    }
    const fields = describe(result);
    if (fields !== undefined) {
      this.sink.record({ op, key, ...range, start, end: now(), thread: this.thread(), ...fields });
    }
    return result;
  }
}

/**
 * Wraps `inner` so that every call is recorded in `sink`. `thread` names who
 * issued it: a fixed id, or a function read at each call (for shared storages).
 */
export function instrumentStorage(
  inner: Storage,
  sink: OperationSink,
  thread: number | (() => number) = 0,
): Storage {
  return new InstrumentedStorage(inner, sink, typeof thread === 'function' ? thread : () => thread);
}
