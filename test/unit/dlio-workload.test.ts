/**
 * What `pqbench dlio` changes so a workload runs as the MLCommons fork runs
 * it: its defaults (the file and overrides still win), read_threads 1 sized
 * as utils/config.py sizes it, one accelerator per launcher process unless
 * run.accelerators is set, and the workloads listed for an unknown name.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  availableWorkloads,
  DLIO_DEFAULTS,
  dlioWorkload,
  forkReadThreads,
  unknownWorkload,
} from '../../src/cli/dlio-workload.ts';
import { parseWorkload } from '../../src/config/load.ts';

const parse = (text: string, overrides: string[] = []) =>
  parseWorkload(text, { overrides, defaults: DLIO_DEFAULTS, allowEmpty: true });

describe('pqbench dlio: the fork defaults', () => {
  it('files sharding, no decode, 64 reads in flight, dictionary pages — unless the file or an override says otherwise', () => {
    const w = parse('').workload;
    assert.deepEqual(
      [w.reader.sharding, w.reader.decode, w.reader.gets_per_worker, w.dataset.parquet.use_dictionary],
      ['files', false, 64, true],
    );
    const given = parse('reader: {sharding: samples, decode: true}', [
      '++workload.dataset.parquet.use_dictionary=false',
    ]).workload;
    assert.deepEqual(
      [given.reader.sharding, given.reader.decode, given.dataset.parquet.use_dictionary],
      ['samples', true, false],
    );
    // The fork's storage_options.prefetch_workers still maps to gets_per_worker.
    assert.equal(
      parse('storage: {storage_options: {prefetch_workers: 16}}').workload.reader.gets_per_worker,
      16,
    );
  });

  it('read_threads 1 is sized as the fork sizes it: min(CPUs ÷ ranks on the host, cap)', () => {
    assert.equal(forkReadThreads(1, 1, 2, {}), 2);
    assert.equal(forkReadThreads(1, 2, 2, {}), 1);
    assert.equal(forkReadThreads(1, 3, 2, {}), 1);
    assert.equal(forkReadThreads(1, 1, 64, {}), 8);
    assert.equal(forkReadThreads(1, 1, 64, { DLIO_MAX_AUTO_THREADS: '2' }), 2);
    assert.equal(forkReadThreads(0, 1, 64, {}), 0);
    assert.equal(forkReadThreads(4, 1, 2, {}), 4);
    const sized = dlioWorkload(parse('reader: {read_threads: 1}'), undefined, {}, 2);
    assert.equal(sized.workload.reader.read_threads, 2);
    assert.match(sized.notices[0] ?? '', /read_threads 1 runs 2 loader workers/);
    // Two ranks on a 2-CPU host: one worker each, nothing to say.
    const two = dlioWorkload(parse('reader: {read_threads: 1}'), 2, { OMPI_COMM_WORLD_LOCAL_SIZE: '2' }, 2);
    assert.deepEqual([two.workload.reader.read_threads, two.notices], [1, []]);
  });

  it('under a launcher each process is one accelerator, unless the workload sets run.accelerators', () => {
    assert.equal(dlioWorkload(parse(''), 3, {}, 2).workload.run.accelerators, 3);
    assert.equal(dlioWorkload(parse('run: {accelerators: 6}'), 3, {}, 2).workload.run.accelerators, 6);
    assert.equal(
      dlioWorkload(parse('', ['++workload.run.accelerators=4']), 2, {}, 2).workload.run.accelerators,
      4,
    );
    assert.equal(dlioWorkload(parse(''), undefined, {}, 2).workload.run.accelerators, 1);
  });
});

describe('pqbench dlio: workload names', () => {
  it('an unknown workload= lists the ones under <config-dir>/workload/', async () => {
    const shipped = fileURLToPath(new URL('../../workloads/dlio', import.meta.url));
    const names = await availableWorkloads(shipped);
    for (const name of ['dlrm_b200', 'flux_b200']) assert.ok(names.includes(name), names.join(', '));
    const tmp = await mkdtemp(path.join(os.tmpdir(), 'pqbench-dlio-names-'));
    try {
      await mkdir(path.join(tmp, 'workload'));
      await writeFile(path.join(tmp, 'workload', 'b.yaml'), '');
      await writeFile(path.join(tmp, 'workload', 'a.yaml'), '');
      await writeFile(path.join(tmp, 'workload', 'notes.txt'), '');
      const error = await unknownWorkload('c', tmp, path.join(tmp, 'workload', 'c.yaml'));
      assert.match(error.message, /workload=c: no .*c\.yaml; available: a, b$/);
      const none = await unknownWorkload('c', path.join(tmp, 'nowhere'), 'x');
      assert.match(none.message, /no workload\/\*\.yaml under --config-dir=/);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  });
});
