/**
 * Multi-host on local_fs, three processes started by hand with --rank/--world
 * (issue 12): the merged run equals a single-process run of the same workload
 * in samples, steps, GETs and bytes; a missing rank ends the run naming it
 * within the timeout, and a rerun of that run id starts afresh; a killed rank
 * leaves no partial and no result, a rerun of a started run id is refused,
 * `pqbench merge` merges again (--allow-missing: what the others left).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  countsOf,
  describeExits,
  type Exit,
  pqbench,
  type RunCounts,
  ranksByHand,
  workloadYaml,
} from '../helpers/ranks.ts';

let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'pqbench-multihost-'));
});
after(() => rm(tmp, { recursive: true, force: true }));

/** Six accelerators over six files; `computeS` per step sets how long training lasts. */
async function workloadFile(name: string, computeS: number, epochs = 2): Promise<string> {
  const file = path.join(tmp, `${name}.yaml`);
  const w = {
    model: { name },
    workflow: { generate_data: true, train: true },
    storage: { storage_type: 'local_fs', storage_root: path.join(tmp, 'data') },
    dataset: {
      data_folder: name,
      num_files_train: 6,
      num_samples_per_file: 600,
      compression: 'snappy',
      parquet: {
        row_group_size: 200,
        columns: [
          { name: 'label', dtype: 'float32' },
          { name: 'dense', dtype: 'float32', size: 16 },
          { name: 'skip', dtype: 'float64', size: 4, read: false },
        ],
      },
    },
    reader: {
      batch_size: 50,
      read_threads: 1,
      prefetch_size: 2,
      file_shuffle: 'seed',
      sample_shuffle: 'seed',
    },
    train: { epochs, computation_time: computeS },
    run: { accelerators: 6, workers: 1 },
    output: { folder: path.join(tmp, 'results') },
  };
  await writeFile(file, workloadYaml(w));
  return file;
}

const FAST = ['--start-margin', '1', '--poll-interval', '0.1'];
const readJson = async <T>(file: string): Promise<T> => JSON.parse(await readFile(file, 'utf8')) as T;
const all = (procs: { done: Promise<Exit> }[]) => Promise.all(procs.map((p) => p.done));

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String).sort();
}

describe('multi-host on local_fs, ranks started by hand', () => {
  it('three ranks generate and train their shares; the merge equals a single-process run', async () => {
    const file = await workloadFile('mh-equal', 0.001);
    const exits = await all(ranksByHand(3, () => ['run', file, '--run-id', 'equal', ...FAST]));
    assert.deepEqual(
      exits.map((e) => e.code),
      [0, 0, 0],
      describeExits(exits),
    );
    assert.match(exits[0]?.stdout ?? '', /generated 6 of 6 files over 3 ranks/);
    assert.match(exits[0]?.stdout ?? '', /\[METRIC\] Number of Simulated Accelerators: 6/);
    assert.match(exits[0]?.stdout ?? '', /\[HOSTS\] Ranks: 3 of 3 \(flags\)/);
    assert.match(
      exits[1]?.stderr ?? '',
      /rank 1 of 3: partial written \(accelerators 2\.\.3\); rank 0 merges/,
    );
    const dir = path.join(tmp, 'results', 'equal');
    const multi = await readJson<Parameters<typeof countsOf>[0] & { num_hosts: number }>(
      path.join(dir, 'summary.json'),
    );
    assert.equal(multi.num_hosts, 3);

    const single = pqbench(['train', file, '--set', `output.folder=${path.join(tmp, 'single')}`]);
    const s = await single.done;
    assert.equal(s.code, 0, s.stderr);
    const [singleDir] = await readdir(path.join(tmp, 'single'));
    const one = await readJson<Parameters<typeof countsOf>[0]>(
      path.join(tmp, 'single', String(singleDir), 'summary.json'),
    );
    const expected: RunCounts = countsOf(one);
    assert.deepEqual(countsOf(multi), expected);
    // 6 accelerators × 600 samples ÷ 50 = 12 steps each, 2 epochs.
    assert.equal(expected.samples, 6 * 12 * 50 * 2);

    const hosts = await readJson<{
      world: number;
      hosts: { rank: number; accelerators: number[]; samples: number }[];
    }>(path.join(dir, 'hosts.json'));
    assert.equal(hosts.world, 3);
    assert.deepEqual(
      hosts.hosts.map((h) => h.accelerators),
      [
        [0, 1],
        [2, 3],
        [4, 5],
      ],
    );
    assert.deepEqual(
      hosts.hosts.map((h) => h.samples),
      [2400, 2400, 2400],
    );
    const files = await filesUnder(dir);
    for (const f of [
      'summary.json',
      'per_epoch_stats.json',
      'config.yaml',
      'hosts.json',
      'ranks/train/complete.json',
    ]) {
      assert.ok(files.includes(f), `${f} in ${files.join(', ')}`);
    }
    assert.deepEqual(
      files.filter((f) => f.startsWith('ranks/train/partials/')),
      [0, 1, 2].map((r) => `ranks/train/partials/rank-00000${r}.json`),
    );

    // The run id is taken: a rerun is refused, by any rank.
    const again = await pqbench(['train', file, '--run-id', 'equal', '--rank', '1', '--world', '3', ...FAST])
      .done;
    assert.equal(again.code, 2, again.stderr);
    assert.match(again.stderr, /run equal is already complete .* give a new --run-id/);

    // `pqbench merge` is the same merge: the same summary.json, byte for byte.
    const before = await readFile(path.join(dir, 'summary.json'), 'utf8');
    const merged = await pqbench(['merge', dir]).done;
    assert.equal(merged.code, 0, merged.stderr);
    assert.match(merged.stdout, /\[HOSTS\] Ranks: 3 of 3/);
    assert.equal(await readFile(path.join(dir, 'summary.json'), 'utf8'), before);
  });

  it('a missing rank ends the run within the timeout, naming it; rerunning the run id starts afresh', async () => {
    const file = await workloadFile('mh-missing', 0.001);
    const args = () => ['run', file, '--run-id', 'missing', ...FAST, '--rank-timeout', '2'];
    // Ranks 0 and 1 of 3: rank 2 never comes.
    const two = [0, 1].map((rank) => pqbench([...args(), '--rank', String(rank), '--world', '3']));
    const exits = await all(two);
    assert.deepEqual(
      exits.map((e) => e.code),
      [5, 5],
      describeExits(exits),
    );
    assert.match(
      exits[0]?.stderr ?? '',
      /error: rank 2 of 3 missing: no ready record and no sign of life for 2\.0 s/,
    );
    assert.match(exits[1]?.stderr ?? '', /error: rank 0 stopped the run: rank 2 of 3 missing/);
    // Each waited about the timeout (plus start-up and generating its share), not longer.
    for (const e of exits) assert.ok(e.ms < 15_000, `${e.ms} ms`);
    const dir = path.join(tmp, 'results', 'missing');
    assert.ok(!existsSync(path.join(dir, 'summary.json')));

    const rerun = await all(ranksByHand(3, args));
    assert.deepEqual(
      rerun.map((e) => e.code),
      [0, 0, 0],
      describeExits(rerun),
    );
    assert.equal(
      (await readJson<{ steps: { samples: number } }>(path.join(dir, 'summary.json'))).steps.samples,
      7200,
    );
  });

  it('a killed rank leaves no partial and no result; a started run id is refused; merge --allow-missing', async () => {
    const file = await workloadFile('mh-killed', 0.05, 3);
    const dir = path.join(tmp, 'results', 'killed');
    // The dataset first, so that the kill lands in training.
    const gen = await pqbench(['generate', file]).done;
    assert.equal(gen.code, 0, gen.stderr);
    const procs = ranksByHand(3, () => [
      'train',
      file,
      '--run-id',
      'killed',
      ...FAST,
      '--rank-timeout',
      '10',
    ]);
    const start = path.join(dir, 'ranks/train/start.json');
    for (let i = 0; i < 300; i++) {
      const text = existsSync(start) ? await readFile(start, 'utf8') : '';
      if (text.includes('"go"')) {
        const at = (JSON.parse(text) as { data: { start_at: number } }).data.start_at;
        await new Promise((r) => setTimeout(r, Math.max(0, at - Date.now()) + 400));
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    procs[1]?.child.kill('SIGTERM');
    const exits = await all(procs);
    assert.equal(exits[1]?.code, 143, describeExits(exits));
    assert.match(exits[1]?.stderr ?? '', /error: interrupted by SIGTERM/);
    assert.equal(exits[0]?.code, 5, describeExits(exits));
    assert.match(exits[0]?.stderr ?? '', /error: rank 1 failed: interrupted by SIGTERM/);
    assert.equal(exits[2]?.code, 0, describeExits(exits));
    const files = await filesUnder(dir);
    assert.ok(
      !files.includes('summary.json') && !files.includes('ranks/train/complete.json'),
      files.join(', '),
    );
    assert.ok(!files.includes('ranks/train/partials/rank-000001.json'));
    assert.deepEqual(
      files.filter((f) => /\.tmp-/.test(f)),
      [],
      'no half-written object',
    );

    const rejoin = await pqbench([
      'train',
      file,
      '--run-id',
      'killed',
      '--rank',
      '1',
      '--world',
      '3',
      ...FAST,
    ]).done;
    assert.equal(rejoin.code, 2, rejoin.stderr);
    assert.match(
      rejoin.stderr,
      /run killed started at .* and rank 1 left no partial: a measured window cannot be rejoined/,
    );

    const strict = await pqbench(['merge', dir]).done;
    assert.equal(strict.code, 5, strict.stderr);
    assert.match(strict.stderr, /rank 1 of 3 left no partial; --allow-missing merges the ranks that did/);
    const loose = await pqbench(['merge', dir, '--allow-missing']).done;
    assert.equal(loose.code, 0, loose.stderr);
    const summary = await readJson<{ num_hosts: number; steps: { samples: number }; notices: string[] }>(
      path.join(dir, 'summary.json'),
    );
    // 4 of 6 accelerators: 12 steps × 50 samples × 3 epochs each.
    assert.equal(summary.steps.samples, 4 * 12 * 50 * 3);
    assert.ok(
      summary.notices.some((n) => /1 rank\(s\) left no partial: 1/.test(n)),
      summary.notices.join('\n'),
    );
    assert.ok(existsSync(path.join(dir, 'ranks/train/complete.json')));
  });
});
