/**
 * Facts a backend hands to the instrumentation layer beyond the `Storage`
 * interface: LIST requests page by page, and how many attempts a failed
 * request made (a StorageError has no field for it, and the SDK's error
 * object must not travel further because its request may carry a credential).
 */
import type { ListOptions, ObjectInfo, RequestMeta, Storage } from './types.ts';

/** One underlying LIST request's worth of entries. */
export interface ListPage {
  entries: ObjectInfo[];
  meta: RequestMeta;
}

/** A backend that can expose its listing page by page (one page = one LIST request). */
export interface PagedLister {
  listPages(prefix: string, options?: ListOptions): AsyncIterable<ListPage>;
}

export function isPagedLister(storage: Storage): storage is Storage & PagedLister {
  return typeof (storage as Partial<PagedLister>).listPages === 'function';
}

/** Facts about a failed request: attempts made, HTTP status (0 = no response). */
export interface FailureFacts {
  attempts: number;
  status: number;
}

const failures = new WeakMap<object, FailureFacts>();

export function recordFailureFacts(error: object, facts: FailureFacts): void {
  failures.set(error, facts);
}

export function failureFacts(error: unknown): FailureFacts | undefined {
  return typeof error === 'object' && error !== null ? failures.get(error) : undefined;
}

/** Default LIST page size, S3's maximum. */
export const DEFAULT_LIST_PAGE_SIZE = 1000;

/** Flattens pages into entries: the `Storage.list` contract on top of `listPages`. */
export async function* entriesOf(pages: AsyncIterable<ListPage>): AsyncIterable<ObjectInfo> {
  for await (const page of pages) yield* page.entries;
}
