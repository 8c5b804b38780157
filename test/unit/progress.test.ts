import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatDuration, formatProgress, ProgressLine } from '../../src/exec/progress.ts';

test('progress line text: count, percent, MB (10^6), MB/s, ETA', () => {
  assert.equal(
    formatProgress('files', { done: 25, total: 100, bytes: 50e6 }, 10),
    'files 25/100 (25%)  50.0 MB  5.0 MB/s  ETA 0:30',
  );
  assert.equal(
    formatProgress('files', { done: 0, total: 10, bytes: 0 }, 0),
    'files 0/10 (0%)  0.0 MB  0.0 MB/s  ETA --:--',
  );
  assert.equal(formatDuration(3725), '1:02:05');
});

test('TTY: redraws in place, throttled, and clears on finish; non-TTY: plain lines at the interval', () => {
  let t = 0;
  const tty: string[] = [];
  const line = new ProgressLine(
    { write: (s: string) => tty.push(s), isTTY: true },
    { unit: 'files', clock: () => t },
  );
  line.update({ done: 1, total: 4, bytes: 1e6 });
  t = 50;
  line.update({ done: 2, total: 4, bytes: 2e6 });
  t = 200;
  line.update({ done: 3, total: 4, bytes: 3e6 });
  line.finish();
  assert.equal(tty.length, 3);
  assert.ok(tty[0].startsWith('\rfiles 1/4'));
  assert.ok(tty[1].startsWith('\rfiles 3/4'));
  assert.equal(tty[2], '\r\x1b[K');

  t = 0;
  const plain: string[] = [];
  const log = new ProgressLine(
    { write: (s: string) => plain.push(s), isTTY: false },
    { unit: 'files', clock: () => t, plainMs: 1000 },
  );
  log.update({ done: 1, total: 4, bytes: 0 });
  t = 1500;
  log.update({ done: 2, total: 4, bytes: 0 });
  t = 1600;
  log.update({ done: 3, total: 4, bytes: 0 });
  log.finish();
  // The log ends where the work ended, not at the last interval's percentage.
  assert.deepEqual(
    plain.map((s) => s.split('  ')[0]),
    ['files 2/4 (50%)', 'files 3/4 (75%)'],
  );
  log.finish();
  assert.equal(plain.length, 2, 'finish ends a log once');
  // A run shorter than one interval printed nothing, and finish adds nothing either.
  const quiet: string[] = [];
  const short = new ProgressLine({ write: (s: string) => quiet.push(s), isTTY: false }, { unit: 'files' });
  short.update({ done: 4, total: 4, bytes: 0 });
  short.finish();
  assert.deepEqual(quiet, []);
  assert.ok(plain.every((s) => s.endsWith('\n') && !s.includes('\r')));
});
