/**
 * Snappy for Parquet pages: the napi-rs `snappy` addon (prebuilt for linux
 * x64 and arm64, an optional dependency) where it loads, else hysnappy's WASM
 * decoder and hyparquet-writer's JS compressor. PQBENCH_SNAPPY=native|wasm
 * forces one. Native decodes about as fast as the WASM build and compresses
 * 6-7× faster (docs/codecs.md).
 */
import { createRequire } from 'node:module';
import { snappyUncompressor } from 'hysnappy';
import { snappyCompress } from '../hyparquet.ts';
import { asBuffer, asBytes, BackendChoice, checkedSize, type Load, type PageMemory } from './select.ts';
import { snappyDecompressInto } from './snappy-js.ts';

export type SnappyBackendName = 'native' | 'wasm';

export interface SnappyBackend {
  readonly name: SnappyBackendName;
  compress(bytes: Uint8Array): Uint8Array;
  /** With `memory`, a page snappy could not compress is decoded into it (see literalPage). */
  decompress(bytes: Uint8Array, uncompressedSize: number, memory?: PageMemory): Uint8Array;
}

/**
 * A page that snappy could not shrink by an eighth is nearly all literals:
 * decoding it is a memcpy, which snappy-js.ts does straight into the pooled
 * page at memory speed (random floats, dictionary indices: 6.8-8.5 GB/s
 * against 3.6-5.5 GB/s for the addon, which also allocates per page). Pages
 * with real matches decode 5-10x faster in native code (text: 1.4 GB/s vs
 * 0.2), so they keep the backend.
 */
function literalPage(
  bytes: Uint8Array,
  size: number,
  memory: PageMemory | undefined,
): Uint8Array | undefined {
  if (!memory || bytes.length * 8 < size * 7) return undefined;
  const out = memory(size);
  snappyDecompressInto(bytes, out);
  return out;
}

interface NapiSnappy {
  compressSync(input: Buffer, options?: { copyOutputData?: boolean }): Buffer;
  uncompressSync(input: Buffer, options?: { asBuffer?: boolean; copyOutputData?: boolean }): Buffer;
}

export const NATIVE_SNAPPY_PACKAGE = 'snappy';

function loadNative(): Load<SnappyBackend> {
  // A runtime require so bundlers leave the addon out (a Lambda bundle falls back to WASM).
  const addon = createRequire(import.meta.url)(NATIVE_SNAPPY_PACKAGE) as NapiSnappy;
  return {
    backend: {
      name: 'native',
      // copyOutputData: a V8-owned result; the addon's own buffers are freed only when the event loop turns.
      compress: (bytes) => asBytes(addon.compressSync(asBuffer(bytes), { copyOutputData: true })),
      decompress: (bytes, size, memory) =>
        literalPage(bytes, size, memory) ??
        checkedSize(
          asBytes(addon.uncompressSync(asBuffer(bytes), { asBuffer: true, copyOutputData: true })),
          size,
          'snappy',
        ),
    },
  };
}

/** The uncompressed length a snappy stream declares (its leading varint). */
export function snappyLength(bytes: Uint8Array): number {
  let length = 0;
  for (let i = 0, shift = 0; i < 5 && i < bytes.length; i++, shift += 7) {
    const b = bytes[i] as number;
    length += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return length;
  }
  throw new Error('snappy stream has no valid length header');
}

function loadWasm(): Load<SnappyBackend> {
  const decode = snappyUncompressor();
  return {
    backend: {
      name: 'wasm',
      compress: (bytes) => snappyCompress(bytes),
      decompress(bytes, size, memory) {
        const literal = literalPage(bytes, size, memory);
        if (literal) return literal;
        // hysnappy fills a buffer of the size it is told: the stream's own header is the check.
        const declared = snappyLength(bytes);
        if (declared !== size) throw new Error(`snappy page declares ${declared} bytes, expected ${size}`);
        return decode(bytes, size);
      },
    },
  };
}

export const snappyBackends = new BackendChoice<SnappyBackendName, SnappyBackend>(
  'snappy',
  'PQBENCH_SNAPPY',
  ['native', 'wasm'],
  {
    native: loadNative,
    wasm: loadWasm,
  },
);
