/**
 * `pqbench <command> …`: maps argv to a command module and nothing else.
 * Commands live in ./commands/<name>.ts and throw typed errors; this file and
 * ./errors.ts decide what the user sees and the exit code.
 */
import { parseArgs } from 'node:util';
import { ExitCode, UsageError } from '../errors.ts';
import { interruptible } from '../exec/signals.ts';
import { TOOL_VERSION } from '../version.ts';
import type { CliCommand, CommandContext } from './command.ts';
import { reportError } from './errors.ts';

const COMMANDS: Record<string, { summary: string; load: () => Promise<{ command: CliCommand }> }> = {
  validate: {
    summary: 'check a workload file and print the resolved config',
    load: () => import('./commands/validate.ts'),
  },
  generate: { summary: 'write the synthetic Parquet dataset', load: () => import('./commands/generate.ts') },
  train: {
    summary: 'read the dataset like a training data loader and report',
    load: () => import('./commands/train.ts'),
  },
  run: {
    summary: 'generate (if workflow.generate_data) then train (if workflow.train)',
    load: () => import('./commands/run.ts'),
  },
  cloud: {
    summary: 'run on AWS Lambda + Step Functions (cloud run|status|results)',
    load: () => import('./commands/cloud.ts'),
  },
  merge: {
    summary: "merge a multi-host run's partials (<output.folder>/<run-id>)",
    load: () => import('./commands/merge.ts'),
  },
  dlio: {
    summary: "dlio_benchmark's command line: workload=<name> ++workload.k=v ++hydra.* --config-dir=<dir>",
    load: () => import('./commands/dlio.ts'),
  },
  report: {
    summary: 'write report.html for results directories (one run, or several overlaid)',
    load: () => import('./commands/report.ts'),
  },
  compare: {
    summary: 'compare runs: headline figures with deltas, config differences (--json)',
    load: () => import('./commands/compare.ts'),
  },
  clean: {
    summary: 'abort incomplete uploads and remove temp files interrupted writes left under the dataset',
    load: () => import('./commands/clean.ts'),
  },
};

const GLOBAL_HELP = `pqbench — training-I/O benchmark for object storage (Parquet on S3, S3-compatible stores, local disk)

Usage: pqbench <command> <workload.yaml> [--set key.path=value …] [options]

Commands:
${Object.entries(COMMANDS)
  .map(([n, c]) => `  ${n.padEnd(10)}${c.summary}`)
  .join('\n')}

Options for every command:
  --set key.path=value   override a workload key (repeatable); Hydra-style ++workload.key.path=value works too
  --verbose              print stack traces and debug detail
  -h, --help             help for a command: pqbench <command> --help
  --version              print the version

Exit codes: 0 ok, 1 internal error, 2 bad input, 3 storage error, 4 data error (schema, corruption, verify),
5 multi-host run incomplete (a rank missing or failed), 130 interrupted (SIGINT), 143 terminated (SIGTERM).`;

/**
 * Pulls `--set a=b`, `--set=a=b` and Hydra's override forms (`++workload.a=b`,
 * `+workload.a=b`, `workload.a=b`, and the same for `hydra.`) out of argv.
 */
export function extractOverrides(argv: string[]): { rest: string[]; overrides: string[] } {
  const rest: string[] = [];
  const overrides: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--set') {
      const v = argv[++i];
      if (v === undefined) throw new UsageError('--set needs a value: --set key.path=value');
      overrides.push(v);
    } else if (a.startsWith('--set=')) overrides.push(a.slice(6));
    else if (/^\+{0,2}(workload|hydra)\.[^=/]+=/.test(a)) overrides.push(a);
    else rest.push(a);
  }
  return { rest, overrides };
}

export interface MainIo {
  stdout?: (line: string) => void;
  stderr?: (line: string) => void;
}

export async function main(argv: string[], io: MainIo = {}): Promise<number> {
  const stdout = io.stdout ?? ((l: string) => process.stdout.write(`${l}\n`));
  const stderr = io.stderr ?? ((l: string) => process.stderr.write(`${l}\n`));
  const verbose = argv.includes('--verbose');
  try {
    const { rest, overrides } = extractOverrides(argv.filter((a) => a !== '--verbose'));
    const name = rest[0];
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      stdout(GLOBAL_HELP);
      return name === undefined ? ExitCode.badInput : ExitCode.ok;
    }
    if (name === '--version') {
      stdout(TOOL_VERSION);
      return ExitCode.ok;
    }
    const entry = COMMANDS[name];
    if (!entry)
      throw new UsageError(`unknown command '${name}'; commands: ${Object.keys(COMMANDS).join(', ')}`);
    const { command } = await entry.load();
    const args = rest.slice(1);
    if (args.includes('--help') || args.includes('-h')) {
      stdout(`${command.usage}\n\n${command.summary}`);
      return ExitCode.ok;
    }
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args, options: command.options, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError(`${(e as Error).message.split('\n')[0]}\nusage: ${command.usage}`);
    }
    const ctx: CommandContext = {
      positionals: parsed.positionals,
      values: parsed.values,
      overrides,
      verbose,
      stdout,
      stderr,
    };
    // SIGINT/SIGTERM: work that can stop cleanly takes the signal (exec/signals.ts).
    await interruptible(() => command.run(ctx));
    return ExitCode.ok;
  } catch (err) {
    return reportError(err, verbose, stderr);
  }
}
