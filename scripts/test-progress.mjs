/**
 * A node:test reporter for `npm test` (scripts/run-tests.mjs puts it on
 * stderr beside the usual reporter on stdout): one line per test file as
 * the next one starts, and the last at the end —
 *   [12/63] test/unit/config.test.ts: ok, 41 tests, 3.2 s
 * so that a run of several minutes shows where it is. Files run one at a
 * time (--test-concurrency=1), so a file's events are contiguous.
 */
import path from 'node:path';

const total = Number(process.env.PQBENCH_TEST_FILES) || undefined;

export default async function* progress(source) {
  let current;
  let done = 0;
  const finish = () => {
    done++;
    const seconds = (current.ms / 1000).toFixed(1);
    const verdict =
      current.failed > 0 ? `FAILED (${current.failed} of ${current.tests})` : `ok, ${current.tests} tests`;
    return `[${done}${total ? `/${total}` : ''}] ${path.relative(process.cwd(), current.file)}: ${verdict}, ${seconds} s\n`;
  };
  for await (const event of source) {
    const file = event.data?.file;
    if (file === undefined) continue;
    if (
      current?.file !== file &&
      (event.type === 'test:start' || event.type === 'test:pass' || event.type === 'test:fail')
    ) {
      if (current) yield finish();
      current = { file, ms: 0, tests: 0, failed: 0 };
    }
    if (!current || current.file !== file) continue;
    // A file's events arrive as its process reports them: its time is that of its top-level tests and suites.
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0)
      current.ms += event.data.details?.duration_ms ?? 0;
    // Leaves only: a suite's pass or fail repeats its tests'.
    if (event.type === 'test:pass' && event.data.details?.type !== 'suite') current.tests++;
    if (event.type === 'test:fail' && event.data.details?.type !== 'suite') {
      current.tests++;
      current.failed++;
    }
  }
  if (current) yield finish();
}
