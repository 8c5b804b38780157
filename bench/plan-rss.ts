/**
 * RSS while planning epochs over 10 million files: walks the whole file
 * order of every accelerator (as the training loop does, object by object)
 * and prints peak RSS next to the RSS a materialised file list would add.
 * Target: planning adds ≤ 100 MB to RSS. The process starts at ~80–95 MB
 * before planning anything (node ~40 MB + tsx's loader ~40 MB + the config
 * schema), so the figure that measures the planner is the growth.
 * Run: `npx tsx bench/plan-rss.ts [files] [accelerators] [epochs]`.
 */
import { defaultWorkload } from '../src/config/load.ts';
import { planAcceleratorEpoch, resolveShuffleSeeds } from '../src/train/schedule.ts';

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
const seeds = resolveShuffleSeeds(w, null);
const rssStart = process.memoryUsage().rss;
let peak = rssStart;
let checksum = 0;
let visited = 0;
const started = performance.now();
for (let epoch = 0; epoch < epochs; epoch++) {
  for (let k = 0; k < accelerators; k++) {
    const plan = planAcceleratorEpoch(w, seeds, epoch, k);
    for (let i = 0; i < plan.count; i++) {
      checksum = (checksum + plan.at(i).fileIndex) % 2 ** 48;
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
console.log(
  `for reference, a materialised list of ${files} indexes as a Float64Array alone is ${((files * 8) / MB).toFixed(0)} MB per accelerator`,
);
if (peak - rssStart > 100 * MB || checksum !== expected) process.exitCode = 1;
