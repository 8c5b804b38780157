import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ByteChannel } from '../../src/generate/byte-channel.ts';

test('coalesces small writes into fixed chunks, keeps order, flushes the tail on close', async () => {
  const channel = new ByteChannel(8);
  const consumed: Uint8Array[] = [];
  const consumer = (async () => {
    for await (const chunk of channel) consumed.push(chunk);
  })();
  const input = Uint8Array.from({ length: 29 }, (_, i) => i);
  for (let i = 0; i < input.length; i += 3)
    await channel.write(input.subarray(i, Math.min(i + 3, input.length)));
  await channel.close();
  await consumer;
  assert.deepEqual(
    consumed.map((c) => c.length),
    [8, 8, 8, 5],
  );
  assert.deepEqual(Buffer.concat(consumed), Buffer.from(input));
  // Every chunk is its own buffer: a consumer may keep them all.
  assert.equal(new Set(consumed.map((c) => c.buffer)).size, 4);
});

test('backpressure: a write does not resolve until the consumer takes the chunk', async () => {
  const channel = new ByteChannel(4);
  let resolved = false;
  const pending = channel.write(new Uint8Array(4)).then(() => {
    resolved = true;
  });
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(resolved, false);
  const it = channel[Symbol.asyncIterator]();
  const first = await it.next();
  assert.equal(first.value?.length, 4);
  await pending;
  assert.equal(resolved, true);
});

test('a producer failure reaches the consumer; a consumer that stops makes writes reject', async () => {
  const failing = new ByteChannel(4);
  const consumer = (async () => {
    for await (const _ of failing) {
      // drain
    }
  })();
  await failing.write(new Uint8Array(4));
  failing.fail(new Error('generator broke'));
  await assert.rejects(consumer, /generator broke/);

  const abandoned = new ByteChannel(4);
  const it = abandoned[Symbol.asyncIterator]();
  const blocked = abandoned.write(new Uint8Array(8));
  await it.return?.();
  await assert.rejects(blocked, /upload stopped/);
  assert.equal(abandoned.abandoned, true);
  await assert.rejects(abandoned.write(new Uint8Array(1)), /upload stopped/);
});

test('large writes pass through without a copy, after the buffered small bytes', async () => {
  const channel = new ByteChannel(8);
  const consumed: Uint8Array[] = [];
  const consumer = (async () => {
    for await (const chunk of channel) consumed.push(chunk);
  })();
  const big = new Uint8Array(20).fill(7);
  await channel.write(Uint8Array.of(1, 2));
  await channel.write(big);
  await channel.write(Uint8Array.of(3));
  await channel.close();
  await consumer;
  assert.deepEqual(
    consumed.map((c) => c.length),
    [2, 20, 1],
  );
  assert.equal(consumed[1], big);
});
