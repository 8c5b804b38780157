/**
 * `pqbench compare`'s logic (the CLI on real runs: test/integration/report.test.ts):
 * config differences from config.yaml (output.* left out), deltas against the
 * first run, warnings for another dataset or workload, the text layout;
 * columns of repeats with their spread and the deltas within the noise.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stringify } from 'yaml';
import { defaultWorkload } from '../../src/config/load.ts';
import { compareGroups, compareRuns, configDifferences, flattenConfig } from '../../src/metrics/compare.ts';
import { formatFigure, renderComparison } from '../../src/metrics/compare-table.ts';
import type { LoadedRun } from '../../src/metrics/run-results.ts';
import type { RunSummaryJson } from '../../src/metrics/summary.ts';

const latency = (p50: number) => ({
  count: 10,
  min_ms: 1,
  mean_ms: p50,
  p50_ms: p50,
  p90_ms: p50 * 2,
  p99_ms: p50 * 3,
  p999_ms: p50 * 3,
  max_ms: p50 * 3,
});

function run(id: string, edits: string[], figures: { au: number; mbps: number; p50: number }): LoadedRun {
  const w = defaultWorkload(edits);
  const summary = {
    tool: 'pqbench',
    tool_version: '0.1.0',
    run_id: id,
    workload: w.model.name,
    config_hash: `sha256:${id}`,
    start: '2025-01-01T00:00:00.000Z',
    end: '2025-01-01T00:00:10.000Z',
    metric: {
      train_au_mean_percentage: figures.au,
      train_throughput_mean_samples_per_second: 1000,
      train_au_meet_expectation: 'fail',
    },
    steps: { load_wait_s: 1.5 },
    io: {
      mean_MB_per_second: figures.mbps,
      mean_MiB_per_second: null,
      read_amplification: 1.1,
      bytes_transferred: 5e6,
    },
    requests: { total: 100, errors: 0, retries: 2 },
    latency: { request: latency(figures.p50), time_to_first_byte: latency(figures.p50 / 2) },
    cost: { total_usd: 0.01, per_TB_read_usd: 2 },
    notices: [],
  } as unknown as RunSummaryJson;
  return {
    dir: `/results/${id}`,
    summary,
    epochs: [],
    timeseries: null,
    configYaml: stringify(w),
    generate: null,
    hosts: null,
    cloud: null,
  };
}

describe('compare', () => {
  it('flattens config.yaml to dotted keys, lists by index', () => {
    const flat = flattenConfig({ a: { b: 1, c: [{ d: 'x' }], e: [] }, f: null });
    assert.deepEqual(Object.fromEntries(flat), { 'a.b': '1', 'a.c[0].d': '"x"', 'a.e': '[]', f: 'null' });
  });

  it('finds exactly the keys that differ, output.* left out', () => {
    const a = run('A', ['reader.read_threads=4', 'output.folder=r1'], { au: 50, mbps: 10, p50: 4 });
    const b = run('B', ['reader.read_threads=8', 'output.folder=r2'], { au: 75, mbps: 12, p50: 3 });
    assert.deepEqual(configDifferences([a, b]), [{ key: 'reader.read_threads', values: ['4', '8'] }]);
    const c = compareRuns([a, b]);
    assert.deepEqual(c.warnings, []);
    const au = c.figures.find((f) => f.key === 'au_mean_percentage');
    assert.deepEqual(au?.values, [50, 75]);
    assert.deepEqual(au?.deltas, [null, 25]);
    assert.deepEqual(au?.delta_percentages, [null, 50]);
    const lines = renderComparison(c);
    assert.ok(
      lines.some((l) => /^AU mean \(%\)\s+50\s+75\s+\+25\s+\+50\.0%$/.test(l)),
      lines.join('\n'),
    );
    assert.ok(lines.includes('  reader.read_threads  A: 4  B: 8'), lines.join('\n'));
  });

  it('warns when the dataset or the workload differ, and when a run has no config.yaml', () => {
    const a = run('A', [], { au: 50, mbps: 10, p50: 4 });
    const b = run('B', ['dataset.num_files_train=99', 'model.name=other'], { au: 50, mbps: 10, p50: 4 });
    const c = run('C', [], { au: 50, mbps: 10, p50: 4 });
    c.configYaml = null;
    const warnings = compareRuns([a, b, c]).warnings;
    assert.ok(
      warnings.some((w) => /different datasets \(dataset\.num_files_train differ\)/.test(w)),
      warnings.join('\n'),
    );
    assert.ok(warnings.some((w) => /different workloads/.test(w)));
    assert.ok(warnings.some((w) => /C has no config\.yaml/.test(w)));
  });

  it('read_mode and a column read flag change how the same objects are read: no dataset warning', () => {
    const a = run('A', [], { au: 50, mbps: 10, p50: 4 });
    const b = run('B', ['dataset.parquet.read_mode=row_group'], { au: 50, mbps: 10, p50: 4 });
    const c = compareRuns([a, b]);
    assert.deepEqual(
      c.config_differences.map((d) => d.key),
      ['dataset.parquet.read_mode'],
    );
    assert.deepEqual(c.warnings, []);
    // With fingerprints, they decide: equal bytes, no warning; different bytes, a warning.
    a.summary.dataset_fingerprint = 'sha256:same';
    b.summary.dataset_fingerprint = 'sha256:same';
    assert.deepEqual(compareRuns([a, b]).warnings, []);
    b.summary.dataset_fingerprint = 'sha256:other';
    assert.match(
      compareRuns([a, b]).warnings.join('\n'),
      /different datasets \(their dataset fingerprints differ\)/,
    );
  });

  it("shows each run's verdict and says 'not like for like' when they differ", () => {
    const a = run('A', [], { au: 50, mbps: 10, p50: 4 });
    const b = run('B', [], { au: 90, mbps: 30, p50: 4 });
    a.summary.verdict = { status: 'valid', reasons: [] };
    b.summary.verdict = {
      status: 'invalid',
      reasons: [{ code: 'client_saturated', severity: 'invalid', detail: 'x' }],
    };
    const c = compareRuns([a, b]);
    assert.deepEqual(
      c.runs.map((r) => [r.verdict, r.verdict_reasons]),
      [
        ['valid', []],
        ['invalid', ['client_saturated']],
      ],
    );
    assert.deepEqual(c.warnings, [
      'not like for like: the verdicts differ (A valid, B invalid)',
      'B is invalid (client_saturated): its figures do not measure the storage',
    ]);
    assert.match(
      renderComparison(c).join('\n'),
      /B {2}\/results\/B {2}\(workload .*, verdict invalid: client_saturated\)/,
    );
  });

  it('columns of repeats: mean ± sample stdev, deltas within the noise marked when the spreads overlap', () => {
    const fig = { mbps: 10, p50: 4 };
    const group = (label: string, aus: number[], edits: string[] = []) => ({
      label,
      dir: `/results/${label}`,
      runs: aus.map((au, i) => run(`${label}${i}`, edits, { ...fig, au })),
    });
    // A: 50 ± 2; B: 52 ± 2 overlaps (noise); C: 60 ± 1 does not.
    const a = group('A', [48, 50, 52]);
    const b = group('B', [50, 52, 54]);
    const c = group('C', [59, 60, 61]);
    for (const g of [a, b, c]) for (const r of g.runs) r.summary.config_hash = `sha256:${g.label}`;
    const cmp = compareGroups([a, b, c]);
    const au = cmp.figures.find((f) => f.key === 'au_mean_percentage');
    assert.deepEqual(au?.values, [50, 52, 60]);
    assert.deepEqual(au?.spreads, [2, 2, 1]);
    assert.deepEqual(au?.counts, [3, 3, 3]);
    assert.deepEqual(au?.within_noise, [null, true, false]);
    // Equal values in every run: no spread, no difference, nothing to mark.
    const bytes = cmp.figures.find((f) => f.key === 'bytes_transferred_MB');
    assert.deepEqual(bytes?.within_noise, [null, null, null]);
    assert.deepEqual(
      cmp.runs.map((r) => [r.label, r.repeats, r.run_ids.length]),
      [
        ['A', 3, 3],
        ['B', 3, 3],
        ['C', 3, 3],
      ],
    );
    assert.deepEqual(cmp.warnings, []);
    const text = renderComparison(cmp).join('\n');
    assert.match(text, /A {2}A {2}\/results\/A {2}\(3 runs, workload/);
    assert.match(
      text,
      /^AU mean \(%\)\s+50 ± 2\s+52 ± 2\s+\+2\s+\+4\.0% \(noise\)\s+60 ± 1\s+\+10\s+\+20\.0%$/m,
    );
    // A group whose runs were made with different configurations is no repeat.
    (a.runs[1] as LoadedRun).summary.config_hash = 'sha256:other';
    assert.match(compareGroups([a, b]).warnings.join('\n'), /A: its 3 runs have different configurations/);
  });

  it("a group's verdict is its worst run's", () => {
    const fig = { au: 50, mbps: 10, p50: 4 };
    const a = { label: 'A', dir: '/a', runs: [run('A0', [], fig), run('A1', [], fig)] };
    const b = { label: 'B', dir: '/b', runs: [run('B0', [], fig), run('B1', [], fig)] };
    for (const r of [...a.runs, ...b.runs]) r.summary.verdict = { status: 'valid', reasons: [] };
    (b.runs[1] as LoadedRun).summary.verdict = {
      status: 'invalid',
      reasons: [{ code: 'not_overlapping', severity: 'invalid', detail: 'x' }],
    };
    const cmp = compareGroups([a, b]);
    assert.deepEqual(
      cmp.runs.map((r) => r.verdict),
      ['valid', 'invalid'],
    );
    assert.ok(
      cmp.warnings.includes('B has invalid runs (not_overlapping): its figures do not measure the storage'),
    );
  });

  it('formats figures for reading', () => {
    assert.equal(formatFigure(null), '–');
    assert.equal(formatFigure(123456), '123,456');
    assert.equal(formatFigure(1234.56), '1,235');
    assert.equal(formatFigure(0.000025600000000000002), '0.0000256');
    assert.equal(formatFigure(12.3456), '12.35');
  });
});
