/**
 * The bad-input corpus (issue 15): every input a new user or an adversary
 * might give, run through the CLI's main() as `pqbench` runs it. Each case
 * must end (no hang) with its exit code, a message naming the key or the file,
 * no stack trace, no "internal error" and no credential it was given.
 *
 * Cases are the files in test/fixtures/bad-input/ (each says what it expects
 * in its header: `# exit:`, `# names:`, optionally `# args:` and `# command:`;
 * `${TMP}` is a fresh directory) and the table below for inputs a file cannot
 * hold (FIFOs, directories, sizes, aliases, flags).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.ts';
import { LIMITS } from '../../src/config/limits.ts';
import { GENERATE_PART_SIZE } from '../../src/generate/object.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/bad-input/', import.meta.url));
/** Credentials the cases give; none may appear in any output. */
const SECRETS = ['SECRETxyz123', 'SECRETpw456', '987654321012', 'AKIDxyz123'];
const CASE_TIMEOUT_MS = 20_000;
/** Replaced by a fresh directory in each fixture. */
const TMP_PLACEHOLDER = ['$', '{TMP}'].join('');

interface Case {
  name: string;
  /** argv after `pqbench`; the workload path is already in it. */
  argv: string[];
  exit: number;
  /** Text the output must contain: the key's dotted path, the file, or the reason. */
  names: string;
  /** Secrets expected in no output (SECRETS by default). */
  mustNotShow?: string[];
  /** No output line may be longer (a huge value must be cut when quoted). */
  maxLineChars?: number;
  /** Environment variables set (a value) or removed (undefined) while the case runs. */
  env?: Record<string, string | undefined>;
}

interface Outcome {
  code: number | 'hang';
  output: string;
}

/** Runs `work` with `changes` applied to process.env, then puts the environment back. */
async function withEnv<T>(changes: Record<string, string | undefined>, work: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(changes).map((k) => [k, process.env[k]]));
  const apply = (values: Record<string, string | undefined>) => {
    for (const [k, v] of Object.entries(values)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  };
  apply(changes);
  try {
    return await work();
  } finally {
    apply(saved);
  }
}

async function run(argv: string[]): Promise<Outcome> {
  const lines: string[] = [];
  const io = { stdout: (l: string) => lines.push(l), stderr: (l: string) => lines.push(l) };
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>((resolve) => {
    timer = setTimeout(() => resolve('hang'), CASE_TIMEOUT_MS);
  });
  try {
    const code = await Promise.race([main(argv, io), hang]);
    return { code, output: lines.join('\n') };
  } finally {
    clearTimeout(timer);
  }
}

const root = mkdtempSync(join(tmpdir(), 'pqb-bad-input-'));
let counter = 0;
function scratch(): string {
  const dir = join(root, String(counter++));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'a-file'), 'not a directory\n');
  return dir;
}

/** A fixture's header (`# key: value` lines) and its body with ${TMP} filled in. */
function fixtureCase(file: string): Case {
  const text = readFileSync(join(FIXTURES, file), 'utf8');
  const header = Object.fromEntries(
    [...text.matchAll(/^# (exit|names|args|command): (.*)$/gm)].map((m) => [m[1], m[2]!.trim()]),
  );
  assert.ok(header.exit && header.names, `${file}: header needs # exit: and # names:`);
  const dir = scratch();
  const path = join(dir, file);
  writeFileSync(path, text.replaceAll(TMP_PLACEHOLDER, dir));
  const args = header.args ? header.args.split(' ') : [];
  return {
    name: `fixture ${file}`,
    argv: [header.command ?? 'validate', path, ...args],
    exit: Number(header.exit),
    names: header.names!,
  };
}

function workloadFile(name: string, text: string | Buffer): string {
  const path = join(scratch(), name);
  writeFileSync(path, text);
  return path;
}

const aliasBomb = [
  'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
  ...'bcdefghi'.split('').map((k, i) => {
    const prev = 'abcdefghi'[i];
    return `${k}: &${k} [*${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}, *${prev}]`;
  }),
  'reader: {batch_size: 1}',
].join('\n');

/** Plain anchor reuse: one column spec used 150 times (valid; the yaml library's default guard stops at 100). */
const anchorReuse = `dataset:\n  parquet:\n    columns:\n      - &c {name: c0, dtype: float32}\n${Array.from(
  { length: 150 },
  (_, i) => `      - {<<: *c, name: c${i + 1}}`,
).join('\n')}\n`;
const anchorReusePlain = `reader:\n  batch_size: &n 4\n  batch_size_eval: *n\ntrain:\n  computation_time: {mean: 0.001}\nmodel: {name: anchors}\ndataset:\n  num_files_train: *n\n  parquet:\n    columns:\n${Array.from(
  { length: 150 },
  (_, i) => `      - {name: c${i}, size: *n}`,
).join('\n')}\n`;

function generatedCases(): Case[] {
  const dir = scratch();
  const fifo = join(dir, 'fifo.yaml');
  execFileSync('mkfifo', [fifo]);
  const fifoLink = join(dir, 'link-to-fifo.yaml');
  symlinkSync(fifo, fifoLink);
  const directory = join(dir, 'dir.yaml');
  mkdirSync(directory);
  const sparse = join(dir, 'sparse.yaml');
  writeFileSync(sparse, '');
  truncateSync(sparse, 2 * 1024 ** 3);
  const big = workloadFile('big.yaml', `reader: {batch_size: 4}\n${'# padding\n'.repeat(120_000)}`);
  const good = workloadFile('good.yaml', 'reader: {batch_size: 4}\n');
  const manyColumns = workloadFile(
    'many-columns.yaml',
    `dataset:\n  parquet:\n    columns:\n${Array.from({ length: 10_001 }, (_, i) => `      - c${i}`).join('\n')}\n`,
  );
  const s3 = 'storage: {storage_type: s3, storage_root: bench-bucket';
  return [
    { name: 'FIFO as the workload', argv: ['validate', fifo], exit: 2, names: 'FIFO' },
    { name: 'symlink to a FIFO', argv: ['validate', fifoLink], exit: 2, names: 'link-to-fifo.yaml' },
    { name: 'directory as the workload', argv: ['validate', directory], exit: 2, names: 'directory' },
    { name: 'character device', argv: ['validate', '/dev/zero'], exit: 2, names: '/dev/zero' },
    { name: 'missing file', argv: ['validate', join(dir, 'nope.yaml')], exit: 2, names: 'not found' },
    { name: 'missing parent directory', argv: ['validate', join(fifo, 'x.yaml')], exit: 2, names: 'x.yaml' },
    { name: 'sparse 2 GiB file', argv: ['validate', sparse], exit: 2, names: 'at most 1.0 MiB' },
    { name: 'YAML over 1 MiB', argv: ['validate', big], exit: 2, names: 'big.yaml' },
    {
      name: 'empty file',
      argv: ['validate', workloadFile('empty.yaml', '')],
      exit: 2,
      names: 'empty',
    },
    {
      name: 'binary file',
      argv: ['validate', workloadFile('binary.yaml', Buffer.from([0xff, 0xfe, 0x00, 0x81, 0x9c]))],
      exit: 2,
      names: 'UTF-8',
    },
    {
      name: 'NUL bytes in YAML',
      argv: ['validate', workloadFile('nul.yaml', 'reader: {batch_size: 4}\0\0\n')],
      exit: 2,
      names: 'nul.yaml',
    },
    {
      name: 'billion laughs',
      argv: ['validate', workloadFile('bomb.yaml', aliasBomb)],
      exit: 2,
      names: 'alias',
    },
    {
      name: 'deep nesting',
      argv: ['validate', workloadFile('deep.yaml', `x: ${'['.repeat(5000)}${']'.repeat(5000)}\n`)],
      exit: 2,
      names: 'nested',
    },
    {
      name: 'deep nesting within the parser',
      argv: ['validate', workloadFile('deep2.yaml', `x: ${'['.repeat(100)}${']'.repeat(100)}\n`)],
      exit: 2,
      names: 'nested',
    },
    {
      name: 'one anchor used 150 times (valid)',
      argv: ['validate', workloadFile('anchors.yaml', anchorReusePlain), '--quiet'],
      exit: 0,
      names: 'valid workload',
    },
    {
      name: 'merge key (<<) anchor reused 150 times in a %YAML 1.1 file (valid)',
      argv: ['validate', workloadFile('merge.yaml', `%YAML 1.1\n---\n${anchorReuse}`), '--quiet'],
      exit: 0,
      names: 'valid workload',
    },
    { name: '10,001 columns', argv: ['validate', manyColumns], exit: 2, names: 'dataset.parquet.columns' },
    {
      name: 'endpoint with user info is redacted in the resolved config',
      argv: [
        'validate',
        workloadFile(
          'userinfo.yaml',
          `${s3}, storage_options: {endpoint_url: 'http://admin:SECRETpw456@127.0.0.1:9000'}}\n`,
        ),
      ],
      exit: 0,
      names: 'http://<redacted>@127.0.0.1:9000',
    },
    {
      name: 'credentials are redacted in the resolved config',
      argv: [
        'validate',
        workloadFile(
          'creds.yaml',
          `${s3}, storage_options: {access_key_id: AKIDxyz123, secret_access_key: SECRETxyz123, session_token: SECRETpw456}}\n`,
        ),
      ],
      exit: 0,
      names: 'secret_access_key: <redacted>',
    },
    {
      name: 'credentials given by --set are redacted too',
      argv: [
        'validate',
        good,
        '--set',
        'storage.storage_options.access_key_id=AKIDxyz123',
        '--set',
        'storage.storage_options.secret_access_key=SECRETxyz123',
        '--set',
        'storage.storage_options.endpoint_url=http://u:SECRETpw456@127.0.0.1:9000',
      ],
      exit: 0,
      names: 'access_key_id: <redacted>',
    },
    { name: 'unknown command', argv: ['frobnicate', good], exit: 2, names: 'frobnicate' },
    { name: 'unknown flag', argv: ['validate', good, '--bogus'], exit: 2, names: 'bogus' },
    { name: 'two workload files', argv: ['validate', good, good], exit: 2, names: 'good.yaml' },
    { name: 'no workload file', argv: ['validate'], exit: 2, names: 'validate' },
    { name: '--set without a value', argv: ['validate', good, '--set'], exit: 2, names: '--set' },
    {
      name: '--set with a secret and a wrong separator',
      argv: ['validate', good, '--set', 'storage.storage_options.session_token:SECRETxyz123'],
      exit: 2,
      names: 'storage.storage_options.session_token',
    },
    {
      name: '--workers not a number',
      argv: ['generate', good, '--workers', 'abc'],
      exit: 2,
      names: 'workers',
    },
    {
      name: 'train.computation_time 1e300 (would sleep forever): the key and the limit',
      argv: ['validate', workloadFile('sleep-forever.yaml', 'train: {computation_time: 1e300}\n')],
      exit: 2,
      names: `train.computation_time: 1e+300 is too large; allowed: <= ${LIMITS.sleepSeconds}`,
    },
    {
      name: 'reader.preprocess_time as a distribution past the limit',
      argv: [
        'validate',
        workloadFile('preprocess.yaml', 'reader: {preprocess_time: {type: exponential, scale: 1e9}}\n'),
      ],
      exit: 2,
      names: 'reader.preprocess_time.scale',
    },
    {
      name: 'a 300 kB model.name: bounded, and the message quotes 60 characters of it',
      argv: ['validate', workloadFile('model-name.yaml', `model: {name: ${'m'.repeat(300_000)}}\n`)],
      exit: 2,
      names: `model.name: '${'m'.repeat(57)}...': is 300000 bytes; allowed: <= ${LIMITS.modelNameBytes} bytes`,
      maxLineChars: 300,
    },
    {
      name: 'a 300 kB unknown key: named in 60 characters',
      argv: ['validate', workloadFile('long-key.yaml', `reader: {${'k'.repeat(300_000)}: 1}\n`)],
      exit: 2,
      names: 'unknown key',
      maxLineChars: 300,
    },
    {
      name: 'a secret pasted as a key under storage_options is never echoed (notice or resolved config)',
      argv: [
        'validate',
        workloadFile('secret-as-key.yaml', `${s3}, storage_options: {SECRETxyz123: null, AKIDxyz123: 1}}\n`),
      ],
      exit: 0,
      names: 'storage.storage_options has 2 keys pqbench does not use',
    },
    {
      name: 'cloud run with no AWS region anywhere: a config error saying how to set one',
      argv: ['cloud', 'run', good, '--stack', 'pqbench'],
      exit: 2,
      names: '--region',
      env: {
        AWS_REGION: undefined,
        AWS_DEFAULT_REGION: undefined,
        AWS_PROFILE: undefined,
        AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
      },
    },
    {
      name: '--prices file missing',
      argv: ['train', good, '--prices', join(dir, 'no-prices.json')],
      exit: 2,
      names: 'no-prices.json',
    },
  ];
}

function problems(c: Case, o: Outcome): string[] {
  const out: string[] = [];
  if (o.code === 'hang') return [`no exit within ${CASE_TIMEOUT_MS / 1000} s (hang)`];
  if (o.code !== c.exit) out.push(`exit ${o.code}, expected ${c.exit}`);
  if (!o.output.includes(c.names)) out.push(`output does not name '${c.names}'`);
  if (/^\s+at /m.test(o.output)) out.push('stack trace printed');
  if (/internal error/i.test(o.output)) out.push('"internal error" printed');
  for (const s of c.mustNotShow ?? SECRETS) if (o.output.includes(s)) out.push(`secret ${s} printed`);
  const longest = Math.max(...o.output.split('\n').map((l) => l.length));
  if (c.maxLineChars !== undefined && longest > c.maxLineChars)
    out.push(`a line of ${longest} characters (at most ${c.maxLineChars})`);
  return out;
}

describe('bad-input corpus: clear exit codes, the key or file named, no stack, no secret', () => {
  after(() => rmSync(root, { recursive: true, force: true }));

  it('the limits the generator depends on are the generator’s', () => {
    assert.equal(LIMITS.s3PartBytes, GENERATE_PART_SIZE);
  });

  it('every case ends with its exit code and a clear message', async () => {
    const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml'));
    const cases = [...fixtures.map(fixtureCase), ...generatedCases()];
    assert.ok(cases.length >= 60, `corpus has ${cases.length} cases`);
    const failures: string[] = [];
    let clear = 0;
    let stacks = 0;
    let hangs = 0;
    for (const c of cases) {
      const outcome = await withEnv(c.env ?? {}, () => run(c.argv));
      const found = problems(c, outcome);
      if (outcome.code === 'hang') hangs++;
      if (/^\s+at /m.test(outcome.output)) stacks++;
      if (process.env.PQB_CORPUS_VERBOSE) console.log(`--- ${c.name} → ${outcome.code}\n${outcome.output}`);
      if (found.length === 0) clear++;
      else failures.push(`${c.name}: ${found.join('; ')}\n    ${outcome.output.split('\n').join('\n    ')}`);
    }
    console.log(
      `bad-input corpus: ${cases.length} inputs tried / ${clear} clear / ${stacks} stack traces / ${hangs} hangs`,
    );
    assert.deepEqual(failures, []);
  });
});
