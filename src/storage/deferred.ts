/**
 * A storage whose backend module loads on first use. The S3 backend pulls in
 * the AWS SDK (about 100 ms and tens of MB per thread); a worker thread that
 * never touches S3 — or has not yet — should not pay for it. The location is
 * known up front, so messages can name the storage before it loads.
 */
import { entriesOf, isPagedLister, type ListPage, type PagedLister } from './backend.ts';
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

export class DeferredStorage implements Storage, PagedLister {
  private loading: Promise<Storage> | undefined;

  constructor(
    readonly kind: Storage['kind'],
    readonly location: string,
    private readonly load: () => Promise<Storage>,
  ) {}

  /** Loads the backend now (a thread does so before it reports ready, so no request pays for it). */
  backend(): Promise<Storage> {
    this.loading ??= this.load();
    return this.loading;
  }

  async put(key: string, body: Uint8Array): Promise<PutResult> {
    return (await this.backend()).put(key, body);
  }

  async putStream(
    key: string,
    source: AsyncIterable<Uint8Array>,
    options?: PutStreamOptions,
  ): Promise<PutResult> {
    return (await this.backend()).putStream(key, source, options);
  }

  async get(key: string, range?: ByteRange, options?: GetOptions): Promise<GetResult> {
    return (await this.backend()).get(key, range, options);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    return (await this.backend()).head(key);
  }

  list(prefix: string, options?: ListOptions): AsyncIterable<ObjectInfo> {
    return entriesOf(this.listPages(prefix, options));
  }

  async *listPages(prefix: string, options?: ListOptions): AsyncIterable<ListPage> {
    const backend = await this.backend();
    if (isPagedLister(backend)) yield* backend.listPages(prefix, options);
    else
      for await (const entry of backend.list(prefix, options))
        yield { entries: [entry], meta: { attempts: 1, status: 200 } };
  }

  async deleteMany(keys: string[]): Promise<void> {
    return (await this.backend()).deleteMany(keys);
  }

  async cleanIncomplete(prefix: string, startedBefore: Date): Promise<CleanupResult> {
    return (await this.backend()).cleanIncomplete(prefix, startedBefore);
  }

  async close(): Promise<void> {
    if (this.loading) await (await this.loading).close();
  }
}
