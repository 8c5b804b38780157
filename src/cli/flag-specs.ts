/**
 * The flags several commands share, and the shapes catalog.ts declares
 * commands with: syntax, description, and the default the help shows.
 */
import type { CliCommand } from './command.ts';

export interface FlagSpec {
  /** commander's flag syntax: `--workers <n|auto>`, `-o, --out <file>`, `--force` */
  flags: string;
  description: string;
  /** What applies when the flag is not given, shown in the help as `(default: …)`. */
  default: string;
  /** The flag may be given several times; its value is then the list, in order. */
  repeatable?: boolean;
}

export interface ArgumentSpec {
  /** commander's syntax: `<workload.yaml>`, `<results-dir...>` */
  name: string;
  description: string;
}

export interface CommandSpec {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The paragraph atop the command's help; the summary when absent. */
  description?: string;
  arguments: ArgumentSpec[];
  flags: FlagSpec[];
  examples: string[];
  /** The module that runs it; a subcommand runs as its parent's, with its name as the first positional. */
  load?: () => Promise<{ command: CliCommand }>;
  subcommands?: CommandSpec[];
}

/** `--set`: pulled out of argv before parsing (main.ts extractOverrides); listed so the help shows it. */
export const SET_FLAG: FlagSpec = {
  flags: '--set <key.path=value>',
  description:
    'override a workload key (repeatable); values are YAML scalars, list elements by index; DLIO/Hydra forms ++workload.key.path=value and workload.key.path=value work too',
  default: 'none',
};

export const VERBOSE_FLAG: FlagSpec = {
  flags: '--verbose',
  description: 'print stack traces and debug detail with errors',
  default: 'off',
};

export const JSON_FLAG: FlagSpec = {
  flags: '--json',
  description:
    "print the run's summary (summary.json's content) as JSON, the only thing on stdout; the table goes to stderr",
  default: 'off',
};

export const STRICT_FLAG: FlagSpec = {
  flags: '--strict',
  description:
    'exit with code 6 when the verdict is invalid (the figures do not measure the storage); the results are written either way',
  default: 'off: the verdict is printed and the exit code stays 0',
};

/** Cloud runs are unattended: their exit code is their verdict unless told otherwise. */
export const NO_STRICT_FLAG: FlagSpec = {
  flags: '--no-strict',
  description: 'exit 0 even when the verdict is invalid',
  default: 'on: an invalid verdict (readers that never ran together, failed readers, …) exits with code 6',
};

export const WORKERS_FLAG: FlagSpec = {
  flags: '--workers <n|auto>',
  description: 'worker threads that generate files (auto: one per CPU)',
  default: "the workload's run.workers (auto)",
};

export const PRICES_FLAG: FlagSpec = {
  flags: '--prices <prices.json>',
  description:
    'a JSON object overriding entries of the price table, e.g. {"get_per_1k": 0.0004, "put_per_1k": 0.005}',
  default: 'S3 Standard, Lambda and Step Functions list prices in us-east-1',
};

export const FORCE_FLAG: FlagSpec = {
  flags: '--force',
  description: 'rewrite dataset files that already exist (and match the workload)',
  default: 'off: files already there are skipped',
};

export const CREATE_BUCKET_FLAG: FlagSpec = {
  flags: '--create-bucket',
  description:
    "create the workload's S3 bucket (in storage_options.region) if it does not exist, before writing",
  default: 'off: a missing bucket is an error',
};

/** The flags of a multi-host run (see the README's Multi-host section). */
export const MULTIHOST_FLAGS: FlagSpec[] = [
  {
    flags: '--rank <r>',
    description: "this process's rank, 0-based (needs --world)",
    default: 'from the launcher (Open MPI, PMI, Slurm, AWS Batch), else a single-process run',
  },
  {
    flags: '--world <w>',
    description: 'the number of processes in the run',
    default: 'from the launcher, else 1',
  },
  {
    flags: '--run-id <id>',
    description: 'the id every rank shares; names the results folder',
    default: "the launcher's job id",
  },
  {
    flags: '--rank-timeout <seconds>',
    description: 'how long a rank waits for the others before the run fails naming the missing ones',
    default: '600',
  },
  {
    flags: '--start-margin <seconds>',
    description: 'how far ahead of now rank 0 sets the common start time',
    default: '10',
  },
  {
    flags: '--poll-interval <seconds>',
    description: "how often a rank looks for the others' records",
    default: '1',
  },
];

export const WORKLOAD_ARG: ArgumentSpec = {
  name: '<workload.yaml>',
  description: 'the workload file (DLIO-style YAML)',
};

export const STACK_FLAG: FlagSpec = {
  flags: '--stack <name>',
  description: 'the deployed CDK stack (required)',
  default: 'none (the CDK app deploys one named Pqbench)',
};

export const REGION_FLAG: FlagSpec = {
  flags: '--region <region>',
  description: "the stack's AWS region",
  default: "the SDK's: AWS_REGION, AWS_DEFAULT_REGION or the profile's",
};

/** Where an s3:// folder is (merge, report, compare): storage/endpoint.ts locationS3Options. */
export const LOCATION_FLAGS: FlagSpec[] = [
  {
    flags: '--endpoint-url <url>',
    description: 'the S3 endpoint of s3:// locations',
    default: 'AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or S3_ENDPOINT, else AWS S3',
  },
  {
    flags: '--region <region>',
    description: 'the region of s3:// locations',
    default: 'AWS_REGION or AWS_DEFAULT_REGION, else us-east-1',
  },
];
