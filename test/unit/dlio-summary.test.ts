/**
 * Issue 11, results side: summary.json carries DLIO's top-level and metric
 * keys with DLIO's types, per_epoch_stats.json has DLIO's per-rank layout,
 * timestamps are DLIO's utcnow() format, and Hydra's config copies are
 * written as dlio_benchmark's Hydra writes them. The DLIO layouts compared
 * against are reconstructed from the MLCommons fork's utils/statscounter.py
 * (test/fixtures/dlio/dlio-summary.json, dlio-per-epoch-stats.json).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { defaultWorkload, workloadToYaml } from '../../src/config/load.ts';
import type { Workload } from '../../src/config/types.ts';
import { resolveRun } from '../../src/dataset/run-plan.ts';
import { renderHydraFiles } from '../../src/metrics/dlio-hydra.ts';
import {
  dataSizePerHostGiB,
  dlioTimestamp,
  type HostFacts,
  linesToDict,
  readHostFacts,
} from '../../src/metrics/dlio-summary.ts';
import { mergePartials } from '../../src/metrics/merge.ts';
import {
  type AcceleratorPartial,
  assemblePartial,
  IoRecorder,
  StepRecorder,
} from '../../src/metrics/partial.ts';
import { renderRunResults } from '../../src/metrics/results.ts';
import type { RunSummaryJson } from '../../src/metrics/summary.ts';
import { DLIO_TIMESTAMP, layoutDifferences } from './helpers/dlio-layout.ts';
import { barrierTrace } from './helpers/trace.ts';

const fixture = (name: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/dlio/${name}`, import.meta.url), 'utf8'));

const T0 = Date.UTC(2026, 6, 2, 8, 15, 3, 512);

function accelerator(w: Workload, k: number, steps: number): AcceleratorPartial {
  const recorder = new StepRecorder({ start: 1, end: 0 });
  const io = new IoRecorder();
  let t = T0;
  for (let epoch = 0; epoch < w.train.epochs; epoch++) {
    const trace = barrierTrace([{ load: 2, compute: 8, bytes: 1000 }], steps, w.reader.batch_size, t, epoch);
    recorder.beginEpoch(epoch, trace.blockStart, steps, 0);
    io.beginEpoch(epoch);
    for (const step of trace.steps[0] ?? []) recorder.recordStep(step);
    recorder.endEpoch(trace.blockEnd);
    t = trace.blockEnd + 5;
  }
  return assemblePartial({ accelerator: k, host: 'h0', randomSeed: null }, recorder.toPart(), [io.toPart()]);
}

const HOST: HostFacts = {
  hostname: 'node17',
  cpuCount: 96,
  processorName: 'x86_64',
  memoryBytes: 64 * 1024 ** 3,
  cpuinfo: { vendor_id: 'AuthenticAMD' },
  meminfo: { MemTotal: '67108864 kB' },
};

function rendered(hosts: HostFacts[] = [HOST]) {
  const w = defaultWorkload([
    'train.epochs=2',
    'run.accelerators=2',
    'dataset.num_files_train=4',
    'dataset.num_files_eval=3',
    'dataset.num_samples_per_file=64',
    'reader.batch_size=8',
  ]);
  const run = mergePartials(resolveRun(w), [accelerator(w, 0, 16), accelerator(w, 1, 16)], {
    runId: 'r1',
    configHash: 'sha256:x',
  });
  const files = new Map(renderRunResults(run, workloadToYaml(w), hosts).map((f) => [f.name, f.body]));
  const json = (name: string) => JSON.parse(files.get(name) ?? 'null');
  return { run, summary: json('summary.json'), perEpoch: json('per_epoch_stats.json'), files, json };
}

describe("summary.json against DLIO's layout", () => {
  it("carries every DLIO top-level and metric key with DLIO's type, in DLIO's order, then pqbench's", () => {
    const dlio = fixture('dlio-summary.json');
    const { summary } = rendered();
    assert.deepEqual(layoutDifferences(summary, dlio), []);
    assert.deepEqual(Object.keys(summary).slice(0, Object.keys(dlio).length), Object.keys(dlio));
    for (const own of [
      'schema_version',
      'tool',
      'run_id',
      'steps',
      'io',
      'requests',
      'latency',
      'cost',
      'notices',
    ]) {
      assert.ok(own in summary, own);
    }
    assert.equal(summary.schema_version, 3);
  });

  it("DLIO's values: the configured counts, host facts per host, start/end in utcnow() format", () => {
    const { summary, run } = rendered();
    assert.equal(summary.num_files_eval, 3);
    assert.equal(summary.num_accelerators, 2);
    assert.equal(summary.hostname, 'node17');
    assert.deepEqual(summary.host_cpu_count, [96]);
    assert.deepEqual(summary.host_memory_GB, [64]);
    assert.deepEqual(summary.host_cpuinfo, { vendor_id: 'AuthenticAMD' });
    assert.match(summary.start, DLIO_TIMESTAMP);
    assert.match(summary.end, DLIO_TIMESTAMP);
    assert.equal(summary.start, dlioTimestamp(Date.parse(run.summary.start)));
    assert.equal(summary.start_utc, run.summary.start);
    assert.equal(summary.epochs, 2);
  });

  it('potential_caching and data_size_per_host_GB as statscounter.py computes them', () => {
    // DLRM b200 on one host with 8 ranks: 8 × 4718592 × 1024 // 8 × 761 B = 3424.5 GiB.
    const dlrm = {
      num_accelerators: 8,
      num_hosts: 1,
      num_samples_per_file: 4718592,
      num_files_train: 1024,
      io: { dlio_record_bytes: 761 },
    } as RunSummaryJson;
    assert.equal(dataSizePerHostGiB(dlrm), 3424.5);
    // Python's //: 3 ranks on 2 hosts, npernode 2: floor(2 × 10 × 1 / 3) = 6 samples.
    const uneven = {
      ...dlrm,
      num_accelerators: 3,
      num_hosts: 2,
      num_samples_per_file: 10,
      num_files_train: 1,
    };
    assert.equal(dataSizePerHostGiB(uneven as RunSummaryJson), (6 * 761) / 1024 ** 3);
    const small = rendered([HOST, { ...HOST, memoryBytes: 1 }]).summary;
    assert.deepEqual(small.potential_caching, [1, 0], 'fits in 64 GiB; not in 1 byte');
  });

  it('a run whose hosts cannot be read (a cloud run) keeps the keys and their types', () => {
    const { summary } = rendered([]);
    const dlio = fixture('dlio-summary.json');
    delete dlio.host_cpuinfo;
    delete dlio.host_meminfo;
    assert.deepEqual(layoutDifferences(summary, dlio), []);
    assert.deepEqual(summary.host_memory_GB, []);
    assert.equal(summary.hostname, '');
  });

  it("reads this machine's facts the way DLIO's StatsCounter does", () => {
    const host = readHostFacts();
    assert.ok(host.cpuCount >= 1 && host.memoryBytes > 0 && host.hostname.length > 0);
    if (host.meminfo) assert.match(host.meminfo.MemTotal ?? '', /^\d+ kB$/);
  });
});

describe('per_epoch_stats.json in DLIO layout', () => {
  it('matches the layout of a DLIO rank file: epochs from "1", block1, string durations', () => {
    const dlio = fixture('dlio-per-epoch-stats.json');
    const { perEpoch, json, run } = rendered();
    assert.deepEqual(Object.keys(perEpoch), Object.keys(dlio));
    for (const [epoch, entry] of Object.entries(perEpoch) as [string, Record<string, unknown>][]) {
      assert.deepEqual(Object.keys(entry), Object.keys(dlio[epoch]));
      assert.deepEqual(Object.keys(entry.block1 as object), Object.keys(dlio[epoch].block1));
      assert.match(entry.start as string, DLIO_TIMESTAMP);
      assert.match(entry.duration as string, /^\d+\.\d{2}$/);
    }
    assert.equal(perEpoch['1'].duration, (run.perEpoch[0]?.duration_s ?? -1).toFixed(2));
    // pqbench's richer per-epoch list keeps its own name.
    assert.equal(json('epoch_stats.json').length, 2);
  });

  it("dlioTimestamp is DLIO's utcnow(): local time, six fractional digits, no zone", () => {
    const local = new Date(2026, 6, 2, 10, 15, 0, 123).getTime();
    assert.equal(dlioTimestamp(local + 0.456), '2026-07-02T10:15:00.123456');
    assert.equal(dlioTimestamp(new Date(2026, 0, 9, 3, 4, 5, 0).getTime()), '2026-01-09T03:04:05.000000');
  });

  it("linesToDict follows DLIO's lines_to_dict: one colon per line, last value wins, no processor key", () => {
    const cpuinfo =
      'processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t: a:b\n\nprocessor\t: 1\nvendor_id\t: AuthenticAMD\n';
    assert.deepEqual(linesToDict(cpuinfo), { vendor_id: 'AuthenticAMD' });
  });
});

describe("Hydra's files (dlio_config/)", () => {
  const record = {
    runDir: '/r/training/dlrm/run/20260702_101500',
    outputSubdir: 'dlio_config',
    composed: {
      model: { name: 'dlrm' },
      storage: { storage_options: { secret_access_key: 'SHHH', region: 'x' } },
    },
    taskOverrides: [
      '++workload.dataset.num_files_train=4',
      '++workload.storage.storage_options.secret_access_key=SHHH',
    ],
    hydraOverrides: ['++hydra.run.dir=/r', '++hydra.output_subdir=dlio_config'],
    workloadName: 'dlrm_b200',
  };

  it('config.yaml, hydra.yaml and overrides.yaml, as mlpstorage reads them, without credentials', () => {
    const files = new Map(renderHydraFiles(record).map((f) => [f.name, f.body]));
    assert.deepEqual([...files.keys()].sort(), [
      'dlio_config/config.yaml',
      'dlio_config/hydra.yaml',
      'dlio_config/overrides.yaml',
    ]);
    const config = parseYaml(files.get('dlio_config/config.yaml') ?? '');
    assert.equal(config.workload.model.name, 'dlrm');
    assert.equal(config.workload.storage.storage_options.secret_access_key, '<redacted>');
    const overrides = parseYaml(files.get('dlio_config/overrides.yaml') ?? '');
    assert.deepEqual(overrides, [
      '++workload.dataset.num_files_train=4',
      '++workload.storage.storage_options.secret_access_key=<redacted>',
    ]);
    const hydra = parseYaml(files.get('dlio_config/hydra.yaml') ?? '');
    assert.deepEqual(hydra.hydra.overrides.hydra, record.hydraOverrides);
    assert.equal(hydra.hydra.run.dir, record.runDir);
    for (const body of files.values()) assert.ok(!body.includes('SHHH'));
  });

  it('hydra.output_subdir null writes nothing', () => {
    assert.deepEqual(renderHydraFiles({ ...record, outputSubdir: null }), []);
  });
});
