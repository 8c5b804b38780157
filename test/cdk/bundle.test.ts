/**
 * Bundle smoke test: builds the four handler bundles with esbuild and the
 * stack's own bundling settings (what NodejsFunction runs at synth), then
 * imports a bundle in a fresh module graph and invokes its handler.
 */
import assert from 'node:assert/strict';
import { execSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterBundlingCommands, ESBUILD_SHARED } from '../../cdk/runtime.ts';
import { REPO_ROOT } from '../../cdk/stack.ts';

const HANDLERS = ['plan', 'generate', 'read', 'aggregate'] as const;

describe('lambda bundles', () => {
  const out = mkdtempSync(join(tmpdir(), 'pqbench-bundle-'));
  before(async () => {
    for (const name of HANDLERS) {
      await build({
        entryPoints: [join(REPO_ROOT, 'lambdas', `${name}.ts`)],
        outfile: join(out, name, 'index.mjs'),
        bundle: true,
        format: ESBUILD_SHARED.format,
        platform: ESBUILD_SHARED.platform,
        target: ESBUILD_SHARED.target,
        mainFields: [...ESBUILD_SHARED.mainFields],
        banner: { js: ESBUILD_SHARED.banner },
        minify: ESBUILD_SHARED.minify,
        keepNames: ESBUILD_SHARED.keepNames,
        sourcemap: ESBUILD_SHARED.sourcemap,
        define: ESBUILD_SHARED.define,
        logLevel: 'error',
      });
      for (const command of afterBundlingCommands(REPO_ROOT, join(out, name))) execSync(command);
    }
    await build({
      entryPoints: [fileURLToPath(new URL('./codec-probe.ts', import.meta.url))],
      outfile: join(out, 'read', 'codec-probe.mjs'),
      bundle: true,
      format: ESBUILD_SHARED.format,
      platform: ESBUILD_SHARED.platform,
      target: ESBUILD_SHARED.target,
      mainFields: [...ESBUILD_SHARED.mainFields],
      banner: { js: ESBUILD_SHARED.banner },
      define: ESBUILD_SHARED.define,
      logLevel: 'error',
    });
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  it('builds self-contained bundles without the CDK in them', () => {
    for (const name of HANDLERS) {
      const file = join(out, name, 'index.mjs');
      const size = statSync(file).size;
      assert.ok(size > 10_000 && size < 15_000_000, `${name}: ${size} bytes`);
      const text = readFileSync(file, 'utf8');
      assert.doesNotMatch(text, /aws-cdk-lib|constructs\/lib/, `${name} must not bundle the CDK`);
      assert.doesNotMatch(
        text,
        /from\s*["'](@aws-sdk|hyparquet|zod|yaml)/,
        `${name} imports no package at run time`,
      );
    }
  });

  it('loads a bundle and runs its handler: a bad event fails with the field named', async () => {
    const mod = (await import(pathToFileURL(join(out, 'read', 'index.mjs')).href)) as {
      handler: (event: unknown) => Promise<unknown>;
    };
    assert.equal(typeof mod.handler, 'function');
    await assert.rejects(
      mod.handler({
        Items: [{ accelerator: -1 }],
        BatchInput: {
          runId: '../escape',
          configKey: 'runs/x/config.yaml',
          config: null,
          startAt: 0,
          randomSeed: null,
          budgetMs: null,
          warmup: false,
        },
      }),
      (e: Error & { exitCode?: number }) => {
        assert.equal(e.name, 'ConfigError');
        assert.equal(e.exitCode, 2);
        assert.match(e.message, /read event/);
        assert.match(e.message, /runId/);
        assert.match(e.message, /accelerator/);
        return true;
      },
    );
  });

  it('every codec loads and round-trips in the bundle, with no node_modules in reach (the fallbacks, as in Lambda)', () => {
    const dir = join(out, 'read');
    for (const file of ['worker.mjs', 'loader.mjs', 'accelerator.mjs', 'zstd.wasm']) {
      assert.ok(statSync(join(dir, file)).size > 0, `${file} beside the handler`);
    }
    const probe = spawnSync(process.execPath, [join(dir, 'codec-probe.mjs')], {
      cwd: dir,
      env: { PATH: process.env.PATH, LAMBDA_TASK_ROOT: dir },
      encoding: 'utf8',
    });
    assert.equal(probe.status, 0, probe.stderr);
    const { backends, roundTrips } = JSON.parse(probe.stdout) as {
      backends: Record<string, string>;
      roundTrips: Record<string, boolean>;
    };
    assert.ok(Object.values(roundTrips).every(Boolean), JSON.stringify(roundTrips));
    // No addon travels in the bundle: snappy and lz4 fall back; zstd is node:zlib's on Lambda's Node 24, WASM before.
    assert.deepEqual([backends.snappy, backends.lz4], ['wasm', 'js']);
    assert.ok(['zlib', 'wasm'].includes(backends.zstd as string), backends.zstd);
  });

  it('runs the plan bundle up to its first S3 call: the missing bucket variable is named', async () => {
    const mod = (await import(pathToFileURL(join(out, 'plan', 'index.mjs')).href)) as {
      handler: (event: unknown) => Promise<unknown>;
    };
    const saved = process.env.PQBENCH_BUCKET;
    delete process.env.PQBENCH_BUCKET;
    try {
      await assert.rejects(
        mod.handler({
          action: 'plan',
          runId: 'r1',
          configKey: 'runs/r1/config.yaml',
          force: false,
          read: { ranksPerHost: 1, warmup: false, invocationBudgetMs: null },
        }),
        /environment variable PQBENCH_BUCKET is not set/,
      );
    } finally {
      if (saved !== undefined) process.env.PQBENCH_BUCKET = saved;
    }
  });
});
