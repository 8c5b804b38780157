/**
 * RSS while planning epochs over 10 million files: walks the whole file
 * order of every accelerator (as the training loop does, object by object)
 * and prints peak RSS next to the RSS a materialised file list would add.
 * Target: ≤ 100 MB. tsx's loader alone costs ~40 MB of RSS that a built
 * program would not carry, so by default this script bundles itself with
 * esbuild and measures the bundle under plain node (whole-process peak RSS,
 * and the growth while planning). Set PQBENCH_PLAN_RSS_INPROCESS=1 to measure
 * under tsx instead.
 * Run: `npx tsx bench/plan-rss.ts [files] [accelerators] [epochs]`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultWorkload } from '../src/config/load.ts';
import { resolveRun } from '../src/dataset/run-plan.ts';
import { piecesOf, rankEpoch } from '../src/train/schedule.ts';

if (!process.env.PQBENCH_PLAN_RSS_INPROCESS && !process.env.PQBENCH_PLAN_RSS_CHILD) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'pqb-plan-rss-'));
  const outfile = path.join(dir, 'plan-rss.mjs');
  const { build } = await import('esbuild');
  await build({
    entryPoints: [fileURLToPath(import.meta.url)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    logLevel: 'warning',
    external: ['esbuild'],
    banner: {
      js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
    },
  });
  const child = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], {
    encoding: 'utf8',
    env: { ...process.env, PQBENCH_PLAN_RSS_CHILD: '1' },
  });
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(child.stdout + child.stderr);
  process.exit(child.status ?? 1);
}

const files = Number(process.argv[2] ?? 10_000_000);
const accelerators = Number(process.argv[3] ?? 8);
const epochs = Number(process.argv[4] ?? 2);
const MB = 1e6;

const w = defaultWorkload([
  `dataset.num_files_train=${files}`,
  `run.accelerators=${accelerators}`,
  `train.epochs=${epochs}`,
  'reader.file_shuffle=seed',
]);
const run = resolveRun(w);
const rssStart = process.memoryUsage().rss;
let peak = rssStart;
let checksum = 0;
let visited = 0;
const started = performance.now();
for (let epoch = 0; epoch < epochs; epoch++) {
  for (let k = 0; k < accelerators; k++) {
    const rank = rankEpoch(run, epoch, k);
    for (const piece of piecesOf(run, rank, 0, rank.steps * rank.batchSize)) {
      checksum = (checksum + piece.ref.fileIndex) % 2 ** 48;
      visited++;
      if ((visited & 0xfffff) === 0) peak = Math.max(peak, process.memoryUsage().rss);
    }
  }
}
peak = Math.max(peak, process.memoryUsage().rss);
const seconds = (performance.now() - started) / 1000;
// Each epoch visits every file exactly once, so the sum of indexes is known.
const expected = ((((files * (files - 1)) / 2) % 2 ** 48) * epochs) % 2 ** 48;
console.log(
  `files ${files}, accelerators ${accelerators}, epochs ${epochs}: ${visited} positions in ${seconds.toFixed(1)} s`,
);
console.log(
  `RSS before planning ${(rssStart / MB).toFixed(1)} MB, peak ${(peak / MB).toFixed(1)} MB, ` +
    `growth ${((peak - rssStart) / MB).toFixed(1)} MB (MB = 10^6 bytes; target: growth ≤ 100 MB)`,
);
console.log(`every file visited once per epoch: ${checksum === expected ? 'yes' : 'NO'}`);
const maxRss = process.resourceUsage().maxRSS * 1024;
console.log(
  `whole-process peak RSS ${(maxRss / MB).toFixed(1)} MB (${process.env.PQBENCH_PLAN_RSS_CHILD ? 'bundled, plain node' : 'under tsx'}; target ≤ 100 MB)`,
);
console.log(
  `for reference, a materialised list of ${files} indexes as a Float64Array alone is ${((files * 8) / MB).toFixed(0)} MB per accelerator`,
);
if (peak - rssStart > 100 * MB || checksum !== expected) process.exitCode = 1;
