import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseWorkload } from '../../src/config/index.ts';

const bin = fileURLToPath(new URL('../../bin/pqbench.js', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/mlperf/${name}`, import.meta.url));

function pqbench(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('pqbench CLI', () => {
  it('--help lists the commands and exits 0', () => {
    const r = pqbench('--help');
    assert.equal(r.code, 0);
    for (const c of ['validate', 'generate', 'train', 'run', 'cloud'])
      assert.match(r.stdout, new RegExp(`\\b${c}\\b`));
  });

  it('validate prints the resolved config as YAML that parses back to the same workload', () => {
    const r = pqbench('validate', fixture('flux_parquet.yaml'), '--set', 'reader.batch_size=16');
    assert.equal(r.code, 0, r.stderr);
    const direct = parseWorkload(r.stdout).workload;
    assert.equal(direct.reader.batch_size, 16);
    assert.equal(direct.dataset.parquet.columns[0]!.size, 524328);
    assert.match(r.stderr, /notice: framework is a DLIO key pqbench ignores/);
  });

  it('bad config: exit 2, one line per problem naming the key, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pqb-cli-'));
    const f = join(dir, 'bad.yaml');
    writeFileSync(f, 'reader: {batch_size: 0, colesce_gap_bytes: 3}\ndataset: {compression: lzo}\n');
    const r = pqbench('validate', f);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /reader\.batch_size: 0 is too small/);
    assert.match(r.stderr, /reader\.colesce_gap_bytes: unknown key/);
    assert.match(r.stderr, /dataset\.compression: 'lzo' is not allowed/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  it('missing file, unknown command and unknown flag are usage errors (exit 2)', () => {
    assert.equal(pqbench('validate', '/nonexistent/w.yaml').code, 2);
    const unknown = pqbench('frobnicate');
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown command 'frobnicate'/);
    const flag = pqbench('validate', fixture('flux_parquet.yaml'), '--bogus');
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /bogus/);
  });
});
