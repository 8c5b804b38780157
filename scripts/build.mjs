#!/usr/bin/env node
/**
 * Compiles pqbench to runnable JavaScript (the `prepare` step of npm ci):
 *   dist/cli.js                 the CLI (bin/pqbench.js runs it)
 *   dist/worker.js              the script every worker thread starts with
 *   dist/<module>.js            what a thread runs (src/entries.ts names them)
 * ES modules, code shared through chunks, dependencies bundled (native addons
 * and tsx stay in node_modules); the AWS SDK sits in a chunk loaded only when
 * a storage is S3.
 *
 *   node scripts/build.mjs                 # dist/
 *   node scripts/build.mjs --bundle DIR    # self-contained .mjs thread files for a Lambda bundle in DIR
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const REPO = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8'));
const THREAD_MODULES = {
  'generate-shard': 'src/generate/shard-task.ts',
  loader: 'src/train/loader-task.ts',
  accelerator: 'src/train/accelerator-task.ts',
};
const threadEntries = {
  worker: path.join(REPO, 'src/exec/worker-entry.ts'),
  ...Object.fromEntries(Object.entries(THREAD_MODULES).map(([name, file]) => [name, path.join(REPO, file)])),
};
/**
 * hdr-histogram-js requires pako only as a browser fallback for node:zlib,
 * which it finds through `require` (the banner gives ES modules one): leave
 * its 126 KB out of every thread's start.
 */
const noPako = {
  name: 'no-pako',
  setup(b) {
    b.onResolve({ filter: /^pako$/ }, () => ({ path: 'pako', namespace: 'no-pako' }));
    b.onLoad({ filter: /.*/, namespace: 'no-pako' }, () => ({ contents: 'module.exports = undefined;' }));
  },
};
const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  define: { PQBENCH_VERSION: JSON.stringify(pkg.version) },
  logLevel: 'error',
  // Error classes name themselves from constructor.name.
  keepNames: true,
  plugins: [noPako],
  // CommonJS dependencies call require(): give the ES module output one.
  banner: {
    js: "import { createRequire as __pqbenchCreateRequire } from 'node:module'; const require = __pqbenchCreateRequire(import.meta.url);",
  },
  // Native addons load from node_modules (with their JS fallbacks when absent).
  external: ['@toondepauw/node-zstd', 'snappy', 'lz4-napi'],
};

/** What report.html inlines (src/report/assets.ts), substituted into the CLI so it needs no file at run time. */
function reportAssets() {
  const read = (file) => readFileSync(path.join(REPO, file), 'utf8');
  return {
    uplotJs: read('node_modules/uplot/dist/uPlot.iife.min.js'),
    uplotCss: read('node_modules/uplot/dist/uPlot.min.css'),
    clientJs: read('src/report/client.js'),
  };
}

async function buildDist() {
  const out = path.join(REPO, 'dist');
  rmSync(out, { recursive: true, force: true });
  await build({
    ...common,
    define: { ...common.define, PQBENCH_REPORT_ASSETS: JSON.stringify(reportAssets()) },
    entryPoints: { cli: path.join(REPO, 'src/cli/main.ts'), ...threadEntries },
    outdir: out,
    splitting: true,
    // Chunks beside the entries: src/entries.ts finds thread files relative to the running code.
    chunkNames: 'chunk-[hash]',
    target: 'node20',
    // Dependencies are bundled too: a thread starts from a few files instead of resolving hundreds.
    external: [...common.external, 'tsx', 'tsx/*'],
    sourcemap: true,
  });
  writeFileSync(path.join(out, '.build-stamp'), `${new Date().toISOString()}\n`);
}

/** Thread files for a Lambda bundle: each self-contained (the handler bundle has no node_modules). */
async function buildBundleThreads(dir) {
  await build({
    ...common,
    entryPoints: threadEntries,
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    target: 'node24',
    mainFields: ['module', 'main'],
    minify: true,
  });
}

const args = process.argv.slice(2);
if (args[0] === '--bundle') await buildBundleThreads(path.resolve(args[1]));
else await buildDist();
