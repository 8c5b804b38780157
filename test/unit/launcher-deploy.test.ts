/**
 * The launcher recipes under deploy/ (docs/multihost.md), checked without a
 * cluster or an AWS account: the Kubernetes Indexed Job manifest and the AWS
 * Batch array-job definition validate against JSON schemas vendored in
 * deploy/schemas/ (subsets of the Kubernetes OpenAPI and AWS Batch API
 * definitions), hold together (world = completions = parallelism = array
 * size, every Ref:: has a value), and what each process would run places it
 * as the launcher's rank with the CLI's own flag parsing; the workloads load.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';
import * as z from 'zod';
import { parseMultiHostFlags } from '../../src/cli/multihost.ts';
import { parseWorkload } from '../../src/config/load.ts';

const REPO = new URL('../../', import.meta.url);
const text = (file: string) => readFileSync(new URL(file, REPO), 'utf8');
const json = (file: string) => JSON.parse(text(file)) as Record<string, unknown>;

function validator(schemaFile: string): (value: unknown, what: string) => void {
  const schema = z.fromJSONSchema(json(schemaFile) as Parameters<typeof z.fromJSONSchema>[0]);
  return (value, what) => {
    const r = schema.safeParse(value);
    assert.ok(
      r.success,
      `${what} does not match ${schemaFile}:\n${r.error?.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`,
    );
  };
}

/** The placement a process with this command line and environment would take. */
function placementOf(args: string[], env: NodeJS.ProcessEnv) {
  const { values, positionals } = parseArgs({
    args: args.filter((a) => a !== 'run'),
    options: {
      rank: { type: 'string' },
      world: { type: 'string' },
      'run-id': { type: 'string' },
      'rank-timeout': { type: 'string' },
      'start-margin': { type: 'string' },
      'poll-interval': { type: 'string' },
      set: { type: 'string', multiple: true },
    },
    allowPositionals: true,
  });
  const ctx = { positionals, values, overrides: [], verbose: false, stdout: () => {}, stderr: () => {} };
  return parseMultiHostFlags(ctx, env);
}

describe('deploy/kubernetes/pqbench-indexed-job.yaml', () => {
  const docs = parseAllDocuments(text('deploy/kubernetes/pqbench-indexed-job.yaml')).map(
    (d) => d.toJS() as { kind: string; [k: string]: unknown },
  );
  /** A document by kind, as whatever shape the check needs (the schema tests check the shape). */
  const byKind = <T = unknown>(kind: string) => docs.find((d) => d.kind === kind) as T;

  it('validates against the vendored Kubernetes schemas', () => {
    assert.deepEqual(
      docs.map((d) => d.kind),
      ['ConfigMap', 'Secret', 'Job'],
    );
    validator('deploy/schemas/kubernetes-v1-configmap.schema.json')(byKind('ConfigMap'), 'the ConfigMap');
    validator('deploy/schemas/kubernetes-v1-secret.schema.json')(byKind('Secret'), 'the Secret');
    validator('deploy/schemas/kubernetes-batch-v1-job.schema.json')(byKind('Job'), 'the Job');
  });

  it('the schema rejects what the API server would (it is not a no-op)', () => {
    const check = validator('deploy/schemas/kubernetes-batch-v1-job.schema.json');
    const job = structuredClone(byKind<{ spec: Record<string, unknown> }>('Job'));
    job.spec.completionMode = 'indexed';
    assert.throws(() => check(job, 'a Job with a bad completionMode'), /completionMode/);
    const typo = structuredClone(byKind<{ spec: Record<string, unknown> }>('Job'));
    typo.spec.paralelism = 4;
    assert.throws(() => check(typo, 'a Job with a typo'), /paralelism/);
  });

  it('every rank runs at once and takes its place from JOB_COMPLETION_INDEX', () => {
    const job = byKind<{
      spec: {
        completionMode: string;
        completions: number;
        parallelism: number;
        backoffLimit: number;
        template: {
          spec: { containers: { args: string[]; env: { name: string; valueFrom?: unknown }[] }[] };
        };
      };
    }>('Job');
    const { spec } = job;
    assert.equal(spec.completionMode, 'Indexed');
    assert.equal(spec.parallelism, spec.completions, 'all ranks must run at the same time');
    assert.equal(spec.backoffLimit, 0, 'a failed rank is not retried into a started run');
    const container = spec.template.spec.containers[0];
    assert.ok(container);
    const runIdVar = container.env.find((e) => e.name === 'PQBENCH_RUN_ID');
    assert.deepEqual(runIdVar?.valueFrom, {
      fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/controller-uid']" },
    });
    // Kubernetes expands $(VAR) in args from the container's environment.
    const args = container.args.map((a) =>
      a.replace('$(PQBENCH_RUN_ID)', '0b1f5e5c-7a4e-4f0e-9d59-1d2b3c4d5e6f'),
    );
    const last = placementOf(args, { JOB_COMPLETION_INDEX: String(spec.completions - 1) });
    assert.deepEqual(
      [last?.placement.rank, last?.placement.world, last?.placement.launcher],
      [spec.completions - 1, spec.completions, 'kubernetes'],
    );
    assert.equal(last?.placement.runId, '0b1f5e5c-7a4e-4f0e-9d59-1d2b3c4d5e6f');
  });

  it('the workload in the ConfigMap loads and meets through s3://', () => {
    const cm = byKind<{ data: Record<string, string> }>('ConfigMap');
    const { workload } = parseWorkload(cm.data['workload.yaml'] as string, { source: 'configmap' });
    assert.equal(workload.storage.storage_type, 's3');
    assert.match(workload.output.folder, /^s3:\/\//);
    assert.ok(workload.run.accelerators % 4 === 0, 'an equal share per rank');
  });
});

describe('deploy/aws-batch', () => {
  const definition = json('deploy/aws-batch/job-definition.json') as {
    parameters: Record<string, string>;
    containerProperties: { command: string[] };
  };
  const submit = json('deploy/aws-batch/submit-job.json') as {
    arrayProperties: { size: number };
    parameters: Record<string, string>;
  };

  it('the job definition and the array-job submission validate against the vendored AWS Batch schemas', () => {
    validator('deploy/schemas/aws-batch-register-job-definition.schema.json')(
      definition,
      'the job definition',
    );
    validator('deploy/schemas/aws-batch-submit-job.schema.json')(submit, 'the SubmitJob request');
    const check = validator('deploy/schemas/aws-batch-register-job-definition.schema.json');
    const bad = structuredClone(definition) as unknown as { containerProperties: { environment: unknown[] } };
    bad.containerProperties.environment = [{ name: 'AWS_BATCH_JOB_ARRAY_SIZE', value: '4' }];
    assert.throws(() => check(bad, 'an AWS_BATCH_ variable'), /environment/);
  });

  it('every Ref:: has a value, the world is the array size, and each child takes its place from the array index', () => {
    const parameters = { ...definition.parameters, ...submit.parameters };
    const command = definition.containerProperties.command.map((a) => {
      const ref = /^Ref::(.+)$/.exec(a)?.[1];
      if (ref === undefined) return a;
      assert.ok(parameters[ref] !== undefined, `Ref::${ref} has no value`);
      return parameters[ref] as string;
    });
    assert.equal(Number(parameters.world), submit.arrayProperties.size);
    const env = {
      AWS_BATCH_JOB_ARRAY_INDEX: '3',
      AWS_BATCH_JOB_ID: '6d1c4a52-3f0e-4b8e-a8f7-1c2d3e4f5a6b:3',
    };
    const p = placementOf(command, env);
    assert.deepEqual(
      [p?.placement.rank, p?.placement.world, p?.placement.launcher, p?.placement.runId],
      [3, 4, 'aws-batch', 'batch-6d1c4a52-3f0e-4b8e-a8f7-1c2d3e4f5a6b'],
    );
    // The workload path is where deploy/Dockerfile puts deploy/workloads/.
    assert.match(text('deploy/Dockerfile'), /COPY deploy\/workloads \.\/workloads\/deploy/);
    const inImage = (parameters.workload as string).replace(
      '/opt/pqbench/workloads/deploy/',
      'deploy/workloads/',
    );
    assert.ok(existsSync(new URL(inImage, REPO)), inImage);
    const { workload } = parseWorkload(text(inImage), { source: inImage });
    assert.equal(workload.storage.storage_type, 's3');
  });
});

describe('deploy/slurm/pqbench.sbatch', () => {
  it('runs pqbench inside srun, one task per node', () => {
    const script = text('deploy/slurm/pqbench.sbatch');
    assert.match(script, /^#SBATCH --ntasks-per-node=1$/m);
    assert.match(script, /^srun .*node "\$PQBENCH" run "\$WORKLOAD"/m);
    const p = placementOf(['run', 'w.yaml'], {
      SLURM_PROCID: '3',
      SLURM_NTASKS: '4',
      SLURM_JOB_ID: '4242',
      SLURM_STEP_ID: '0',
    });
    assert.deepEqual([p?.placement.rank, p?.placement.world, p?.placement.runId], [3, 4, 'slurm-4242.0']);
  });
});
