/**
 * The reliability suite drives the compiled CLI (`node bin/pqbench.js`, run
 * `node scripts/build.mjs` first) as a user would, in a child process:
 *   - `runCli`: async spawn (the fault proxy lives in the test's own event
 *     loop), optional signals sent when a condition holds, a hard timeout;
 *   - every run is kept in a `Transcript`, so that a suite can check at the
 *     end that no credential reached any output or results file, and that
 *     no run printed a stack trace, an "internal error" or a Node warning.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const REPO = path.resolve(new URL('../..', import.meta.url).pathname);
const BIN = path.join(REPO, 'bin/pqbench.js');

/**
 * The environment for the CLI: the test's own, without the variable that
 * turns the AWS SDK's Node version notice off, so that the CLI's own
 * suppression is what the suite checks.
 */
export function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  if (!('AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED' in extra))
    delete env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED;
  return env;
}

export interface CliResult {
  args: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit. */
  ms: number;
  /** When each signal of `signals` was sent (ms after spawn). */
  sentAt: number[];
}

export interface SignalStep {
  signal: NodeJS.Signals;
  /** Sent once this holds (polled every 10 ms; given the output so far), or at once when absent. */
  when?: (output: { stdout: string; stderr: string }) => boolean | Promise<boolean>;
  /** Then wait this long before sending. */
  delayMs?: number;
}

export interface CliOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** The child is SIGKILLed and the test fails past this. */
  timeoutMs: number;
  /** Sent in order, each after the previous one. */
  signals?: SignalStep[];
}

export class Transcript {
  readonly runs: CliResult[] = [];
  readonly resultDirs = new Set<string>();

  /** Runs the CLI; the result is kept for the end-of-suite checks. */
  async run(args: string[], options: CliOptions): Promise<CliResult> {
    const result = await runCli(args, options);
    this.runs.push(result);
    const written = /^results: (.+)$/m.exec(result.stdout)?.[1];
    if (written) this.resultDirs.add(written.trim());
    return result;
  }

  /** No credential in any output or in any file of any results folder (and of `extraDirs`). */
  async assertNoSecrets(secrets: string[], extraDirs: string[] = []): Promise<number> {
    const needles = secrets.filter((s) => s.length >= 4);
    assert.ok(needles.length > 0, 'no secret values to look for');
    let checked = 0;
    for (const run of this.runs) {
      for (const [name, text] of [
        ['stdout', run.stdout],
        ['stderr', run.stderr],
      ] as const) {
        checked++;
        for (const needle of needles)
          assert.ok(!text.includes(needle), `${name} of \`${run.args.join(' ')}\` prints a credential`);
      }
    }
    for (const dir of [...this.resultDirs, ...extraDirs]) {
      for (const file of await filesUnder(dir)) {
        checked++;
        const text = await readFile(file, 'latin1');
        for (const needle of needles) assert.ok(!text.includes(needle), `${file} holds a credential`);
      }
    }
    return checked;
  }

  /** No run printed a Node or SDK warning, a stack trace or an internal error. */
  assertClean(): void {
    for (const run of this.runs) assertCleanOutput(run);
  }
}

/** Node and AWS SDK noise, stack traces and internal errors have no place in pqbench's output. */
export function assertCleanOutput(run: CliResult): void {
  const label = `\`pqbench ${run.args.join(' ')}\``;
  for (const [pattern, what] of [
    [/NodeVersionSupportWarning|AWS SDK for JavaScript/, "the AWS SDK's Node version warning"],
    [/MaxListenersExceededWarning|MaxListeners/, 'a MaxListenersExceededWarning'],
    [/\(node:\d+\) \w*Warning/, 'a Node warning'],
    [/^\s+at .+:\d+:\d+\)?$/m, 'a stack trace'],
    [/internal error/i, 'an internal error'],
  ] as const) {
    assert.doesNotMatch(run.stderr, pattern, `${label} printed ${what}:\n${run.stderr}`);
    assert.doesNotMatch(run.stdout, pattern, `${label} printed ${what}:\n${run.stdout}`);
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

export async function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: options.env ?? cliEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  const exited = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on('close', (code, signal) => resolve([code, signal])),
  );
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
  const sentAt: number[] = [];
  const signalling = (async () => {
    for (const step of options.signals ?? []) {
      while (!done && step.when && !(await step.when({ stdout, stderr }))) await sleep(10);
      if (step.delayMs) await sleep(step.delayMs);
      if (done) return;
      child.kill(step.signal);
      sentAt.push(performance.now() - started);
    }
  })();
  const [code, signal] = await exited;
  clearTimeout(killer);
  await signalling;
  const ms = performance.now() - started;
  assert.ok(
    ms < options.timeoutMs,
    `\`pqbench ${args.join(' ')}\` still running after ${options.timeoutMs} ms`,
  );
  return { args, code, signal, stdout, stderr, ms, sentAt };
}

/** Without progress lines (plain or carriage-return redrawn), config notices, retry lines and a signal's announcement: what a run ends with. */
export function finalLines(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.split('\r').at(-1) ?? '')
    .map((line) => line.trim())
    .filter(
      (line) =>
        line !== '' &&
        !/^(files|samples) \d/.test(line) &&
        !line.startsWith('notice: ') &&
        !line.startsWith('retrying ') &&
        !/^SIG(INT|TERM): stopping — /.test(line),
    );
}
