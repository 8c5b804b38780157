/**
 * Every command's arguments, flags (with their defaults) and examples: what
 * `pqbench <command> --help` shows and what main.ts hands to commander. Kept
 * apart from the command modules, which main.ts loads only when one runs
 * (the AWS SDK and the readers stay unloaded for `--help`).
 */
import {
  type CommandSpec,
  CREATE_BUCKET_FLAG,
  FORCE_FLAG,
  JSON_FLAG,
  LOCATION_FLAGS,
  MULTIHOST_FLAGS,
  NO_STRICT_FLAG,
  PRICES_FLAG,
  REGION_FLAG,
  SET_FLAG,
  STACK_FLAG,
  STRICT_FLAG,
  VERBOSE_FLAG,
  WORKERS_FLAG,
  WORKLOAD_ARG,
} from './flag-specs.ts';

export type { ArgumentSpec, CommandSpec, FlagSpec } from './flag-specs.ts';
export { SET_FLAG } from './flag-specs.ts';

export const CATALOG: CommandSpec[] = [
  {
    name: 'validate',
    summary: 'check a workload file and print the resolved config as YAML, or the errors',
    description:
      'Check a workload file (and overrides) and print the resolved, fully defaulted config as YAML; errors name the key, the value and what is allowed.',
    arguments: [WORKLOAD_ARG],
    flags: [
      { flags: '-q, --quiet', description: 'print no YAML, only whether the file is valid', default: 'off' },
      SET_FLAG,
      VERBOSE_FLAG,
    ],
    examples: [
      'pqbench validate workloads/quickstart.yaml',
      'pqbench validate workloads/quickstart.yaml --set reader.batch_size=64 --quiet',
    ],
    load: () => import('./commands/validate.ts'),
  },
  {
    name: 'generate',
    summary: 'write the synthetic Parquet dataset (skips files already there)',
    description:
      'Write the synthetic Parquet dataset described by a workload file; files already there (and matching) are skipped.',
    arguments: [WORKLOAD_ARG],
    flags: [FORCE_FLAG, WORKERS_FLAG, CREATE_BUCKET_FLAG, ...MULTIHOST_FLAGS, SET_FLAG, VERBOSE_FLAG],
    examples: [
      'pqbench generate workloads/quickstart.yaml --workers auto',
      'pqbench generate workloads/quickstart-s3.yaml --create-bucket --set storage.storage_root=my-bucket/pqbench',
    ],
    load: () => import('./commands/generate.ts'),
  },
  {
    name: 'train',
    summary: 'read the dataset like a training data loader and report AU, throughput, latency, cost',
    description:
      'Read the dataset like a data loader (epochs, batches, simulated compute) and report accelerator utilisation, throughput, request latency, read amplification and cost; results go to <output.folder>/<run-id>/.',
    arguments: [WORKLOAD_ARG],
    flags: [PRICES_FLAG, JSON_FLAG, STRICT_FLAG, ...MULTIHOST_FLAGS, SET_FLAG, VERBOSE_FLAG],
    examples: [
      'pqbench train workloads/quickstart.yaml',
      'pqbench train workloads/quickstart.yaml --prices prices.json --json > summary.json',
    ],
    load: () => import('./commands/train.ts'),
  },
  {
    name: 'run',
    summary: 'generate (if workflow.generate_data), then train (if workflow.train)',
    description: 'Generate the dataset (workflow.generate_data), then train on it (workflow.train).',
    arguments: [WORKLOAD_ARG],
    flags: [
      WORKERS_FLAG,
      PRICES_FLAG,
      FORCE_FLAG,
      CREATE_BUCKET_FLAG,
      JSON_FLAG,
      STRICT_FLAG,
      ...MULTIHOST_FLAGS,
      SET_FLAG,
      VERBOSE_FLAG,
    ],
    examples: [
      'pqbench run workloads/quickstart.yaml',
      'pqbench run workloads/quickstart.yaml --set run.accelerators=4 --set reader.batch_size=64 --json | jq .metric',
      'mpirun -np 4 node bin/pqbench.js run deploy/workloads/multihost-s3.yaml',
    ],
    load: () => import('./commands/run.ts'),
  },
  {
    name: 'sweep',
    summary:
      'run a workload over settings (--vary) or search the most accelerators a store feeds (--find-max)',
    description:
      "Run a workload at every combination of --vary settings, or search one integer key (--find-max: grow, then bisect) for the largest value whose mean AU meets --au-min; each point repeated --repeats times on this host. Writes <output.folder>/<sweep-id>/sweep.json and sweep.html and each repeat's results under runs/; an interrupted sweep keeps its finished repeats and resumes with --sweep-id.",
    arguments: [WORKLOAD_ARG],
    flags: [
      {
        flags: '--vary <key=v1,v2,...>',
        description:
          'a workload key and the values to run it at (YAML scalars, or an integer range a..b); repeatable: the points are every combination',
        default: 'none',
        repeatable: true,
      },
      {
        flags: '--find-max <key>',
        description:
          'search this integer key (e.g. run.accelerators) for the largest value whose mean AU meets --au-min',
        default: 'none',
      },
      {
        flags: '--au-min <percent>',
        description: 'the AU threshold a point must meet (mean over its repeats), %',
        default: "the workload's metric.au × 100",
      },
      { flags: '--from <n>', description: '--find-max: the first value tried', default: '1' },
      { flags: '--max <n>', description: '--find-max: the largest value tried', default: '1024' },
      {
        flags: '--repeats <n>',
        description: 'runs per point (their mean and spread are reported)',
        default: '3',
      },
      {
        flags: '--sweep-id <id>',
        description: 'name of the sweep (its folder under output.folder); an existing one is resumed',
        default: '<UTC time>-sweep-<model.name>-<6 hex digits>',
      },
      WORKERS_FLAG,
      PRICES_FLAG,
      FORCE_FLAG,
      CREATE_BUCKET_FLAG,
      {
        ...JSON_FLAG,
        description: 'print sweep.json as the only thing on stdout; everything else goes to stderr',
      },
      SET_FLAG,
      VERBOSE_FLAG,
    ],
    examples: [
      'pqbench sweep workloads/quickstart.yaml --find-max run.accelerators --au-min 90',
      'pqbench sweep workloads/quickstart.yaml --vary run.accelerators=1,2,4 --vary reader.read_threads=1,2 --repeats 2',
      'pqbench sweep workloads/quickstart.yaml --find-max run.accelerators --sweep-id my-sweep',
    ],
    load: () => import('./commands/sweep.ts'),
  },
  {
    name: 'dlio',
    summary: "dlio_benchmark's command line: workload=<name> ++workload.k=v --config-dir=<dir>",
    description:
      "Run a DLIO workload from dlio_benchmark's command line (what mlpstorage passes): generate and/or train as the MLCommons fork's parquet path does (files sharding, no decode, dictionary pages; under mpirun one accelerator per process), results where DLIO puts them (output.folder, $DLIO_OUTPUT_FOLDER, hydra.run.dir, else hydra_log/<model>/<date>-<time>).",
    arguments: [
      { name: '<workload=name>', description: 'the config <config-dir>/workload/<name>.yaml' },
      {
        name: '[overrides...]',
        description: '++workload.key.path=value and ++hydra.run.dir=<dir>, ++hydra.output_subdir=<name>',
      },
    ],
    flags: [
      {
        flags: '--config-dir <dir>',
        description: 'the directory holding workload/<name>.yaml (required)',
        default: 'none',
      },
      WORKERS_FLAG,
      PRICES_FLAG,
      FORCE_FLAG,
      STRICT_FLAG,
      ...MULTIHOST_FLAGS,
      SET_FLAG,
      VERBOSE_FLAG,
    ],
    examples: [
      'pqbench dlio workload=dlrm_b200 ++workload.dataset.num_files_train=64 ++hydra.run.dir=results/dlrm --config-dir=configs/dlio',
    ],
    load: () => import('./commands/dlio.ts'),
  },
  {
    name: 'clean',
    summary: 'abort incomplete uploads and remove temp files that interrupted writes left under the dataset',
    description:
      'Abort incomplete multipart uploads and remove temp files that interrupted writes left under the dataset (all of them, whatever their age; run it when no generate is writing the dataset). Complete files and the manifest are never touched.',
    arguments: [WORKLOAD_ARG],
    flags: [SET_FLAG, VERBOSE_FLAG],
    examples: ['pqbench clean workloads/quickstart-s3.yaml'],
    load: () => import('./commands/clean.ts'),
  },
  {
    name: 'report',
    summary: 'write report.html for results directories (one run, or several overlaid)',
    description:
      "Write report.html (self-contained, opens offline) for a run's results directory, or overlay several runs in one page, the first as the baseline.",
    arguments: [
      {
        name: '<results-dir...>',
        description:
          'results directories (<output.folder>/<run-id>, a directory or s3://bucket/prefix/<run-id>)',
      },
    ],
    flags: [
      {
        flags: '-o, --out <file>',
        description: 'where to write the page',
        default: '<results-dir>/report.html for one run (also in an s3:// folder), ./report.html for several',
      },
      ...LOCATION_FLAGS,
      VERBOSE_FLAG,
    ],
    examples: [
      'pqbench report results/20250102T030405Z-quickstart-a1b2c3',
      'pqbench report results/run-a results/run-b --out overlay.html',
    ],
    load: () => import('./commands/report.ts'),
  },
  {
    name: 'compare',
    summary: 'compare runs: headline figures with deltas, config differences',
    description:
      'Compare runs side by side: headline figures with deltas against the first run, the config keys that differ, warnings when the runs are not like for like.',
    arguments: [
      {
        name: '<results-dir...>',
        description: 'two or more results directories (or s3:// folders); the first is the baseline',
      },
    ],
    flags: [
      {
        flags: '--json',
        description: 'print the comparison as JSON, the only thing on stdout',
        default: 'off',
      },
      ...LOCATION_FLAGS,
      VERBOSE_FLAG,
    ],
    examples: [
      'pqbench compare results/run-a results/run-b',
      'pqbench compare results/run-a results/run-b results/run-c --json > comparison.json',
    ],
    load: () => import('./commands/compare.ts'),
  },
  {
    name: 'merge',
    summary: "merge a multi-host run's partials (<output.folder>/<run-id>)",
    description:
      "Merge a multi-host run's partials from its results location (a directory or s3://bucket/prefix/<run-id>) into summary.json, per_epoch_stats.json, config.yaml and hosts.json — what rank 0 does at the end of a run.",
    arguments: [
      {
        name: '<results-location>',
        description: '<output.folder>/<run-id>, a directory or s3://bucket/prefix/<run-id>',
      },
    ],
    flags: [
      {
        flags: '--allow-missing',
        description: 'merge the ranks that left a partial even if some did not',
        default: 'off: a missing rank is an error (exit 5)',
      },
      PRICES_FLAG,
      STRICT_FLAG,
      ...LOCATION_FLAGS,
      JSON_FLAG,
      VERBOSE_FLAG,
    ],
    examples: [
      'pqbench merge results/openmpi-566493185',
      'pqbench merge s3://my-bucket/results/slurm-1234.0 --allow-missing',
    ],
    load: () => import('./commands/merge.ts'),
  },
  {
    name: 'cloud',
    summary: 'the same on AWS Lambda + Step Functions: cloud run|status|results',
    description: [
      "Run a workload on the deployed AWS stack (Lambda + Step Functions Distributed Map), follow an execution, or fetch a run's results:",
      '  pqbench cloud run <workload.yaml> --stack <name> [options]',
      '  pqbench cloud status <execution-arn>',
      '  pqbench cloud results <run-id> --stack <name> [options]',
    ].join('\n'),
    arguments: [],
    flags: [],
    examples: [
      'pqbench cloud run workloads/quickstart-s3.yaml --stack Pqbench',
      'pqbench cloud status arn:aws:states:us-east-1:123456789012:execution:Pqbench:run-1',
      'pqbench cloud results 20250102T030405Z-quickstart-a1b2c3 --stack Pqbench',
    ],
    subcommands: [
      {
        name: 'run',
        summary: 'run a workload on the stack and fetch its results',
        arguments: [WORKLOAD_ARG],
        flags: [
          STACK_FLAG,
          REGION_FLAG,
          FORCE_FLAG,
          {
            ...PRICES_FLAG,
            default:
              "arm64 Lambda and S3 Standard list prices (S3 Express One Zone's for a directory bucket)",
          },
          {
            flags: '--detach',
            description: 'print the execution ARN and return without waiting',
            default: 'off: wait and fetch the results',
          },
          {
            flags: '--bucket <name[/prefix]>',
            description: 'the bucket (and prefix) the dataset goes to',
            default: "the stack's bucket",
          },
          {
            flags: '--ranks-per-host <n>',
            description: "accelerators per reader Lambda (DLIO's ranks per node), 1..64",
            default: '1',
          },
          {
            flags: '--warmup',
            description: "an untimed pass over each reader's data before the common start",
            default: 'off',
          },
          {
            flags: '--invocation-budget <seconds>',
            description: 'end each reader invocation after this long and continue in a new one (0.001..900)',
            default: "the function's timeout",
          },
          JSON_FLAG,
          NO_STRICT_FLAG,
          SET_FLAG,
          VERBOSE_FLAG,
        ],
        examples: [
          'pqbench cloud run workloads/quickstart-s3.yaml --stack Pqbench --region eu-west-1',
          'pqbench cloud run workloads/quickstart-s3.yaml --stack Pqbench --detach',
        ],
      },
      {
        name: 'status',
        summary: "an execution's progress, or why it failed",
        arguments: [{ name: '<execution-arn>', description: 'the ARN `pqbench cloud run` printed' }],
        flags: [VERBOSE_FLAG],
        examples: ['pqbench cloud status arn:aws:states:us-east-1:123456789012:execution:Pqbench:run-1'],
      },
      {
        name: 'results',
        summary: "fetch a finished run's results",
        arguments: [{ name: '<run-id>', description: 'the run id `pqbench cloud run` printed' }],
        flags: [
          STACK_FLAG,
          REGION_FLAG,
          { flags: '--output <dir>', description: 'the folder the run folder goes into', default: 'results' },
          JSON_FLAG,
          NO_STRICT_FLAG,
          VERBOSE_FLAG,
        ],
        examples: [
          'pqbench cloud results 20250102T030405Z-quickstart-a1b2c3 --stack Pqbench --output results',
        ],
      },
    ],
    load: () => import('./commands/cloud.ts'),
  },
];
