/**
 * Zstandard through native code, when this process has it: Node's built-in
 * zlib zstd (Node ≥ 22.15, and so the Lambda runtimes) or the prebuilt napi-rs
 * addon @toondepauw/node-zstd (an optional dependency with per-platform
 * packages, no install script). Either may be missing; the loaders then say
 * why and zstd.ts falls back to WASM.
 */

import { createRequire } from 'node:module';
import type { PageMemory } from './select.ts';
import { zlib } from './zlib.ts';
import { zlibZstdInto } from './zstd-zlib-into.ts';

export type ZstdBackendName = 'zlib' | 'native' | 'wasm';

/** One zstd implementation. Both calls are synchronous (hyparquet and the page writer need that). */
export interface ZstdBackend {
  readonly name: ZstdBackendName;
  compress(bytes: Uint8Array, level: number): Uint8Array;
  /**
   * Decompresses one page to exactly `uncompressedSize` bytes, or throws;
   * into `memory` when given and the backend can write there.
   */
  decompress(bytes: Uint8Array, uncompressedSize: number, memory?: PageMemory): Uint8Array;
}

/** A backend, or why this process cannot have it. */
export type ZstdLoad = { backend: ZstdBackend } | { unavailable: string };

// @types/node 20 predates zlib's zstd: the part of it we use.
interface ZstdOptions {
  params?: Record<number, number>;
  chunkSize?: number;
  maxOutputLength?: number;
}
interface ZlibZstd {
  zstdCompressSync(bytes: Uint8Array, options: ZstdOptions): Buffer;
  zstdDecompressSync(bytes: Uint8Array, options: ZstdOptions): Buffer;
}

// libzstd's stable ZSTD_cParameter values, should a Node build not export the constants.
const ZSTD_C_COMPRESSION_LEVEL = 100;
const ZSTD_C_TARGET_LENGTH = 106;

/** Node's built-in zstd (feature-detected: present from Node 22.15 / 23.8). */
export function loadZlibZstd(): ZstdLoad {
  const z = zlib() as unknown as Partial<ZlibZstd>;
  const { zstdCompressSync, zstdDecompressSync } = z;
  if (typeof zstdCompressSync !== 'function' || typeof zstdDecompressSync !== 'function') {
    return { unavailable: `node:zlib has no zstd in Node ${process.versions.node} (needs ≥ 22.15)` };
  }
  const constants = zlib().constants as unknown as Record<string, number | undefined>;
  const levelParam = constants.ZSTD_c_compressionLevel ?? ZSTD_C_COMPRESSION_LEVEL;
  const targetLengthParam = constants.ZSTD_c_targetLength ?? ZSTD_C_TARGET_LENGTH;
  const into = zlibZstdInto();
  return {
    backend: {
      name: 'zlib',
      compress(bytes, level) {
        const out = zstdCompressSync(bytes, {
          params: levelParams(level, levelParam, targetLengthParam),
          // An output chunk of at least compressBound lets libzstd compress in one pass
          // instead of streaming into 16 KiB pieces: 1.5-2x faster on 1 MiB float pages (Node 22.23).
          chunkSize: Math.max(64, bytes.length + (bytes.length >> 7) + 64),
        });
        // The result is a view of the chunk; do not let a small page pin a large one.
        return out.length < out.buffer.byteLength / 2 ? new Uint8Array(out) : asBytes(out);
      },
      decompress(bytes, uncompressedSize, memory) {
        if (memory && into) {
          const page = memory(uncompressedSize);
          into(bytes, page);
          return page;
        }
        let out: Buffer;
        try {
          out = zstdDecompressSync(bytes, {
            // The known size as one output chunk: no 16 KiB pieces to concatenate (1.4-1.8x
            // faster on 1 MiB float pages). One byte of slack: with its output buffer filled
            // exactly, Node allocates another chunk.
            chunkSize: Math.max(64, uncompressedSize + 1),
            maxOutputLength: Math.max(1, uncompressedSize),
          });
        } catch (error) {
          // maxOutputLength turns an oversized page into a RangeError; say what it means here.
          const message = error instanceof Error ? error.message : String(error);
          throw new Error(`zstd decompress failed (expected ${uncompressedSize} bytes): ${message}`);
        }
        return checkedSize(asBytes(out), uncompressedSize);
      },
    },
  };
}

/**
 * zlib's zstd takes parameters as a Uint32Array in which 0xFFFFFFFF means
 * "unset", so level -1 cannot be passed as such. In libzstd all negative
 * levels share one parameter row and differ only in targetLength (= -level):
 * level -2 with targetLength 1 is level -1 (byte-identical output, checked
 * with the zstd 1.5.4 CLI: `--fast=1` vs `--fast=2 --zstd=tlen=1`).
 */
function levelParams(level: number, levelParam: number, targetLengthParam: number): Record<number, number> {
  if (level === -1) return { [levelParam]: -2, [targetLengthParam]: 1 };
  return { [levelParam]: level };
}

interface NapiZstd {
  Encoder: new (level: number) => { encodeSync(data: Buffer): Buffer };
  Decoder: new () => { decodeSync(data: Buffer): Buffer };
}

/**
 * @toondepauw/node-zstd 2.x: napi-rs, prebuilt for linux x64 and arm64 (glibc
 * and musl), macOS and Windows, no install script; an optional dependency.
 * Its decoder creates a streaming context per call and grows the output as it
 * goes (no size hint), and on 1 MiB pages it does not scale across threads
 * (measured: 1 thread 479 MB/s, 2 threads 690 MB/s in all, docs/codecs.md);
 * node:zlib's zstd, first in the order where the runtime has it, has neither
 * limit.
 */
export const NATIVE_ZSTD_PACKAGE = '@toondepauw/node-zstd';

/**
 * The napi-rs addon. Loaded with a runtime require so bundlers leave it out
 * (the Lambda bundle has no node_modules) and a missing or wrong-platform
 * binary only means falling back.
 *
 * On Node 20, on 1 MiB pages, it still decodes 2-3× faster than the WASM build.
 */
export function loadNativeZstd(): ZstdLoad {
  let addon: NapiZstd;
  try {
    addon = createRequire(import.meta.url)(NATIVE_ZSTD_PACKAGE) as NapiZstd;
    if (typeof addon.Encoder !== 'function' || typeof addon.Decoder !== 'function') {
      return { unavailable: `${NATIVE_ZSTD_PACKAGE} has no Encoder/Decoder` };
    }
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { unavailable: `${NATIVE_ZSTD_PACKAGE} did not load: ${message}` };
  }
  const encoders = new Map<number, InstanceType<NapiZstd['Encoder']>>();
  const decoder = new addon.Decoder();
  return {
    backend: {
      name: 'native',
      compress(bytes, level) {
        let encoder = encoders.get(level);
        if (!encoder) {
          encoder = new addon.Encoder(level);
          encoders.set(level, encoder);
        }
        return asBytes(encoder.encodeSync(asBuffer(bytes)));
      },
      decompress(bytes, uncompressedSize) {
        return checkedSize(asBytes(decoder.decodeSync(asBuffer(bytes))), uncompressedSize);
      },
    },
  };
}

function checkedSize(out: Uint8Array, expected: number): Uint8Array {
  if (out.length !== expected) {
    throw new Error(`zstd decompressed ${out.length} bytes, expected ${expected}`);
  }
  return out;
}

/** A Buffer as a plain Uint8Array view (same memory), so callers never meet Buffer semantics. */
function asBytes(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
