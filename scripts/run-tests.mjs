#!/usr/bin/env node
/**
 * `npm test`: runs test/unit, test/integration and test/cdk with node's test
 * runner (one file at a time). Integration tests need an S3 server:
 *   - S3_ENDPOINT set (with AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY): used as is;
 *   - otherwise a throw-away Ceph RGW is started with scripts/ceph-up.sh on
 *     free ports under a temp dir, and always stopped afterwards;
 *   - no Ceph installed and no S3_ENDPOINT: fails, unless PQBENCH_SKIP_S3=1.
 *
 *   npm test                                   # everything
 *   npm test -- test/unit/foo.test.ts          # a subset (Ceph starts only for integration files)
 *   npm test -- --test-name-pattern=ranges     # extra flags go to `node --test`
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const TEST_DIRS = ['test/unit', 'test/integration', 'test/cdk'];
const CEPH_BINARIES = ['ceph', 'ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'curl'];
const TEST_ACCESS_KEY = 'TESTACCESSKEY';
const TEST_SECRET_KEY = 'TESTSECRETKEY';

function say(line) {
  process.stderr.write(`[run-tests] ${line}\n`);
}

function testFilesUnder(dir) {
  const abs = path.join(REPO, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && d.name.endsWith('.test.ts'))
    .map((d) => path.relative(REPO, path.join(d.parentPath ?? d.path, d.name)))
    .sort();
}

function onPath(bin) {
  return spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A Ceph RGW under a temp dir; `stop` is idempotent and synchronous so it can run from signal handlers. */
async function startCeph() {
  const cephDir = mkdtempSync(path.join(os.tmpdir(), 'pqbench-ceph-'));
  const env = {
    ...process.env,
    CEPH_DIR: cephDir,
    RGW_PORT: String(await freePort()),
    MON_PORT_V2: String(await freePort()),
    MON_PORT_V1: String(await freePort()),
    S3_ACCESS_KEY: TEST_ACCESS_KEY,
    S3_SECRET_KEY: TEST_SECRET_KEY,
  };
  let stopped = false;
  let up;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    say('stopping Ceph');
    // Interrupted during start-up: end ceph-up.sh first so that it starts no further daemon.
    if (up && up.exitCode === null && up.signalCode === null) process.kill(-up.pid, 'SIGTERM');
    spawnSync(path.join(REPO, 'scripts/ceph-down.sh'), ['--purge'], {
      env,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    rmSync(cephDir, { recursive: true, force: true });
  };
  say(`starting Ceph RGW on 127.0.0.1:${env.RGW_PORT} (CEPH_DIR ${cephDir})`);
  // Own process group: a Ctrl-C in the terminal reaches the tests, and we stop Ceph ourselves.
  stopCeph = stop;
  up = spawn(path.join(REPO, 'scripts/ceph-up.sh'), [], {
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let printed = '';
  up.stdout.on('data', (chunk) => {
    printed += chunk;
    process.stderr.write(chunk);
  });
  up.stderr.on('data', (chunk) => process.stderr.write(chunk));
  const code = await new Promise((resolve) => up.on('close', resolve));
  if (code !== 0) {
    stop();
    throw new Error(`scripts/ceph-up.sh failed with exit code ${code}`);
  }
  // The tests use exactly the environment ceph-up.sh tells a user to export.
  const exported = Object.fromEntries(
    [...printed.matchAll(/^export ([A-Z_][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1], m[2]]),
  );
  if (exported.S3_ENDPOINT !== `http://127.0.0.1:${env.RGW_PORT}`) {
    stop();
    throw new Error(`scripts/ceph-up.sh printed no usable S3_ENDPOINT export:\n${printed}`);
  }
  return { endpoint: exported.S3_ENDPOINT, exported, printed, stop };
}

/**
 * The AWS SDK's Node 20 end-of-support notice, which the tests' own S3 clients
 * (and the warm-up here) would print: pqbench supports Node 20 and turns it
 * off itself (src/storage/sdk-notice.ts); the CLI runs the tests start get an
 * environment without this variable (test/helpers/cli-run.ts cliEnv), so
 * that suppression is still what they check.
 */
const QUIET_SDK = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

/** RGW creates its pools lazily: the first request takes seconds, so pay that before any test is timed. */
async function warmUp(endpoint) {
  Object.assign(process.env, QUIET_SDK);
  const { S3Client, CreateBucketCommand, DeleteBucketCommand } = await import('@aws-sdk/client-s3');
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: TEST_ACCESS_KEY, secretAccessKey: TEST_SECRET_KEY },
  });
  const bucket = `pqbench-warmup-${randomBytes(4).toString('hex')}`;
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  client.destroy();
}

async function main() {
  const args = process.argv.slice(2);
  const flags = args.filter((a) => a.startsWith('-'));
  const named = args.filter((a) => !a.startsWith('-'));
  const files = named.length > 0 ? named : TEST_DIRS.flatMap(testFilesUnder);
  if (files.length === 0) {
    say(`no test files found under ${TEST_DIRS.join(', ')}`);
    return 1;
  }
  const env = { ...QUIET_SDK, ...process.env };
  const needsS3 = files.some((f) => f.split(path.sep).join('/').includes('test/integration/'));
  if (needsS3 && !env.S3_ENDPOINT) {
    const missing = CEPH_BINARIES.filter((bin) => !onPath(bin));
    if (env.PQBENCH_SKIP_S3 === '1') {
      say('PQBENCH_SKIP_S3=1 and no S3_ENDPOINT: S3 integration tests are SKIPPED');
    } else if (missing.length > 0) {
      say(
        `integration tests need an S3 server, but S3_ENDPOINT is not set and ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not installed.`,
      );
      say(
        'Install Ceph (apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw), point S3_ENDPOINT at a server,',
      );
      say('or set PQBENCH_SKIP_S3=1 to skip the S3 tests knowingly.');
      return 1;
    } else {
      const ceph = await startCeph();
      process.once('exit', () => ceph.stop());
      await warmUp(ceph.endpoint);
      // PQBENCH_S3_EXPORTS: what ceph-up.sh printed, for the test that runs the quickstart as a user would.
      Object.assign(env, ceph.exported, { PQBENCH_S3_EXPORTS: ceph.printed });
    }
  }
  try {
    say(`running ${files.length} test file(s)${env.S3_ENDPOINT ? ` against S3 at ${env.S3_ENDPOINT}` : ''}`);
    // The usual report on stdout (TAP in a log, spec on a terminal: its closing counts are what CI reads),
    // and one progress line per finished file on stderr (scripts/test-progress.mjs).
    const reporters = flags.some((f) => f.startsWith('--test-reporter'))
      ? []
      : [
          `--test-reporter=${process.stdout.isTTY ? 'spec' : 'tap'}`,
          '--test-reporter-destination=stdout',
          `--test-reporter=${path.join(REPO, 'scripts/test-progress.mjs')}`,
          '--test-reporter-destination=stderr',
        ];
    runner = spawn(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-concurrency=1', ...reporters, ...flags, ...files],
      {
        cwd: REPO,
        env: { ...env, PQBENCH_TEST_FILES: String(files.length) },
        stdio: 'inherit',
      },
    );
    const [code, signal] = await new Promise((resolve) => runner.on('close', (c, s) => resolve([c, s])));
    return code ?? (signal ? 1 : 0);
  } finally {
    stopCeph?.();
  }
}

/** The test runner child, so that a signal can be passed on before Ceph is stopped. */
let runner;
/** Set as soon as a Ceph start begins, so that a signal during start-up also cleans up. */
let stopCeph;
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
  ['SIGHUP', 129],
]) {
  process.once(signal, () => {
    say(`${signal}: stopping`);
    runner?.kill(signal);
    stopCeph?.();
    process.exit(code);
  });
}

main().then(
  (code) => process.exit(code),
  (error) => {
    say(error instanceof Error ? error.message : String(error));
    process.exit(1);
  },
);
