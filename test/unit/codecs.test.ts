import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { compressors as referenceDecompressors } from 'hyparquet-compressors';
import { CODECS } from '../../src/config/types.ts';
import { columnValues, mix32 } from '../../src/dataset/values.ts';
import {
  compress,
  compressionLevelProblem,
  decompress,
  hyparquetCompressors,
  parquetCodecOf,
} from '../../src/parquet/codec/codecs.ts';
import { type Lz4Backend, lz4Backends } from '../../src/parquet/codec/lz4.ts';
import { lz4CompressBlock } from '../../src/parquet/codec/lz4-js.ts';
import type { Load } from '../../src/parquet/codec/select.ts';
import { type SnappyBackend, snappyBackends } from '../../src/parquet/codec/snappy.ts';
import { snappyDecompressInto } from '../../src/parquet/codec/snappy-js.ts';
import {
  loadZstdBackend,
  ZSTD_BACKEND_ORDER,
  type ZstdBackend,
  type ZstdBackendName,
  zstdBackendName,
} from '../../src/parquet/codec/zstd.ts';

const randomFloats = new Uint8Array(
  (
    columnValues(
      { name: 'x', dtype: 'float32', size: 1024, read: true },
      { seed: 1, fileIndex: 0, partition: null },
      0,
      64,
    ).data as Float32Array
  ).buffer,
);
const text = new TextEncoder().encode('the quick brown fox jumps over the lazy dog; '.repeat(5000));
const zeros = new Uint8Array(300_000);
/** Words drawn at random from a small vocabulary: where stronger levels find more. */
function wordSoup(words: number): Uint8Array {
  const vocabulary = Array.from({ length: 400 }, (_, i) => (mix32(i) % 1e9).toString(36));
  return new TextEncoder().encode(
    Array.from({ length: words }, (_, i) => vocabulary[mix32(i + 1e6) % 400]).join(' '),
  );
}
const mixed = wordSoup(40_000);
const inputs: Record<string, Uint8Array> = {
  empty: new Uint8Array(0),
  tiny: Uint8Array.of(1, 2, 3),
  thirteen: new TextEncoder().encode('aaaaaaaaaaaaa'),
  randomFloats,
  text,
  zeros,
  mixed,
};

describe('codecs', () => {
  it('round-trips every codec on random, repetitive and edge-case inputs', () => {
    for (const codec of CODECS) {
      for (const [name, input] of Object.entries(inputs)) {
        const packed = compress(codec, input);
        const back = decompress(codec, packed, input.length);
        assert.ok(Buffer.from(back).equals(Buffer.from(input)), `${codec} ${name}`);
        assert.ok(
          Buffer.from(decompress(parquetCodecOf(codec), packed, input.length)).equals(Buffer.from(input)),
        );
      }
    }
  });

  it('writes what hyparquet-compressors (fzstd, its LZ4_RAW/gzip/brotli decoders) reads', () => {
    for (const codec of CODECS) {
      if (codec === 'none') continue;
      const parquetName = parquetCodecOf(codec);
      const reference = referenceDecompressors[parquetName];
      assert.ok(reference, parquetName);
      for (const [name, input] of Object.entries(inputs)) {
        // Empty pages never occur (a page holds ≥ 1 row); its LZ4 and brotli decoders reject empty blocks.
        if (input.length === 0 && (codec === 'brotli' || codec === 'lz4')) continue;
        const out = reference(compress(codec, input), input.length);
        assert.ok(Buffer.from(out).equals(Buffer.from(input)), `${codec} ${name}`);
      }
    }
  });

  it('compresses repetitive data and leaves random floats near their size', () => {
    for (const codec of ['snappy', 'gzip', 'zstd', 'lz4', 'brotli'] as const) {
      assert.ok(compress(codec, text).length < text.length / 10, `${codec} text`);
      assert.ok(compress(codec, zeros).length < zeros.length / 20, `${codec} zeros`);
      assert.ok(compress(codec, randomFloats).length > randomFloats.length * 0.8, `${codec} random`);
    }
    assert.equal(compress('none', text), text);
  });

  it('honours compression_level', () => {
    const fast = compress('zstd', mixed, 1).length;
    const strong = compress('zstd', mixed, 19).length;
    assert.ok(strong < fast, `zstd 19 (${strong}) < 1 (${fast})`);
    assert.ok(compress('gzip', mixed, 9).length < compress('gzip', mixed, 1).length);
    assert.ok(compress('brotli', mixed, 9).length < compress('brotli', mixed, 0).length);
    assert.equal(
      compressionLevelProblem('zstd', 23),
      'zstd compression_level must be an integer in -7..22, got 23',
    );
    assert.equal(compressionLevelProblem('gzip', 1.5)?.includes('0..9'), true);
    assert.equal(compressionLevelProblem('snappy', 5), null);
    assert.equal(compressionLevelProblem('zstd', null), null);
  });

  it('exposes hyparquet decompressors for every codec pqbench writes', () => {
    for (const codec of CODECS) {
      if (codec === 'none') continue;
      const fn = hyparquetCompressors[parquetCodecOf(codec)];
      assert.ok(fn, codec);
      assert.ok(Buffer.from(fn(compress(codec, text), text.length)).equals(Buffer.from(text)));
    }
  });

  it('rejects a page that decompresses to the wrong size', () => {
    assert.throws(() => decompress('zstd', compress('zstd', text), text.length + 1));
    assert.throws(() => decompress('gzip', compress('gzip', text), text.length - 1));
  });
});

describe('lz4 block compressor', () => {
  it('finds matches at the maximum offset and long runs', () => {
    const far = new Uint8Array(140_000);
    for (let i = 0; i < 65_535; i++) far[i] = (i * 2654435761) >>> 24;
    far.copyWithin(65_535, 0, 65_535); // repeats at exactly offset 65535
    const packed = lz4CompressBlock(far);
    assert.ok(packed.length < far.length * 0.6, `${packed.length}`);
    assert.ok(Buffer.from(decompress('lz4', packed, far.length)).equals(Buffer.from(far)));
  });

  it('ends every block with literals, as the format requires', () => {
    for (const n of [13, 17, 100, 4096]) {
      const block = lz4CompressBlock(new Uint8Array(n).fill(9));
      // last sequence: token with zero match nibble followed only by literals
      assert.ok(Buffer.from(decompress('lz4', block, n)).equals(Buffer.from(new Uint8Array(n).fill(9))));
      const lastLiterals = block[block.length - 1];
      assert.equal(lastLiterals, 9);
    }
  });
});

const zstdLoads = ZSTD_BACKEND_ORDER.map((name) => ({ name, load: loadZstdBackend(name) }));
const zstdBackends: ZstdBackend[] = zstdLoads.flatMap(({ load }) =>
  'backend' in load ? [load.backend] : [],
);
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** zstdBackendName() (or the error) in a fresh process with PQBENCH_ZSTD set as given. */
function backendInChild(forced: string | undefined): { name: string; stderr: string; status: number | null } {
  const env = { ...process.env };
  delete env.PQBENCH_ZSTD;
  if (forced !== undefined) env.PQBENCH_ZSTD = forced;
  const zstdModule = new URL('../../src/parquet/codec/zstd.ts', import.meta.url).href;
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const { zstdBackendName } = await import(${JSON.stringify(zstdModule)}); process.stdout.write(zstdBackendName());`,
    ],
    { env, encoding: 'utf8' },
  );
  return { name: child.stdout.trim(), stderr: child.stderr, status: child.status };
}

describe('zstd backends', () => {
  it('has WASM everywhere, and the native addon where a prebuilt binary exists', () => {
    const names = zstdBackends.map((b) => b.name);
    assert.ok(names.includes('wasm'), JSON.stringify(zstdLoads));
    // The optional dependency has prebuilt binaries for these (and more); elsewhere zlib/WASM serve.
    const prebuilt = ['linux-x64', 'linux-arm64'];
    if (prebuilt.includes(`${process.platform}-${process.arch}`)) {
      assert.ok(names.includes('native'), JSON.stringify(zstdLoads));
    }
    const zlibLoad = loadZstdBackend('zlib');
    // zlib's zstd shipped in Node 23.8 and was backported to 22.15: the feature test must find it there.
    const [major, minor] = process.versions.node.split('.').map(Number);
    const nodeHasZstd = major >= 24 || (major === 23 && minor >= 8) || (major === 22 && minor >= 15);
    assert.equal('backend' in zlibLoad, nodeHasZstd, JSON.stringify(zlibLoad));
  });

  it('round-trips on every backend, at every level kind', () => {
    for (const backend of zstdBackends) {
      for (const level of [-7, -1, 1, 3, 19]) {
        for (const [name, input] of Object.entries(inputs)) {
          const packed = backend.compress(input, level);
          assert.ok(
            same(backend.decompress(packed, input.length), input),
            `${backend.name} ${level} ${name}`,
          );
        }
      }
    }
  });

  it("decodes every other backend's frames, and fzstd decodes all of them", () => {
    const fzstd = referenceDecompressors.ZSTD;
    assert.ok(fzstd);
    for (const writer of zstdBackends) {
      for (const [name, input] of Object.entries(inputs)) {
        const packed = writer.compress(input, 3);
        for (const reader of zstdBackends) {
          assert.ok(
            same(reader.decompress(packed, input.length), input),
            `${writer.name} → ${reader.name} ${name}`,
          );
        }
        assert.ok(same(fzstd(packed, input.length), input), `${writer.name} → fzstd ${name}`);
      }
    }
  });

  it('honours the level on every backend, negative levels included', () => {
    for (const backend of zstdBackends) {
      const [fastest, minusTwo, minusOne, normal, strong] = [-7, -2, -1, 3, 19].map(
        (level) => backend.compress(mixed, level).length,
      );
      // Negative levels trade ratio for speed step by step; -1 must not fall back to
      // the default (zlib cannot pass -1 as such).
      assert.ok(
        fastest > minusTwo && minusTwo > minusOne,
        `${backend.name}: -7 ${fastest} -2 ${minusTwo} -1 ${minusOne}`,
      );
      assert.notEqual(minusOne, normal, `${backend.name}: -1 compressed like 3`);
      assert.ok(normal > strong, `${backend.name}: 3 ${normal}, 19 ${strong}`);
    }
  });

  it('rejects a page of the wrong size on every backend', () => {
    for (const backend of zstdBackends) {
      const packed = backend.compress(text, 3);
      assert.throws(() => backend.decompress(packed, text.length + 1), /zstd/, `${backend.name} +1`);
      assert.throws(() => backend.decompress(packed, text.length - 1), /zstd/, `${backend.name} -1`);
      assert.throws(
        () => backend.decompress(packed.subarray(0, packed.length >> 1), text.length),
        backend.name,
      );
    }
  });

  it('defaults to the first available of zlib, native, wasm; PQBENCH_ZSTD forces one', () => {
    const expected = zstdBackends[0].name;
    assert.equal(zstdBackendName(), process.env.PQBENCH_ZSTD || expected);
    assert.equal(backendInChild(undefined).name, expected);
    assert.equal(backendInChild('').name, expected);
    for (const { name, load } of zstdLoads) {
      const child = backendInChild(name);
      if ('backend' in load) {
        assert.equal(child.name, name, child.stderr);
      } else {
        assert.notEqual(child.status, 0);
        assert.match(
          child.stderr,
          new RegExp(`ConfigError: .*PQBENCH_ZSTD: zstd backend "${name}" is not available`),
        );
      }
    }
    const bad = backendInChild('fast');
    assert.notEqual(bad.status, 0);
    assert.match(bad.stderr, /PQBENCH_ZSTD: must be one of zlib, native, wasm, got "fast"/);
  });

  it('picks the native addon when node:zlib has no zstd and the addon loads', () => {
    const available = new Set<ZstdBackendName>(zstdBackends.map((b) => b.name));
    if (available.has('zlib') || !available.has('native')) return;
    assert.equal(backendInChild(undefined).name, 'native');
  });
});

const blockCodecs = [
  { codec: 'snappy', choice: snappyBackends, reference: referenceDecompressors.SNAPPY },
  { codec: 'lz4', choice: lz4Backends, reference: referenceDecompressors.LZ4_RAW },
] as const;

describe('snappy and LZ4_RAW backends', () => {
  for (const { codec, choice, reference } of blockCodecs) {
    const loads = choice.order.map((name) => ({ name, load: choice.load(name as never) }));
    const backends = loads.flatMap(({ load }) => ('backend' in load ? [load.backend] : []));

    it(`${codec}: has its fallback everywhere and the native addon on linux x64 and arm64`, () => {
      const names = backends.map((b) => b.name);
      assert.equal(names.length >= 1, true, JSON.stringify(loads));
      assert.ok(names.includes(choice.order[1] as never), JSON.stringify(loads));
      if (['linux-x64', 'linux-arm64'].includes(`${process.platform}-${process.arch}`)) {
        assert.ok(names.includes('native' as never), JSON.stringify(loads));
      }
    });

    it(`${codec}: every backend decodes every backend's output, and so does hyparquet-compressors`, () => {
      assert.ok(reference);
      for (const writer of backends) {
        for (const [name, input] of Object.entries(inputs)) {
          const packed = writer.compress(input);
          for (const reader of backends) {
            assert.ok(
              same(reader.decompress(packed, input.length), input),
              `${writer.name} → ${reader.name} ${name}`,
            );
          }
          // (An empty page never reaches a decoder: decompress() returns it; the reference rejects an empty block.)
          if (input.length > 0)
            assert.ok(same(reference(packed, input.length), input), `${writer.name} → reference ${name}`);
        }
      }
    });

    it(`${codec}: every backend rejects a page of the wrong size`, () => {
      for (const backend of backends) {
        const packed = backend.compress(text);
        assert.throws(() => backend.decompress(packed, text.length + 1), Error, `${backend.name} +1`);
        assert.throws(() => backend.decompress(packed, text.length - 1), Error, `${backend.name} -1`);
      }
    });

    it(`${codec}: PQBENCH_${codec.toUpperCase()} forces a backend, and an unknown one is a ConfigError`, () => {
      const variable = choice.envVar;
      const mod = new URL(`../../src/parquet/codec/${codec}.ts`, import.meta.url).href;
      const run = (value: string) =>
        spawnSync(
          process.execPath,
          [
            '--import',
            'tsx',
            '--input-type=module',
            '-e',
            `const m = await import(${JSON.stringify(mod)}); process.stdout.write(m.${codec}Backends.get().name);`,
          ],
          { env: { ...process.env, [variable]: value }, encoding: 'utf8' },
        );
      for (const backend of backends) assert.equal(run(backend.name).stdout, backend.name);
      const bad = run('fastest');
      assert.notEqual(bad.status, 0);
      assert.match(bad.stderr, new RegExp(`${variable}: must be one of ${choice.order.join(', ')}`));
    });
  }
});

describe('decompressing into page memory (a pooled buffer)', () => {
  const poisoned = () => {
    const handed: Uint8Array[] = [];
    const memory = (bytes: number) => {
      const out = new Uint8Array(bytes).fill(0xa5);
      handed.push(out);
      return out;
    };
    return { memory, handed };
  };
  const incompressible = new Uint8Array(200_000).map((_, i) => mix32(i) & 0xff);

  it('every snappy, LZ4_RAW and zstd backend gives the input back, into the memory where it can', () => {
    const cases = [
      ...blockCodecs.flatMap(({ codec, choice }) =>
        choice.order.flatMap((name) => {
          const load: Load<SnappyBackend | Lz4Backend> = choice.load(name as never);
          return 'backend' in load ? [{ label: `${codec} ${name}`, backend: load.backend }] : [];
        }),
      ),
      ...zstdBackends.map((backend) => ({
        label: `zstd ${backend.name}`,
        backend: { compress: (b: Uint8Array) => backend.compress(b, 3), decompress: backend.decompress },
      })),
    ];
    for (const { label, backend } of cases) {
      for (const [name, input] of Object.entries({ ...inputs, incompressible })) {
        if (input.length === 0) continue;
        const { memory, handed } = poisoned();
        const back = backend.decompress(backend.compress(input), input.length, memory);
        assert.ok(same(back, input), `${label} ${name}`);
        // Either the memory it was handed (exactly, no second copy) or its own — never a copy into it.
        if (handed.length > 0) assert.equal(back, handed[0], `${label} ${name}: into the page memory`);
      }
    }
  });

  it('zstd into page memory rejects a page of the wrong size or a truncated frame, and decodes the next one', () => {
    for (const backend of zstdBackends) {
      const packed = backend.compress(text, 3);
      const { memory } = poisoned();
      assert.throws(() => backend.decompress(packed, text.length + 1, memory), Error, `${backend.name} +1`);
      assert.throws(() => backend.decompress(packed, text.length - 1, memory), Error, `${backend.name} -1`);
      assert.throws(() => backend.decompress(packed.subarray(0, packed.length - 3), text.length, memory));
      assert.throws(() => backend.decompress(incompressible.subarray(0, 500), text.length, memory));
      assert.ok(
        same(backend.decompress(packed, text.length, memory), text),
        `${backend.name} after failures`,
      );
    }
  });

  it('snappy decodes a page it could not compress (all literals) into the page memory, in JS', () => {
    for (const name of snappyBackends.order) {
      const load = snappyBackends.load(name);
      if (!('backend' in load)) continue;
      const { memory, handed } = poisoned();
      const back = load.backend.decompress(
        load.backend.compress(incompressible),
        incompressible.length,
        memory,
      );
      assert.equal(handed.length, 1, name);
      assert.equal(back, handed[0]);
      assert.ok(same(back, incompressible));
    }
  });

  it('the JS snappy decoder matches the addon on literals, copies (overlapping too), and rejects corrupt pages', () => {
    for (const input of [...Object.values(inputs), incompressible]) {
      if (input.length === 0) continue;
      const packed = snappyBackends.get().compress(input);
      const out = new Uint8Array(input.length).fill(0xa5);
      snappyDecompressInto(packed, out);
      assert.ok(same(out, input));
      assert.throws(() => snappyDecompressInto(packed, new Uint8Array(input.length + 1)), /declares/);
      assert.throws(() => snappyDecompressInto(packed.subarray(0, packed.length - 1), out), /snappy/);
    }
    // Length 5, then a copy of offset 9 before anything was written.
    assert.throws(
      () => snappyDecompressInto(Uint8Array.of(5, 0x01 | (1 << 2), 9), new Uint8Array(5)),
      /offset/,
    );
    // Length 5, a 1-byte literal 'a', then a 4-byte copy at offset 1: "aaaaa" (overlapping).
    const out = new Uint8Array(5);
    snappyDecompressInto(Uint8Array.of(5, 0, 97, 0x01, 1), out);
    assert.deepEqual(Array.from(out), [97, 97, 97, 97, 97]);
  });
});
