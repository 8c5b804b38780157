/**
 * node:zlib's zstd decoding straight into memory the caller gives (a pooled
 * page), through one reused decoder. `zstdDecompressSync` builds a decoder
 * per call and returns a fresh Buffer per page; with pages of a megabyte
 * that is a stream of external memory V8 answers with garbage collections
 * (17 % of a loader's time on list/zstd pages, Node 24). The stream object's
 * handle does what zstdDecompressSync does inside — `writeSync` into an
 * output range, then `reset` — so this drives it directly.
 *
 * `_handle` and `_writeState` are internals of node:zlib (stable since Node
 * 10, and the same for zstd as for gzip); they are feature-detected, and
 * where they are missing `zlibZstdInto` returns undefined and the caller
 * keeps zstdDecompressSync.
 */
import { zlib } from './zlib.ts';

interface ZstdHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOffset: number,
    inLength: number,
    output: Uint8Array,
    outOffset: number,
    outLength: number,
  ): void;
  reset(): void;
}

interface ZstdStream {
  _handle?: ZstdHandle;
  /** [output bytes left, input bytes left] after each writeSync. */
  _writeState?: Uint32Array;
  destroyed: boolean;
  errored: Error | null;
  on(event: 'error', listener: (error: Error) => void): void;
}

type CreateZstdDecompress = () => ZstdStream;

/** Decodes one zstd frame into all of `out`, or throws (wrong size, corrupt frame). */
export type ZstdInto = (input: Uint8Array, out: Uint8Array) => void;

export function zlibZstdInto(): ZstdInto | undefined {
  const create = (zlib() as unknown as { createZstdDecompress?: CreateZstdDecompress }).createZstdDecompress;
  if (typeof create !== 'function') return undefined;
  const usable = (stream: ZstdStream) =>
    typeof stream._handle?.writeSync === 'function' &&
    typeof stream._handle.reset === 'function' &&
    stream._writeState instanceof Uint32Array;
  const open = (): ZstdStream => {
    const stream = create();
    // A corrupt frame destroys the stream (and emits 'error' later): a new one serves the next page.
    stream.on('error', () => {});
    return stream;
  };
  let stream = open();
  if (!usable(stream)) return undefined;
  const flush = (zlib().constants as unknown as Record<string, number>).ZSTD_e_end ?? 2;
  // Where a frame longer than its page would spill: any byte here means a corrupt page.
  const spill = new Uint8Array(64);
  return (input, out) => {
    if (stream.destroyed) stream = open();
    const handle = stream._handle as ZstdHandle;
    const state = stream._writeState as Uint32Array;
    handle.writeSync(flush, input, 0, input.length, out, 0, out.length);
    const failed = stream.destroyed ? stream.errored : null;
    const [outLeft, inLeft] = [state[0], state[1]];
    let spilled = 0;
    if (!failed && outLeft === 0) {
      handle.writeSync(flush, input, input.length - (inLeft ?? 0), inLeft ?? 0, spill, 0, spill.length);
      spilled = spill.length - (state[0] ?? 0);
    }
    if (!stream.destroyed) handle.reset();
    if (failed) throw new Error(`zstd decompress failed: ${failed.message}`);
    if (outLeft !== 0 || spilled > 0 || (inLeft ?? 0) > 0)
      throw new Error(
        `zstd page decompressed to ${out.length - (outLeft ?? 0) + spilled}${spilled ? '+' : ''} bytes, expected ${out.length}`,
      );
  };
}
