import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExitCode, StorageError } from '../../src/errors.ts';
import { runShardsOnWorkers } from '../../src/exec/pool.ts';

const tasks = new URL('./fixtures/pool-tasks.ts', import.meta.url).href;

test('runs TypeScript tasks on worker threads and returns results in input order', async () => {
  const progress: unknown[] = [];
  const args = [1, 2, 3, 4, 5].map((n) => ({ n }));
  const results = await runShardsOnWorkers<{ n: number }, { n: number; square: number; thread: number }>(
    { moduleUrl: tasks, exportName: 'square' },
    args,
    { workers: 2, onProgress: (i, p) => progress.push([i, p]) },
  );
  assert.deepEqual(
    results.map((r) => r.square),
    [1, 4, 9, 16, 25],
  );
  assert.ok(
    results.every((r) => r.thread > 0),
    'ran off the main thread',
  );
  assert.equal(progress.length, 5);
  assert.deepEqual(
    progress.find((p) => (p as [number, unknown])[0] === 2),
    [2, { started: 3 }],
  );
});

test('tasks run concurrently on separate threads', async () => {
  const shared = new SharedArrayBuffer(4);
  const results = await runShardsOnWorkers<{ shared: SharedArrayBuffer }, { met: boolean; thread: number }>(
    { moduleUrl: tasks, exportName: 'rendezvous' },
    [{ shared }, { shared }],
    { workers: 2 },
  );
  assert.deepEqual(
    results.map((r) => r.met),
    [true, true],
  );
  assert.notEqual(results[0].thread, results[1].thread);
});

test('a typed error in a worker comes back as the same class with its fields, and aborts the others', async () => {
  const args = [0, 1, 2, 3].map((n) => ({ n, failAt: 2 }));
  const error = await runShardsOnWorkers({ moduleUrl: tasks, exportName: 'failOn' }, args, {
    workers: 3,
  }).then(
    () => assert.fail('should reject'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof StorageError, `got ${String(error)}`);
  assert.equal(error.kind, 'auth');
  assert.equal(error.key, 'k2');
  assert.equal(error.status, 403);
  assert.equal(error.exitCode, ExitCode.storage);
  assert.match(error.message, /access denied \(auth\).*key k2.*injected/);
});

test('a missing export is reported as an error, not a hang', async () => {
  await assert.rejects(
    runShardsOnWorkers({ moduleUrl: tasks, exportName: 'nope' }, [{}], { workers: 1 }),
    /no exported function nope/,
  );
});

test('an empty task list resolves without starting workers', async () => {
  assert.deepEqual(
    await runShardsOnWorkers({ moduleUrl: tasks, exportName: 'square' }, [], { workers: 4 }),
    [],
  );
});
