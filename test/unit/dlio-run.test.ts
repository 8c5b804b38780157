/**
 * Issue 11 acceptance: a scaled-down run of a DLRM-shaped MLPerf Storage
 * file with `++workload.output.metric.exclude_start_steps=0` measures over a
 * window that starts at step 0 (DLIO's output.metric keys, no longer
 * dropped). Real threads and Parquet files on local disk (needs dist/:
 * node scripts/build.mjs).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadWorkload } from '../../src/config/load.ts';
import { resolveRun } from '../../src/dataset/run-plan.ts';
import { runGenerate } from '../../src/generate/run.ts';
import { runOutput } from '../../src/metrics/results.ts';
import { openStorage } from '../../src/storage/open.ts';
import { runTraining } from '../../src/train/run.ts';

const DLRM_B200 = fileURLToPath(new URL('../fixtures/dlio/workload/dlrm_b200.yaml', import.meta.url));

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'pqbench-dlio-run-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

/** dlrm_b200.yaml scaled down: one file of 512 samples, batch 256 → 2 steps per epoch. */
function scaledDown(extra: string[]): string[] {
  return [
    `++workload.dataset.data_folder=${path.join(tmp, 'data', 'dlrm')}`,
    `++workload.output.folder=${path.join(tmp, 'results')}`,
    '++workload.dataset.num_files_train=1',
    '++workload.dataset.num_samples_per_file=512',
    '++workload.reader.batch_size=256',
    '++workload.reader.read_threads=1',
    '++workload.run.workers=1',
    ...extra,
  ];
}

describe('DLRM-shaped run with DLIO metric-window overrides', () => {
  it('++workload.output.metric.exclude_start_steps=0 measures from step 0', async () => {
    const generateWith = await loadWorkload(DLRM_B200, scaledDown([]));
    const storage = openStorage(generateWith.workload.storage);
    try {
      await runGenerate(resolveRun(generateWith.workload), storage, { workers: 1 });
    } finally {
      await storage.close();
    }

    // Window [exclude_start, steps - 1 - exclude_end] of 2 steps with exclude_end 1: only step 0 when start is 0.
    const fromZero = await loadWorkload(
      DLRM_B200,
      scaledDown([
        '++workload.output.metric.exclude_start_steps=0',
        '++workload.output.metric.exclude_end_steps=1',
      ]),
    );
    assert.equal(fromZero.workload.metric.exclude_start_steps, 0);
    const measured = await runTraining(resolveRun(fromZero.workload), runOutput(fromZero.workload));
    const m = measured.run.summary.metric;
    assert.equal(m.exclude_start_steps, 0);
    assert.equal(measured.run.summary.steps.total, 2);
    assert.ok((m.train_au_mean_percentage ?? 0) > 0, `AU over step 0: ${m.train_au_mean_percentage}`);
    assert.ok((m.train_throughput_mean_samples_per_second ?? 0) > 0);
    assert.ok(!measured.run.summary.notices.some((n) => /fewer than the metric window needs/.test(n)));

    // DLIO's default exclude_start_steps (1) with the same exclude_end leaves no step to measure.
    const fromOne = await loadWorkload(
      DLRM_B200,
      scaledDown(['++workload.output.metric.exclude_end_steps=1']),
    );
    const empty = await runTraining(resolveRun(fromOne.workload), runOutput(fromOne.workload));
    assert.equal(empty.run.summary.metric.exclude_start_steps, 1);
    assert.equal(empty.run.summary.metric.train_au_mean_percentage, 0);
    assert.ok(empty.run.summary.notices.some((n) => /fewer than the metric window needs/.test(n)));
  });
});
