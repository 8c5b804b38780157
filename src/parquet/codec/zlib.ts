/**
 * node:zlib, loaded on first use: compiling it costs a worker thread several
 * milliseconds of its start, and most datasets never touch gzip or brotli
 * (a loader warms its dataset's codec before it reports ready: warmCodec).
 */
import { createRequire } from 'node:module';

type Zlib = typeof import('node:zlib');
let loaded: Zlib | undefined;

export function zlib(): Zlib {
  loaded ??= createRequire(import.meta.url)('node:zlib') as Zlib;
  return loaded;
}
