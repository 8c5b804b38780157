/**
 * Local disks that fail (issue 15, points 3 and 4): a read-only and a full
 * file system, made for real as tmpfs mounts in a private mount namespace
 * (`unshare -m`, as root; the suite is skipped, saying why, where that is
 * not allowed). The results folder is checked before any work; storage
 * errors say "read-only" or "no space", never "not found"; nothing is left
 * half-written.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { REPO } from '../helpers/cli-run.ts';

const BIN = path.join(REPO, 'bin/pqbench.js');

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Every path under the mount after the command, relative to it. */
  left: string[];
}

/** Runs `pqbench args…` with a fresh tmpfs (`mountOptions`) on `mountPoint`, in a private mount namespace. */
function withMount(mountPoint: string, mountOptions: string, args: string[], cwd: string): Outcome {
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const script = [
    `mount -t tmpfs -o ${mountOptions} tmpfs '${mountPoint}' || exit 97`,
    `${JSON.stringify(process.execPath)} '${BIN}' ${quoted} >"$OUT" 2>"$ERR"; code=$?`,
    `(cd '${mountPoint}' && find . -mindepth 1) >"$LEFT"`,
    'exit $code',
  ].join('\n');
  const files = { OUT: `${cwd}/out.txt`, ERR: `${cwd}/err.txt`, LEFT: `${cwd}/left.txt` };
  const r = spawnSync('unshare', ['-m', 'sh', '-c', script], {
    cwd,
    env: { ...process.env, ...files },
    timeout: 60_000,
  });
  const read = (f: string) => spawnSync('cat', [f]).stdout.toString();
  return {
    code: r.status,
    stdout: read(files.OUT),
    stderr: read(files.ERR),
    left: read(files.LEFT)
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.replace(/^\.\//, '')),
  };
}

function mountsAllowed(dir: string): string | undefined {
  const r = spawnSync('unshare', ['-m', 'sh', '-c', `mount -t tmpfs -o size=64k tmpfs '${dir}'`]);
  if (r.error) return `unshare: ${r.error.message}`;
  return r.status === 0 ? undefined : `unshare -m + mount not allowed here: ${r.stderr.toString().trim()}`;
}

let tmp = '';
let mountPoint = '';
let workload = '';
let skip: string | undefined;

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'pqbench-disks-'));
  mountPoint = path.join(tmp, 'mnt');
  await mkdir(mountPoint);
  skip = mountsAllowed(mountPoint);
  workload = path.join(tmp, 'w.yaml');
  await writeFile(
    workload,
    [
      `storage: {storage_type: local_fs, storage_root: ${path.join(tmp, 'data')}}`,
      'dataset: {num_files_train: 2, num_samples_per_file: 256, parquet: {columns: [{name: x, dtype: float32, size: 256}]}}',
      'reader: {batch_size: 32}',
      `output: {folder: ${path.join(tmp, 'results')}}`,
    ].join('\n'),
  );
  const generated = spawnSync(process.execPath, [BIN, 'generate', workload], { cwd: tmp });
  assert.equal(generated.status, 0, generated.stderr.toString());
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const oneLine = (o: Outcome) => {
  assert.doesNotMatch(o.stderr, /internal error|\n\s+at /, o.stderr);
};

describe('failing local disks', () => {
  it('a results folder on a full disk fails before the run (exit 2 naming output.folder), leaving nothing', (t) => {
    if (skip) return t.skip(skip);
    const o = withMount(
      mountPoint,
      'size=16k',
      ['train', workload, '--set', `output.folder=${mountPoint}/results`],
      tmp,
    );
    assert.equal(o.code, 2, o.stderr);
    assert.match(o.stderr, /output\.folder: cannot write results to .*: no space left on the device/);
    assert.doesNotMatch(o.stdout, /METRIC/, 'no training ran');
    assert.deepEqual(o.left, [], 'the probe and the folders it made are removed');
    oneLine(o);
  });

  it('a results folder on a read-only disk fails before the run, saying read-only (not "not found")', (t) => {
    if (skip) return t.skip(skip);
    const o = withMount(
      mountPoint,
      'ro,size=64k',
      ['train', workload, '--set', `output.folder=${mountPoint}/results`],
      tmp,
    );
    assert.equal(o.code, 2, o.stderr);
    assert.match(o.stderr, /output\.folder: cannot write results to .*: the file system is read-only/);
    assert.doesNotMatch(o.stdout, /METRIC/);
    oneLine(o);
  });

  it('a results folder where a file is in the way fails before the run', async () => {
    const file = path.join(tmp, 'a-file');
    await writeFile(file, 'x');
    const r = spawnSync(process.execPath, [BIN, 'train', workload, '--set', `output.folder=${file}`], {
      cwd: tmp,
    });
    assert.equal(r.status, 2, r.stderr.toString());
    assert.match(r.stderr.toString(), /output\.folder: .*a file is in the way/);
    assert.doesNotMatch(r.stdout.toString(), /METRIC/);
  });

  it('generate onto a read-only disk: a storage error saying read-only (exit 3)', (t) => {
    if (skip) return t.skip(skip);
    const o = withMount(
      mountPoint,
      'ro,size=64k',
      ['generate', workload, '--set', `storage.storage_root=${mountPoint}/data`],
      tmp,
    );
    assert.equal(o.code, 3, o.stderr);
    assert.match(o.stderr, /\[EROFS\]: the file system is read-only/);
    assert.doesNotMatch(o.stderr, /not found/);
    oneLine(o);
  });

  it('generate onto a disk that fills up: exit 3 saying no space, complete files kept, no temp file left', (t) => {
    if (skip) return t.skip(skip);
    // Each file is ~264 KB: the first fits in 400 KB, the second does not.
    const o = withMount(
      mountPoint,
      'size=400k',
      ['generate', workload, '--workers', '1', '--set', `storage.storage_root=${mountPoint}/data`],
      tmp,
    );
    assert.equal(o.code, 3, o.stderr);
    assert.match(o.stderr, /\[ENOSPC\]: no space left on the device/);
    assert.deepEqual(
      o.left.filter((f) => f.endsWith('.parquet')),
      ['data/data/train/img_0_of_2.parquet'],
    );
    assert.deepEqual(
      o.left.filter((f) => /\.tmp-/.test(f)),
      [],
      o.left.join(', '),
    );
    oneLine(o);
  });
});
