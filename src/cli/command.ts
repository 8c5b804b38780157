/** What a command module gets: the command line mapped to values (main.ts), and where to print. */
export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface CommandContext {
  positionals: string[];
  /** The flags given, by their long name (`ranks-per-host`); absent flags are undefined. */
  values: OptionValues;
  /** `--set k=v` and `++workload.k=v` overrides, in order. */
  overrides: string[];
  verbose: boolean;
  /** `pqbench train [options] <workload.yaml>`, for error messages. */
  usage: string;
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

/** A command's module: its arguments, flags and help are declared in ../catalog.ts. */
export interface CliCommand {
  run(ctx: CommandContext): Promise<void>;
}
