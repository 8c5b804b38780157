/**
 * A process's place in a multi-host run from each launcher's environment
 * (exec/launcher.ts): Open MPI, MPICH/PMI, Slurm's srun, Kubernetes Indexed
 * Jobs, AWS Batch array jobs and explicit --rank/--world; precedence,
 * conflicts, run ids; and the shares of accelerators and generated files.
 */
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { defaultWorkload } from '../../src/config/load.ts';
import { datasetLayout } from '../../src/dataset/layout.ts';
import { UsageError } from '../../src/errors.ts';
import { acceleratorsOf, resolvePlacement, shareOf } from '../../src/exec/launcher.ts';
import { rankShards, shardFileCount, splitShard } from '../../src/generate/shards.ts';

/** The environment `mpirun -np 3` gives rank 1 (Open MPI 4.1, as measured on this machine). */
const OMPI = {
  OMPI_COMM_WORLD_RANK: '1',
  OMPI_COMM_WORLD_SIZE: '3',
  OMPI_COMM_WORLD_LOCAL_RANK: '1',
  OMPI_MCA_ess_base_jobid: '566493185',
  PMIX_NAMESPACE: '566493185',
  PMIX_RANK: '1',
};
const SLURM = { SLURM_PROCID: '2', SLURM_NTASKS: '4', SLURM_JOB_ID: '7781', SLURM_STEP_ID: '0' };

const usage = (re: RegExp) => (e: unknown) => e instanceof UsageError && re.test(e.message);

describe('resolvePlacement', () => {
  it('runs alone without a launcher, or under a launcher with a world of one', () => {
    assert.equal(resolvePlacement({}), undefined);
    assert.equal(resolvePlacement({ OMPI_COMM_WORLD_RANK: '0', OMPI_COMM_WORLD_SIZE: '1' }), undefined);
    assert.equal(resolvePlacement({ PATH: '/usr/bin', HOME: '/root' }), undefined);
  });

  it('Open MPI: rank, size and a run id from the job id', () => {
    const p = resolvePlacement(OMPI);
    assert.deepEqual(
      { rank: p?.rank, world: p?.world, launcher: p?.launcher, runId: p?.runId },
      { rank: 1, world: 3, launcher: 'openmpi', runId: 'openmpi-566493185' },
    );
    assert.equal(p?.source, 'OMPI_COMM_WORLD_RANK/SIZE');
    assert.equal(p?.runIdSource, 'the openmpi job id');
    // Open MPI 5 has only the PMIx namespace; it is made into a valid run id.
    const v5 = resolvePlacement({
      OMPI_COMM_WORLD_RANK: '0',
      OMPI_COMM_WORLD_SIZE: '2',
      PMIX_NAMESPACE: 'prterun-h-1234@1',
    });
    assert.equal(v5?.runId, 'openmpi-prterun-h-1234-1');
  });

  it('MPICH / Hydra (PMI_RANK/PMI_SIZE) needs a --run-id', () => {
    const env = { PMI_RANK: '2', PMI_SIZE: '4' };
    assert.throws(() => resolvePlacement(env), usage(/needs a shared --run-id: mpich ranks/));
    const p = resolvePlacement(env, { runId: 'bench-1' });
    assert.deepEqual([p?.rank, p?.world, p?.launcher, p?.runId], [2, 4, 'mpich', 'bench-1']);
  });

  it('Slurm srun tasks: SLURM_PROCID/SLURM_NTASKS and slurm-<job>.<step>', () => {
    const p = resolvePlacement(SLURM);
    assert.deepEqual([p?.rank, p?.world, p?.launcher, p?.runId], [2, 4, 'slurm', 'slurm-7781.0']);
  });

  it('an sbatch script (no srun step) runs as one process, with a notice only when asked to place itself', () => {
    const { SLURM_STEP_ID: _, ...batchScript } = SLURM;
    assert.equal(resolvePlacement({ ...batchScript, SLURM_PROCID: '0' }), undefined);
    const p = resolvePlacement({ ...batchScript, SLURM_PROCID: '0' }, { rank: 0, world: 2, runId: 'x' });
    assert.ok(p?.notices.some((n) => /not an srun task/.test(n)));
  });

  it('Kubernetes Indexed Jobs: JOB_COMPLETION_INDEX and --world', () => {
    const env = { JOB_COMPLETION_INDEX: '3' };
    assert.throws(
      () => resolvePlacement(env),
      usage(/JOB_COMPLETION_INDEX=3 gives .* --world <the Job’s completions>/),
    );
    assert.throws(() => resolvePlacement(env, { world: 4 }), usage(/needs a shared --run-id/));
    const p = resolvePlacement(env, { world: 4, runId: 'job-uid-1' });
    assert.deepEqual(
      [p?.rank, p?.world, p?.launcher, p?.source],
      [3, 4, 'kubernetes', 'JOB_COMPLETION_INDEX and --world'],
    );
    assert.throws(
      () => resolvePlacement(env, { world: 3, runId: 'x' }),
      usage(/rank 3 .* outside a world of 3/),
    );
  });

  it('AWS Batch array jobs: index, size from --world or AWS_BATCH_JOB_ARRAY_SIZE, run id from the array job id', () => {
    const env = {
      AWS_BATCH_JOB_ARRAY_INDEX: '5',
      AWS_BATCH_JOB_ID: '0e7c9f4c-1b2a-4d1e-9f3a-3f1e2d4c5b6a:5',
    };
    assert.throws(() => resolvePlacement(env), usage(/AWS_BATCH_JOB_ARRAY_SIZE/));
    const p = resolvePlacement(env, { world: 8 });
    assert.deepEqual([p?.rank, p?.world, p?.launcher], [5, 8, 'aws-batch']);
    assert.equal(p?.runId, 'batch-0e7c9f4c-1b2a-4d1e-9f3a-3f1e2d4c5b6a');
    const sized = resolvePlacement({ ...env, AWS_BATCH_JOB_ARRAY_SIZE: '8' });
    assert.equal(sized?.world, 8);
    assert.throws(
      () => resolvePlacement({ ...env, AWS_BATCH_JOB_ARRAY_SIZE: '8' }, { world: 6 }),
      usage(/conflicting world sizes: --world 6/),
    );
  });

  it('explicit --rank/--world win over the environment, with a notice', () => {
    const p = resolvePlacement(OMPI, { rank: 0, world: 2, runId: 'mine' });
    assert.deepEqual([p?.rank, p?.world, p?.launcher, p?.runId], [0, 2, 'flags', 'mine']);
    assert.match(p?.notices.join('\n') ?? '', /OMPI_COMM_WORLD_RANK\/SIZE \(rank 1 of 3\) is ignored/);
    // Without a launcher, explicit flags need a run id; the job id of a launcher still gives one.
    assert.throws(() => resolvePlacement({}, { rank: 0, world: 3 }), usage(/processes started by hand/));
    assert.equal(resolvePlacement(OMPI, { rank: 1, world: 3 })?.runId, 'openmpi-566493185');
    // --rank 0 --world 1 is a (one-rank) multi-host run: asked for explicitly.
    assert.equal(resolvePlacement({}, { rank: 0, world: 1, runId: 'solo' })?.world, 1);
  });

  it('conflicting or incomplete values are errors that name the variables', () => {
    assert.throws(() => resolvePlacement({}, { rank: 1 }), usage(/--rank needs --world/));
    assert.throws(() => resolvePlacement({}, { world: 3 }), usage(/--world needs --rank/));
    assert.throws(() => resolvePlacement({}, { runId: 'x' }), usage(/--run-id ties the processes/));
    assert.throws(
      () => resolvePlacement({}, { rank: 3, world: 3, runId: 'x' }),
      usage(/rank 3 \(--rank\/--world\) is outside a world of 3/),
    );
    assert.throws(
      () => resolvePlacement(OMPI, { world: 4 }),
      usage(/conflicting world sizes: --world 4, but OMPI_COMM_WORLD_RANK\/SIZE says rank 1 of 3/),
    );
    assert.throws(
      () => resolvePlacement({ ...OMPI, PMI_RANK: '2', PMI_SIZE: '3' }),
      usage(
        /conflicting ranks: OMPI_COMM_WORLD_RANK\/SIZE says rank 1 of 3, PMI_RANK\/PMI_SIZE says rank 2 of 3/,
      ),
    );
    assert.throws(
      () => resolvePlacement({ OMPI_COMM_WORLD_RANK: '1' }),
      usage(/OMPI_COMM_WORLD_RANK is set but OMPI_COMM_WORLD_SIZE is not/),
    );
    assert.throws(
      () => resolvePlacement({ SLURM_PROCID: 'x', SLURM_NTASKS: '2', SLURM_STEP_ID: '0' }),
      usage(/SLURM_PROCID='x' is not an integer/),
    );
    assert.throws(
      () => resolvePlacement({ SLURM_PROCID: '4', SLURM_NTASKS: '4', SLURM_STEP_ID: '0', SLURM_JOB_ID: '1' }),
      usage(/outside a world of 4/),
    );
    assert.throws(
      () => resolvePlacement({}, { rank: 0, world: 2, runId: '../x' }),
      usage(/--run-id '..\/x' must be/),
    );
  });

  it('the innermost launcher wins: mpirun inside a Slurm allocation takes the MPI rank and job id', () => {
    const p = resolvePlacement({ ...SLURM, SLURM_PROCID: '0', SLURM_NTASKS: '8', ...OMPI });
    assert.deepEqual([p?.rank, p?.world, p?.launcher, p?.runId], [1, 3, 'openmpi', 'openmpi-566493185']);
  });
});

describe('shares', () => {
  it('accelerators split contiguously, sizes within one, every accelerator once', () => {
    for (const [accelerators, world] of [
      [6, 3],
      [7, 3],
      [3, 3],
      [1000, 7],
    ] as const) {
      const all = Array.from({ length: world }, (_, r) => acceleratorsOf(accelerators, r, world));
      assert.deepEqual(
        all.flat(),
        Array.from({ length: accelerators }, (_, k) => k),
      );
      const sizes = all.map((a) => a.length);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1);
    }
    assert.deepEqual(acceleratorsOf(6, 1, 3), [2, 3]);
    assert.deepEqual(shareOf(10, 2, 4), { start: 5, end: 7 });
    assert.throws(() => acceleratorsOf(2, 0, 3), usage(/run.accelerators is 2 but the run has 3 processes/));
  });

  it('generated files: each rank a contiguous share, split again over its workers; every file exactly once', () => {
    for (const [train, evalFiles, world, workers] of [
      [10, 0, 3, 2],
      [7, 3, 3, 4],
      [2, 0, 3, 2],
      [100, 5, 4, 3],
    ] as const) {
      const w = defaultWorkload();
      w.dataset.num_files_train = train;
      w.dataset.num_files_eval = evalFiles;
      const layout = datasetLayout(w.dataset);
      const seen = { train: new Array<number>(train).fill(0), eval: new Array<number>(evalFiles).fill(0) };
      for (let rank = 0; rank < world; rank++) {
        const shards = rankShards(layout, rank, world, workers);
        assert.ok(shards.length <= workers);
        for (const s of shards)
          for (const r of s.ranges) for (let i = r.start; i < r.end; i++) seen[r.split][i]++;
      }
      assert.ok(
        seen.train.every((n) => n === 1) && seen.eval.every((n) => n === 1),
        `${train}/${evalFiles}/${world}/${workers}`,
      );
    }
    // Fewer files than ranks: the last rank has nothing to write.
    const w = defaultWorkload();
    w.dataset.num_files_train = 2;
    assert.equal(rankShards(datasetLayout(w.dataset), 2, 3, 2).length, 0);
    const split = splitShard({ index: 0, count: 1, ranges: [{ split: 'train', start: 3, end: 8 }] }, 2);
    assert.deepEqual(split.map(shardFileCount), [2, 3]);
    assert.deepEqual(split[1]?.ranges, [{ split: 'train', start: 5, end: 8 }]);
  });
});

describe('the CLI flags', () => {
  async function run(argv: string[]): Promise<{ code: number; err: string }> {
    const err: string[] = [];
    const code = await main(argv, { stdout: () => {}, stderr: (l) => err.push(l) });
    return { code, err: err.join('\n') };
  }

  it('multi-host flags are checked before anything runs; merge needs a started run', async () => {
    assert.deepEqual(await run(['train', 'w.yaml', '--rank', '1']), {
      code: 2,
      err: 'error: --rank needs --world (the number of processes in the run)',
    });
    const stray = await run(['train', 'w.yaml', '--rank-timeout', '5']);
    assert.equal(stray.code, 2);
    assert.match(stray.err, /--rank-timeout applies to a multi-host run/);
    const bad = await run([
      'run',
      'w.yaml',
      '--rank',
      '0',
      '--world',
      '2',
      '--run-id',
      'r',
      '--start-margin',
      'soon',
    ]);
    assert.match(bad.err, /--start-margin must be a number of seconds/);
    assert.equal((await run(['merge'])).code, 2);
    const nothing = await run(['merge', path.join(os.tmpdir(), 'pqbench-no-such-results', 'run-1')]);
    assert.equal(nothing.code, 2);
    assert.match(nothing.err, /no started multi-host run there \(no start record\): nothing to merge/);
  });
});
