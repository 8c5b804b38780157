/**
 * One backend per codec per process, picked once: the first of the codec's
 * order that loads here, or the one its environment variable forces (a
 * benchmark must not silently measure another; a forced backend that cannot
 * load is a ConfigError). Every backend of a codec reads and writes the same
 * standard format, so the choice changes speed, never bytes on the wire.
 */
import { ConfigError } from '../../errors.ts';

/** A backend, or why this process cannot have it. */
export type Load<B> = { backend: B } | { unavailable: string };

/**
 * Memory of exactly `bytes` bytes to decompress a page into (a loader's
 * pooled buffer, given back once the page's rows are batched). A backend
 * uses it when it can write into memory it is given; one that cannot returns
 * memory of its own rather than copy into it.
 */
export type PageMemory = (bytes: number) => Uint8Array;

export class BackendChoice<Name extends string, B extends { readonly name: Name }> {
  private readonly loads = new Map<Name, Load<B>>();
  private active: B | null = null;

  constructor(
    readonly codec: string,
    /** PQBENCH_<CODEC>: forces one backend. */
    readonly envVar: string,
    readonly order: readonly Name[],
    private readonly loaders: Record<Name, () => Load<B>>,
  ) {}

  /** One backend by name (loaded at most once per process), or why it is unavailable here. */
  load(name: Name): Load<B> {
    let load = this.loads.get(name);
    if (!load) {
      try {
        load = this.loaders[name]();
      } catch (error) {
        load = { unavailable: error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error) };
      }
      this.loads.set(name, load);
    }
    return load;
  }

  /** The backend this process uses (chosen on first call, then fixed). */
  get(): B {
    this.active ??= this.select(process.env[this.envVar] || undefined);
    return this.active;
  }

  private select(forced: string | undefined): B {
    if (forced) return this.forced(forced);
    const reasons: string[] = [];
    for (const name of this.order) {
      const load = this.load(name);
      if ('backend' in load) return load.backend;
      reasons.push(`${name}: ${load.unavailable}`);
    }
    throw new Error(`no ${this.codec} backend is available (${reasons.join('; ')})`);
  }

  private forced(forced: string): B {
    const issue = (message: string) => new ConfigError([{ path: this.envVar, message }], 'environment');
    if (!(this.order as readonly string[]).includes(forced)) {
      throw issue(`must be one of ${this.order.join(', ')}, got "${forced}"`);
    }
    const load = this.load(forced as Name);
    if ('unavailable' in load)
      throw issue(`${this.codec} backend "${forced}" is not available: ${load.unavailable}`);
    return load.backend;
  }
}

/** A Buffer as a plain Uint8Array view (same memory), so callers never meet Buffer semantics. */
export function asBytes(buffer: Uint8Array): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function checkedSize(out: Uint8Array, expected: number, codec: string): Uint8Array {
  if (out.length !== expected)
    throw new Error(`${codec} page decompressed to ${out.length} bytes, expected ${expected}`);
  return out;
}
