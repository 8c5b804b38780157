/**
 * The CLI explains itself (issue 14): help per command with every flag, its
 * default and an example; the version three ways; "did you mean" for
 * commands and flags, in one line, exit 2. The compiled CLI (bin/pqbench.js)
 * is what users run, so most of this spawns it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { CATALOG, type CommandSpec } from '../../src/cli/catalog.ts';
import { main } from '../../src/cli/main.ts';

const bin = fileURLToPath(new URL('../../bin/pqbench.js', import.meta.url));
const version = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

function pqbench(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

async function inProcess(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (l) => out.push(l), stderr: (l) => err.push(l) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

/** Help text with commander's line wrapping undone. */
const unwrapped = (text: string) => text.replace(/\s+/g, ' ');

/** Every command and subcommand, with the words that name it on the command line. */
const everyCommand = (): { words: string[]; spec: CommandSpec }[] =>
  CATALOG.flatMap((spec) =>
    spec.subcommands
      ? spec.subcommands.map((sub) => ({ words: [spec.name, sub.name], spec: sub }))
      : [{ words: [spec.name], spec }],
  );

describe('pqbench <command> --help', () => {
  it('pqbench train --help lists every flag with its default, and an example', () => {
    const r = pqbench('train', '--help');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const text = unwrapped(r.stdout);
    assert.match(text, /Usage: pqbench train \[options\] <workload\.yaml>/);
    const flags: [string, string][] = [
      ['--prices <prices.json>', 'S3 Standard, Lambda and Step Functions list prices in us-east-1'],
      ['--json', 'off'],
      ['--strict', 'off: the verdict is printed and the exit code stays 0'],
      ['--rank <r>', 'from the launcher (Open MPI, PMI, Slurm, AWS Batch), else a single-process run'],
      ['--world <w>', 'from the launcher, else 1'],
      ['--run-id <id>', "the launcher's job id"],
      ['--rank-timeout <seconds>', '600'],
      ['--start-margin <seconds>', '10'],
      ['--poll-interval <seconds>', '1'],
      ['--set <key.path=value>', 'none'],
      ['--verbose', 'off'],
      ['-h, --help', ''],
    ];
    // Each flag's line(s) run up to the next flag's.
    const at = flags.map(([flag]) => text.indexOf(` ${flag} `));
    for (const [i, [flag, fallback]] of flags.slice(0, -1).entries()) {
      assert.ok(at[i]! >= 0, `${flag} missing:\n${r.stdout}`);
      const entry = text.slice(at[i], at[i + 1]);
      assert.ok(entry.trimEnd().endsWith(`(default: ${fallback})`), `${flag}'s default: ${entry}`);
    }
    assert.match(text, /Examples: \$ pqbench train workloads\/quickstart\.yaml/);
  });

  for (const { words, spec } of everyCommand()) {
    it(`pqbench ${words.join(' ')} --help: each of its ${spec.flags.length} flags with its default, examples`, async () => {
      const r = await inProcess(...words, '--help');
      assert.equal(r.code, 0, r.stderr);
      const text = unwrapped(r.stdout);
      for (const flag of spec.flags) {
        assert.ok(text.includes(` ${flag.flags} `), `${flag.flags} missing:\n${r.stdout}`);
        assert.ok(text.includes(`(default: ${flag.default})`), `${flag.flags}'s default:\n${r.stdout}`);
      }
      assert.ok(spec.examples.length > 0);
      for (const example of spec.examples) assert.ok(text.includes(`$ ${example}`), example);
    });
  }

  it('pqbench --help lists every command; pqbench help <command> is the command help', async () => {
    const r = await inProcess('--help');
    assert.equal(r.code, 0);
    for (const c of [...CATALOG.map((s) => s.name), 'version'])
      assert.match(r.stdout, new RegExp(`^ {2}${c}\\b`, 'm'), c);
    assert.match(r.stdout, /Exit codes: 0 ok/);
    const help = await inProcess('help', 'merge');
    assert.equal(help.code, 0);
    assert.equal(help.stdout, (await inProcess('merge', '-h')).stdout);
    assert.match(help.stdout, /--allow-missing/);
  });

  it('no command: the help on stderr, exit 2', async () => {
    const r = await inProcess();
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /Usage: pqbench <command>/);
  });
});

describe('the version', () => {
  it('-V, --version and pqbench version print package.json’s version', () => {
    for (const args of [['-V'], ['--version'], ['version']]) {
      const r = pqbench(...args);
      assert.equal(r.code, 0, `${args}: ${r.stderr}`);
      assert.equal(r.stdout, `${version}\n`, args.join(' '));
      assert.equal(r.stderr, '');
    }
  });
});

describe('did you mean', () => {
  it('pqbench trian suggests train, one line, exit 2', () => {
    const r = pqbench('trian', 'workloads/quickstart.yaml');
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, "error: unknown command 'trian' (did you mean train?); see pqbench --help\n");
  });

  it('--wrokers suggests --workers, in one line without Node’s parser text, exit 2', () => {
    const r = pqbench('run', 'workloads/quickstart.yaml', '--wrokers', '4');
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.equal(
      r.stderr,
      "error: unknown option '--wrokers' (did you mean --workers?); see pqbench run --help\n",
    );
    assert.doesNotMatch(r.stderr, /ERR_PARSE_ARGS|parseArgs|To specify an option argument/);
  });

  it('a subcommand and a flag another command has are named too', async () => {
    const sub = await inProcess('cloud', 'reslts', 'r1');
    assert.equal(sub.code, 2);
    assert.match(sub.stderr, /unknown command 'reslts' \(did you mean results\?\)/);
    const elsewhere = await inProcess('train', 'w.yaml', '--workers', '4');
    assert.equal(elsewhere.code, 2);
    assert.equal(
      elsewhere.stderr,
      "error: unknown option '--workers' (--workers is a flag of generate, run, sweep, dlio); see pqbench train --help",
    );
    const nothingClose = await inProcess('frobnicate');
    assert.match(nothingClose.stderr, /unknown command 'frobnicate'; commands: validate, generate, train/);
  });

  it('a flag without its value and a missing argument are one-line usage errors', async () => {
    const flag = await inProcess('generate', 'w.yaml', '--workers');
    assert.equal(flag.code, 2);
    assert.equal(
      flag.stderr,
      "error: option '--workers <n|auto>' argument missing; see pqbench generate --help",
    );
    const arg = await inProcess('validate');
    assert.equal(arg.code, 2);
    assert.equal(arg.stderr, "error: missing required argument 'workload.yaml'; see pqbench validate --help");
  });

  it('overrides reach the commands that take a workload, and only them', async () => {
    const workload = fileURLToPath(new URL('../../workloads/quickstart.yaml', import.meta.url));
    const r = await inProcess(
      'validate',
      workload,
      '--set=reader.batch_size=7',
      '--set',
      'reader.read_threads=3',
      '++workload.train.epochs=5',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /batch_size: 7/);
    assert.match(r.stdout, /read_threads: 3/);
    assert.match(r.stdout, /epochs: 5/);
    const report = await inProcess('report', 'results/x', '--set', 'reader.batch_size=7');
    assert.equal(report.code, 2);
    assert.match(report.stderr, /pqbench report takes no workload overrides/);
  });
});
