/**
 * `--json` (issue 14): stdout holds summary.json's text and nothing else,
 * notices go to stderr, each once; result files carry no float noise.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.ts';
import { resultJson } from '../../src/metrics/results.ts';
import { renderSummaryTable } from '../../src/metrics/table.ts';

const QUICKSTART = fileURLToPath(new URL('../../workloads/quickstart.yaml', import.meta.url));

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'pqbench-cli-json-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  return { code, out, err };
}

/** Every number in a JSON value that is a fraction. */
function fractions(v: unknown, at = ''): [string, number][] {
  if (typeof v === 'number') return Number.isInteger(v) ? [] : [[at, v]];
  if (Array.isArray(v)) return v.flatMap((x, i) => fractions(x, `${at}[${i}]`));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => fractions(x, `${at}.${k}`));
  return [];
}

const where = (name: string) => [
  '--set',
  `storage.storage_root=${path.join(tmp, 'data')}`,
  '--set',
  `output.folder=${path.join(tmp, name)}`,
];

describe('pqbench run|train --json', () => {
  it('run --json: stdout is summary.json, exactly; the table and notices on stderr, each notice once', async () => {
    const r = await cli('run', QUICKSTART, ...where('run'), '--json');
    assert.equal(r.code, 0, r.err.join('\n'));
    const [runId] = await readdir(path.join(tmp, 'run'));
    const file = await readFile(path.join(tmp, 'run', runId as string, 'summary.json'), 'utf8');
    const stdout = r.out.join('\n');
    assert.equal(stdout, file.trimEnd());
    const summary = JSON.parse(stdout) as {
      workload: string;
      notices: string[];
      cost: { total_usd: number };
    };
    assert.equal(summary.workload, 'quickstart');
    // The generate line, the table and the notices are for people: stderr.
    const err = r.err.join('\n');
    assert.match(err, /^generated 16 of 16 files/m);
    assert.match(err, /^\[METRIC\] Training Accelerator Utilization/m);
    const notices = r.err.filter((l) => l.startsWith('notice: '));
    assert.equal(new Set(notices).size, notices.length, notices.join('\n'));
    for (const n of summary.notices) assert.ok(notices.includes(`notice: ${n}`), n);
    // The quickstart dataset is a few MB: smaller than RAM, so the page-cache notice.
    assert.equal(notices.filter((l) => l.startsWith('notice: page cache')).length, 1, err);
    // No float noise in the file: every fraction as written holds at most 12 significant digits.
    for (const [key, v] of fractions(summary)) assert.equal(Number(v.toPrecision(12)), v, key);
    // 64 GETs × $0.0004 / 1000 is 0.000025600000000000002 in floating point.
    assert.equal(summary.cost.total_usd, 0.0000256);
  });

  it('train without --json: the table on stdout, no notice there; notices on stderr once', async () => {
    const r = await cli('train', QUICKSTART, ...where('train'));
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.ok(r.out[0]?.startsWith('[METRIC] ====='), r.out.join('\n'));
    assert.ok(!r.out.some((l) => l.startsWith('notice')), r.out.join('\n'));
    // Local disk bills no requests: the line says so, and what S3 would have charged.
    assert.match(
      r.out.join('\n'),
      /^\[METRIC\] Cost: none on local disk \(the same requests would cost \$0\.0000256 at S3 Standard us-east-1 list prices\)$/m,
    );
    // The verdict is the last line a run prints.
    assert.match(r.out.at(-1) ?? '', /^\[VERDICT\] (valid|warn|invalid)/);
    const pageCache = r.err.filter((l) => l.startsWith('notice: page cache'));
    assert.equal(pageCache.length, 1, r.err.join('\n'));
  });
});

describe('result JSON', () => {
  it('writes fractions to 12 significant digits and integers whole', () => {
    const text = resultJson({
      cost: 64 * 0.0004 * 0.001,
      third: 1 / 3,
      bytes: 2 ** 53 - 1,
      big: 1e21,
      n: null,
    });
    assert.deepEqual(JSON.parse(text), {
      cost: 0.0000256,
      third: 0.333333333333,
      bytes: 9007199254740991,
      big: 1e21,
      n: null,
    });
    assert.doesNotMatch(text, /0000000000/);
  });

  it('the table rounds for people and carries no notices', () => {
    const summary = {
      num_accelerators: 1,
      num_hosts: 1,
      epochs: 1,
      storage_type: 's3',
      start: '2026-01-01T00:00:00.000Z',
      end: '2026-01-01T00:00:02.500Z',
      steps: { total: 10, samples: 640 },
      metric: {
        train_au_mean_percentage: 97.123456789,
        train_au_stdev_percentage: 0,
        train_throughput_mean_samples_per_second: 1234.56789,
        train_throughput_stdev_samples_per_second: 0,
        train_io_mean_MB_per_second: 1,
        train_io_stdev_MB_per_second: 0,
        train_au_meet_expectation: 'success',
        train_au_expectation_percentage: 90,
      },
      io: {
        dlio_record_bytes: 268,
        mean_MB_per_second: 1,
        stdev_MB_per_second: 0,
        mean_MiB_per_second: 1,
        read_amplification: 1.1234567,
        bytes_transferred: 1_234_567,
        window_bytes: 1_000_000,
        read_phase_s: 2.4,
        read_phase_MB_per_second: 0.514,
        objects_read: 4,
      },
      requests: { GET: { count: 64 }, errors: 0, retries: 0 },
      latency: { request: { p50_ms: 1.23456, p90_ms: 2, p99_ms: 3, max_ms: 4 } },
      cost: {
        total_usd: 64 * 0.0004 * 0.001,
        per_TB_read_usd: 1.30040702,
        basis: 'S3 Standard us-east-1 list prices',
        covers: 'the training requests of this run (generation is not included)',
      },
      client: null,
      notices: ['page cache: something'],
    } as unknown as Parameters<typeof renderSummaryTable>[0];
    const lines = renderSummaryTable(summary, '/results/x');
    assert.ok(
      lines.includes(
        '[METRIC] Training Accelerator Utilization [AU] (%): 97.1235 (stdev 0.0000 over 1 epoch)',
      ),
      lines.join('\n'),
    );
    assert.ok(
      lines.includes(
        '[METRIC] Run: 2.50 s, 1 epoch(s), 10 steps, 640 samples; 4 objects read, 1.23 MB transferred (read amplification 1.123)',
      ),
      lines.join('\n'),
    );
    assert.ok(
      lines.includes(
        '[METRIC] Cost (S3 Standard us-east-1 list prices; the training requests of this run (generation is not included)): $0.0000256 total, $1.30 per TB read',
      ),
      lines.join('\n'),
    );
    assert.ok(!lines.some((l) => l.includes('notice')));
    assert.equal(lines.at(-1), 'results: /results/x');
  });
});
