/**
 * `pqbench <command> …`: maps argv to a command module and nothing else.
 * commander parses (per-command help, --version, "did you mean"); the
 * commands, their flags and defaults are declared in ./catalog.ts; the
 * modules in ./commands/<name>.ts run them and throw typed errors; this file
 * and ./errors.ts decide what the user sees and the exit code.
 */
import { type Argument, Command, CommanderError, Option } from 'commander';
import { ExitCode, UsageError } from '../errors.ts';
import { interruptible } from '../exec/signals.ts';
import { TOOL_VERSION } from '../version.ts';
import { CATALOG, type CommandSpec, type FlagSpec, SET_FLAG } from './catalog.ts';
import type { CommandContext, OptionValues } from './command.ts';
import { reportError } from './errors.ts';

const PROGRAM_HELP_AFTER = `
Every command: pqbench <command> --help lists its flags, their defaults and examples.
Results and tables go to stdout, notices, progress and errors to stderr; --json (train, run, merge,
cloud run|results, compare) makes stdout hold only JSON.

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

/** What the command line asks for: a command to run, or nothing more (help or the version was printed). */
type Parsed =
  | { kind: 'done'; exitCode: number }
  | {
      kind: 'run';
      spec: CommandSpec;
      /** `train`, `cloud run` */
      path: string;
      positionals: string[];
      values: OptionValues;
      usage: string;
    };

/** The commands a flag belongs to, for "--workers is a flag of generate, run, dlio". */
function commandsWithFlag(flag: string): string[] {
  const has = (s: CommandSpec) => s.flags.some((f) => f.flags.split(/[ ,]+/).includes(flag));
  return CATALOG.flatMap((s) => [
    ...(has(s) ? [s.name] : []),
    ...(s.subcommands ?? []).filter(has).map((sub) => `${s.name} ${sub.name}`),
  ]);
}

/** A commander error as one line: what is wrong, the suggestion, where to look. */
function usageError(err: CommanderError, cmd: Command, path: string): UsageError {
  const [first = err.message, ...more] = err.message.replace(/^error: /, '').split('\n');
  const suggestion = /^\(Did you mean (.+)\?\)$/.exec(more.join(' ').trim())?.[1];
  let message = first;
  if (suggestion) message += ` (did you mean ${suggestion}?)`;
  else if (err.code === 'commander.unknownCommand') {
    message += `; commands: ${cmd.commands.map((c) => c.name()).join(', ')}`;
  } else if (err.code === 'commander.unknownOption') {
    const flag = /'([^']+)'/.exec(first)?.[1] ?? '';
    const elsewhere = commandsWithFlag(flag);
    if (elsewhere.length > 0) message += ` (${flag} is a flag of ${elsewhere.join(', ')})`;
  }
  return new UsageError(`${message}; see ${path ? `pqbench ${path} --help` : 'pqbench --help'}`);
}

const argumentTerm = (a: Argument) => {
  const name = `${a.name()}${a.variadic ? '...' : ''}`;
  return a.required ? `<${name}>` : `[${name}]`;
};

/** Help or the version printed (exit 0), or help printed on stderr for a command line naming no command. */
const passThrough = (err: CommanderError) => err.exitCode === 0 || err.code === 'commander.help';

function flagOption(flag: FlagSpec): Option {
  const option = new Option(flag.flags, `${flag.description} (default: ${flag.default})`);
  if (flag.repeatable)
    option.argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);
  return option;
}

function defineCommand(
  parent: Command,
  spec: CommandSpec,
  path: string,
  select: (p: Parsed) => void,
  runAs: CommandSpec,
): void {
  const cmd = parent
    .command(spec.name)
    .summary(spec.summary)
    .description(spec.description ?? `${spec.summary[0]?.toUpperCase()}${spec.summary.slice(1)}.`)
    .allowExcessArguments(true)
    .exitOverride((err) => {
      throw passThrough(err) ? err : usageError(err, cmd, path);
    });
  for (const a of spec.arguments) cmd.argument(a.name, a.description);
  const options = spec.flags.map(flagOption);
  for (const o of options) cmd.addOption(o);
  if (spec.examples.length > 0)
    cmd.addHelpText('after', `\nExamples:\n${spec.examples.map((e) => `  $ ${e}`).join('\n')}`);
  if (spec.subcommands) {
    for (const sub of spec.subcommands) defineCommand(cmd, sub, `${path} ${sub.name}`, select, runAs);
    return;
  }
  cmd.action(() => {
    const given = cmd.opts();
    const values: OptionValues = {};
    for (const o of options) values[o.name()] = given[o.attributeName()];
    // A subcommand runs as its parent's module with its name first: `cloud run x` → cloud ['run', 'x'].
    const positionals = runAs === spec ? cmd.args : [spec.name, ...cmd.args];
    select({ kind: 'run', spec, path, positionals, values, usage: `pqbench ${path} ${cmd.usage()}` });
  });
}

/** Parses `rest` (argv without --verbose and the overrides) with commander; help and --version print here. */
function parseCommandLine(rest: string[], stdout: (s: string) => void, stderr: (s: string) => void): Parsed {
  let parsed: Parsed = { kind: 'done', exitCode: ExitCode.ok };
  // Help on stderr is help for a command line that names no command: bad input.
  let toStderr = false;
  const select = (p: Parsed) => {
    parsed = p;
  };
  const program = new Command('pqbench')
    .description(
      'pqbench — training-I/O benchmark for object storage (Parquet on S3, S3-compatible stores, local disk)',
    )
    .usage('<command> [arguments] [options]')
    .configureOutput({
      writeOut: (s) => stdout(s.replace(/\n$/, '')),
      writeErr: (s) => {
        toStderr = true;
        stderr(s.replace(/\n$/, ''));
      },
      outputError: () => {},
    })
    .configureHelp({
      sortSubcommands: false,
      sortOptions: false,
      subcommandTerm: (c) => [c.name(), ...c.registeredArguments.map(argumentTerm)].join(' '),
    })
    .showSuggestionAfterError(true)
    .version(TOOL_VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show this help')
    .helpCommand('help [command]', 'help for a command')
    .addHelpText('after', PROGRAM_HELP_AFTER)
    .exitOverride((err) => {
      throw passThrough(err) ? err : usageError(err, program, '');
    });
  for (const spec of CATALOG) defineCommand(program, spec, spec.name, select, spec);
  program
    .command('version')
    .description('print the version (as --version, -V)')
    .action(() => stdout(TOOL_VERSION));
  try {
    program.parse(rest, { from: 'user' });
  } catch (e) {
    // commander's help() takes its exit code from process.exitCode: where the help went says which it was.
    if (e instanceof CommanderError)
      return { kind: 'done', exitCode: toStderr ? ExitCode.badInput : ExitCode.ok };
    throw e;
  }
  return parsed;
}

/** `pqbench … | head`: a reader that stops early is no error (and a run goes on to write its results). */
function ignoreBrokenPipe(): void {
  if (process.stdout.listenerCount('error') > 0) return;
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
  });
}

export async function main(argv: string[], io: MainIo = {}): Promise<number> {
  if (!io.stdout) ignoreBrokenPipe();
  const stdout = io.stdout ?? ((l: string) => process.stdout.write(`${l}\n`));
  const stderr = io.stderr ?? ((l: string) => process.stderr.write(`${l}\n`));
  const verbose = argv.includes('--verbose');
  try {
    const { rest, overrides } = extractOverrides(argv.filter((a) => a !== '--verbose'));
    const parsed = parseCommandLine(rest, stdout, stderr);
    if (parsed.kind === 'done') return parsed.exitCode;
    const { spec, path, positionals, values, usage } = parsed;
    if (overrides.length > 0 && !spec.flags.includes(SET_FLAG)) {
      throw new UsageError(
        `pqbench ${path} takes no workload overrides ('${overrides[0]}'); see pqbench ${path} --help`,
      );
    }
    const load = CATALOG.find((c) => c.name === path.split(' ')[0])?.load;
    if (!load) throw new Error(`no module for pqbench ${path}`);
    const { command } = await load();
    const ctx: CommandContext = { positionals, values, overrides, verbose, usage, stdout, stderr };
    // SIGINT/SIGTERM: work that can stop cleanly takes the signal (exec/signals.ts).
    await interruptible(() => command.run(ctx), stderr);
    return ExitCode.ok;
  } catch (err) {
    return reportError(err, verbose, stderr);
  }
}
