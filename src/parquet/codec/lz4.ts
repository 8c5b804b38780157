/**
 * LZ4_RAW (the LZ4 block format) for Parquet pages: the napi `lz4-napi`
 * addon (prebuilt for linux x64 and arm64, an optional dependency) where it
 * loads, else our JS block compressor and decoder (lz4-js.ts).
 * PQBENCH_LZ4=native|js forces one.
 *
 * lz4-napi speaks LZ4 blocks behind a 4-byte little-endian size prefix: it is
 * dropped after compressing and written before decompressing.
 */
import { createRequire } from 'node:module';
import { lz4CompressBlock, lz4DecompressBlock } from './lz4-js.ts';
import { asBuffer, asBytes, BackendChoice, checkedSize, type Load, type PageMemory } from './select.ts';

export type Lz4BackendName = 'native' | 'js';

export interface Lz4Backend {
  readonly name: Lz4BackendName;
  compress(bytes: Uint8Array): Uint8Array;
  /** The JS decoder writes into `memory` when given; the addon returns memory of its own. */
  decompress(bytes: Uint8Array, uncompressedSize: number, memory?: PageMemory): Uint8Array;
}

interface NapiLz4 {
  compressSync(input: Buffer): Buffer;
  uncompressSync(input: Buffer): Buffer;
}

export const NATIVE_LZ4_PACKAGE = 'lz4-napi';

/** Reused: the size prefix and the block, contiguous, for the addon. */
let scratch = Buffer.alloc(0);

function loadNative(): Load<Lz4Backend> {
  const addon = createRequire(import.meta.url)(NATIVE_LZ4_PACKAGE) as NapiLz4;
  return {
    backend: {
      name: 'native',
      compress: (bytes) => asBytes(addon.compressSync(asBuffer(bytes))).subarray(4),
      decompress(bytes, size) {
        if (scratch.length < bytes.length + 4)
          scratch = Buffer.alloc(Math.max(bytes.length + 4, scratch.length * 2));
        scratch.writeUInt32LE(size, 0);
        scratch.set(bytes, 4);
        // A wrong size prefix makes the addon return fewer bytes, not fail: the length check is the check.
        return checkedSize(asBytes(addon.uncompressSync(scratch.subarray(0, bytes.length + 4))), size, 'lz4');
      },
    },
  };
}

function loadJs(): Load<Lz4Backend> {
  return {
    backend: {
      name: 'js',
      compress: (bytes) => lz4CompressBlock(bytes),
      decompress: (bytes, size, memory) => lz4DecompressBlock(bytes, size, memory?.(size)),
    },
  };
}

export const lz4Backends = new BackendChoice<Lz4BackendName, Lz4Backend>(
  'lz4',
  'PQBENCH_LZ4',
  ['native', 'js'],
  {
    native: loadNative,
    js: loadJs,
  },
);
