import type { ParseArgsConfig } from 'node:util';

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface CommandContext {
  positionals: string[];
  values: OptionValues;
  /** `--set k=v` and `++workload.k=v` overrides, in order. */
  overrides: string[];
  verbose: boolean;
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  options: NonNullable<ParseArgsConfig['options']>;
  run(ctx: CommandContext): Promise<void>;
}
