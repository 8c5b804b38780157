import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StorageError } from '../../src/errors.ts';
import { LocalStorage } from '../../src/storage/local.ts';
import { READ_ALIGN_SLACK } from '../../src/storage/types.ts';

async function keys(storage: LocalStorage, prefix: string, delimiter?: string): Promise<string[]> {
  const out: string[] = [];
  for await (const entry of storage.list(prefix, { delimiter })) out.push(entry.key);
  return out;
}

describe('LocalStorage specifics', () => {
  let root = '';
  let storage: LocalStorage;
  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'pqbench-local-'));
    storage = new LocalStorage(root);
  });
  after(() => rm(root, { recursive: true, force: true }));

  it('hides an object until its putStream completes, and never lists temp files', async () => {
    let finish: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      finish = resolve;
    });
    async function* slow() {
      yield new Uint8Array(10);
      await gate;
      yield new Uint8Array(5);
    }
    const pending = storage.putStream('atomic/obj.bin', slow());
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(await storage.head('atomic/obj.bin'), undefined);
    assert.deepEqual(await keys(storage, 'atomic/'), []);
    assert.equal((await readdir(path.join(root, 'atomic'))).length, 1, 'the temp file exists meanwhile');
    finish();
    assert.equal((await pending).bytes, 15);
    assert.deepEqual(await keys(storage, 'atomic/'), ['atomic/obj.bin']);
    assert.deepEqual(await readdir(path.join(root, 'atomic')), ['obj.bin']);
  });

  it('prunes folders emptied by deleteMany and ignores missing keys', async () => {
    await storage.put('prune/a/b/c.bin', new Uint8Array(1));
    await storage.put('prune/keep.bin', new Uint8Array(1));
    await storage.deleteMany(['prune/a/b/c.bin', 'prune/never-existed.bin']);
    assert.deepEqual(await readdir(path.join(root, 'prune')), ['keep.bin']);
    assert.deepEqual(await keys(storage, 'prune/', '/'), ['prune/keep.bin']);
  });

  it('does not report an empty folder as a common prefix', async () => {
    await mkdir(path.join(root, 'empty/day=0'), { recursive: true });
    await writeFile(path.join(root, 'empty/day=0/.x.parquet.tmp-0123456789ab'), 'partial');
    await storage.put('empty/day=1/x.parquet', new Uint8Array(1));
    assert.deepEqual(await keys(storage, 'empty/', '/'), ['empty/day=1/']);
  });

  it('groups by any delimiter, not only /', async () => {
    for (const k of ['g/day=0/a', 'g/day=1/a', 'g/month=2', 'g/x']) await storage.put(k, new Uint8Array(1));
    assert.deepEqual(await keys(storage, 'g/', '='), ['g/day=', 'g/month=', 'g/x']);
  });

  it('explains file/folder name clashes and folder reads', async () => {
    await storage.put('clash/file', new Uint8Array(1));
    await assert.rejects(storage.put('clash/file/child', new Uint8Array(1)), (e: unknown) => {
      assert.ok(e instanceof StorageError && e.kind === 'invalid', String(e));
      assert.match(e.message, /same name/);
      return true;
    });
    await assert.rejects(
      storage.get('clash'),
      (e: unknown) => e instanceof StorageError && e.kind === 'not_found',
    );
  });

  it('lists nothing under a root that does not exist yet, and creates it on put', async () => {
    const fresh = new LocalStorage(path.join(root, 'fresh/root'));
    assert.deepEqual(await keys(fresh, ''), []);
    await fresh.put('x', new Uint8Array(2));
    assert.deepEqual(await keys(fresh, ''), ['x']);
  });

  it('maps permission errors to auth', {
    skip: process.getuid?.() === 0 ? 'root ignores file modes' : false,
  }, async () => {
    await storage.put('locked/x', new Uint8Array(1));
    await chmod(path.join(root, 'locked/x'), 0o000);
    await assert.rejects(
      storage.get('locked/x'),
      (e: unknown) => e instanceof StorageError && e.kind === 'auth',
    );
  });
});

describe('LocalStorage and symbolic links', () => {
  it('refuses a key whose path leaves the root through a link (directory or file), and reads links that stay inside', async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'pqbench-links-'));
    try {
      const root = path.join(base, 'root');
      const outside = path.join(base, 'outside');
      await mkdir(path.join(root, 'inner'), { recursive: true });
      await mkdir(outside, { recursive: true });
      await writeFile(path.join(outside, 'secret.bin'), 'x');
      await symlink(outside, path.join(root, 'escape'));
      await symlink(path.join(outside, 'secret.bin'), path.join(root, 'inner', 'file-link.bin'));
      await symlink(path.join(root, 'inner'), path.join(root, 'alias'));
      const storage = new LocalStorage(root);
      for (const attempt of [
        () => storage.put('escape/new.bin', new Uint8Array(3)),
        () => storage.get('escape/secret.bin'),
        () => storage.get('inner/file-link.bin'),
      ]) {
        const error = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(error instanceof StorageError && /symbolic link/.test(error.message), String(error));
      }
      assert.deepEqual(await readdir(outside), ['secret.bin'], 'nothing was written outside');
      await storage.put('inner/ok.bin', new Uint8Array([1, 2]));
      assert.deepEqual(Array.from((await storage.get('alias/ok.bin')).body), [1, 2]);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});

describe('LocalStorage reads into a buffer with slack', () => {
  it('places the body where destination − file offset ≡ 2048 (mod 4 KiB), bytes exact; without slack at 0', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pqbench-align-'));
    try {
      const storage = new LocalStorage(dir);
      const bytes = Uint8Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 251);
      await storage.put('o.bin', bytes);
      for (const start of [0, 4, 2047, 2048, 4095, 4096, 12_345]) {
        const end = start + 30_000;
        const into = new Uint8Array(new ArrayBuffer(30_000 + READ_ALIGN_SLACK + 64), 16);
        const got = await storage.get('o.bin', { start, end }, { into });
        assert.equal(got.body.buffer, into.buffer, 'read into the buffer given');
        assert.equal((((got.body.byteOffset - start) % 4096) + 4096) % 4096, 2048, `start ${start}`);
        assert.deepEqual(got.body, bytes.subarray(start, end));
        const tight = new Uint8Array(30_000);
        const plain = await storage.get('o.bin', { start, end }, { into: tight });
        assert.equal(plain.body.byteOffset, 0);
        assert.deepEqual(plain.body, bytes.subarray(start, end));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
