/**
 * Zstandard for Parquet pages: picks one backend per process and exposes it
 * as synchronous `zstdCompress` / `zstdDecompress`.
 *
 * Order: node:zlib's built-in zstd (Node ≥ 22.15, the Lambda runtimes) → the
 * native addon @toondepauw/node-zstd (zstd-native.ts) → libzstd compiled to
 * WASM (below). PQBENCH_ZSTD=zlib|native|wasm forces one, failing loudly when
 * it is not available here (benchmarks must not silently measure another;
 * select.ts).
 *
 * The WASM build comes from @bokuweb/zstd-wasm, with our own glue: the
 * package only offers an async `init()`, but `new WebAssembly.Module/Instance`
 * are synchronous in Node, so we instantiate on first use. Where the .wasm
 * comes from, first hit wins: $PQBENCH_ZSTD_WASM; zstd.wasm in
 * $LAMBDA_TASK_ROOT or next to the entry script (a bundle that wants the WASM
 * fallback must copy it there: zstdWasmPath() tells from where); the
 * installed package.
 */

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BackendChoice, type PageMemory } from './select.ts';
import {
  loadNativeZstd,
  loadZlibZstd,
  type ZstdBackend,
  type ZstdBackendName,
  type ZstdLoad,
} from './zstd-native.ts';

export type { ZstdBackend, ZstdBackendName } from './zstd-native.ts';

// The project's lib (ES2023, no DOM) has no WebAssembly typings: the little we use.
interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface ZstdExports {
  memory: WasmMemory;
  isError(code: number): number;
  compressBound(size: number): number;
  compress(dst: number, dstCap: number, src: number, srcSize: number, level: number): number;
  getFrameContentSize(src: number, size: number): number;
  decompress(dst: number, dstCap: number, src: number, srcSize: number): number;
  malloc(size: number): number;
  free(ptr: number): void;
}

export const ZSTD_WASM_FILE = 'zstd.wasm';

/** Path of zstd.wasm, for bundlers that must copy it next to their output. */
export function zstdWasmPath(): string {
  const candidates: string[] = [];
  if (process.env.PQBENCH_ZSTD_WASM) candidates.push(process.env.PQBENCH_ZSTD_WASM);
  if (process.env.LAMBDA_TASK_ROOT) candidates.push(join(process.env.LAMBDA_TASK_ROOT, ZSTD_WASM_FILE));
  if (process.argv[1]) candidates.push(join(dirname(process.argv[1]), ZSTD_WASM_FILE));
  try {
    const require = createRequire(import.meta.url);
    candidates.push(join(dirname(require.resolve('@bokuweb/zstd-wasm')), ZSTD_WASM_FILE));
  } catch {
    // bundled without node_modules: rely on the copied file above
  }
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`zstd.wasm not found (looked in: ${candidates.join(', ')})`);
  return found;
}

let instance: ZstdExports | null = null;

function zstd(): ZstdExports {
  if (instance) return instance;
  let memory: WasmMemory | null = null;
  const fail = (what: string) => () => {
    throw new Error(`zstd wasm ${what}`);
  };
  const imports = {
    a: {
      a: fail('exit'),
      b: () => {},
      c: fail('abort'),
      d: () => 0,
      e: (requested: number): boolean => {
        if (!memory) return false;
        const pages = Math.ceil(((requested >>> 0) - memory.buffer.byteLength) / 65536);
        try {
          memory.grow(Math.max(pages, 16));
          return true;
        } catch {
          return false;
        }
      },
    },
  };
  const module = new wasm.Module(readFileSync(zstdWasmPath()));
  const raw = new wasm.Instance(module, imports).exports;
  memory = raw.f as WasmMemory;
  (raw.g as () => void)();
  instance = {
    memory,
    isError: raw.h as ZstdExports['isError'],
    compressBound: raw.i as ZstdExports['compressBound'],
    compress: raw.m as ZstdExports['compress'],
    getFrameContentSize: raw.p as ZstdExports['getFrameContentSize'],
    decompress: raw.r as ZstdExports['decompress'],
    malloc: raw.s as ZstdExports['malloc'],
    free: raw.t as ZstdExports['free'],
  };
  return instance;
}

/** A scratch allocation in WASM memory, grown as needed and reused across calls. */
class Scratch {
  ptr = 0;
  capacity = 0;
  reserve(z: ZstdExports, size: number): number {
    if (size > this.capacity) {
      if (this.ptr) z.free(this.ptr);
      this.capacity = Math.max(size, this.capacity * 2, 1 << 16);
      this.ptr = z.malloc(this.capacity);
      if (!this.ptr) throw new Error(`zstd wasm: cannot allocate ${this.capacity} bytes`);
    }
    return this.ptr;
  }
}

const input = new Scratch();
const output = new Scratch();

function wasmCompress(bytes: Uint8Array, level: number): Uint8Array {
  const z = zstd();
  const bound = z.compressBound(bytes.length);
  const src = input.reserve(z, bytes.length);
  const dst = output.reserve(z, bound);
  new Uint8Array(z.memory.buffer, src, bytes.length).set(bytes);
  const n = z.compress(dst, bound, src, bytes.length, level);
  if (z.isError(n)) throw new Error(`zstd compress failed (code ${n})`);
  return new Uint8Array(z.memory.buffer, dst, n >>> 0).slice();
}

/** Decompresses in WASM memory, then copies out: into `memory` when given (no allocation), else a fresh array. */
function wasmDecompress(bytes: Uint8Array, uncompressedSize: number, memory?: PageMemory): Uint8Array {
  const z = zstd();
  const src = input.reserve(z, bytes.length);
  const dst = output.reserve(z, uncompressedSize);
  new Uint8Array(z.memory.buffer, src, bytes.length).set(bytes);
  const n = z.decompress(dst, uncompressedSize, src, bytes.length);
  if (z.isError(n)) throw new Error(`zstd decompress failed (code ${n})`);
  if (n >>> 0 !== uncompressedSize) {
    throw new Error(`zstd decompressed ${n >>> 0} bytes, expected ${uncompressedSize}`);
  }
  const result = new Uint8Array(z.memory.buffer, dst, uncompressedSize);
  if (!memory) return result.slice();
  const out = memory(uncompressedSize);
  out.set(result);
  return out;
}

/** The WASM build as a backend: always loadable where zstd.wasm can be found. */
export function loadWasmZstd(): ZstdLoad {
  try {
    zstd();
  } catch (error) {
    return { unavailable: error instanceof Error ? error.message : String(error) };
  }
  return { backend: { name: 'wasm', compress: wasmCompress, decompress: wasmDecompress } };
}

export const ZSTD_BACKEND_ENV = 'PQBENCH_ZSTD';
export const ZSTD_BACKEND_ORDER: readonly ZstdBackendName[] = ['zlib', 'native', 'wasm'];

export const zstdBackends = new BackendChoice<ZstdBackendName, ZstdBackend>(
  'zstd',
  ZSTD_BACKEND_ENV,
  ZSTD_BACKEND_ORDER,
  {
    zlib: loadZlibZstd,
    native: loadNativeZstd,
    wasm: loadWasmZstd,
  },
);

/** One backend by name (loaded at most once per process), or why it is unavailable here. */
export function loadZstdBackend(name: ZstdBackendName): ZstdLoad {
  return zstdBackends.load(name);
}

/** Which zstd implementation this process uses (chosen on first call, then fixed). */
export function zstdBackendName(): ZstdBackendName {
  return zstdBackends.get().name;
}

export function zstdCompress(bytes: Uint8Array, level = 3): Uint8Array {
  return zstdBackends.get().compress(bytes, level);
}

/** Decompresses one zstd frame of known decompressed size (into `memory` where the backend can). */
export function zstdDecompress(bytes: Uint8Array, uncompressedSize: number, memory?: PageMemory): Uint8Array {
  return zstdBackends.get().decompress(bytes, uncompressedSize, memory);
}
