import { resolveRun } from '../../dataset/run-plan.ts';
import { writeHydraFiles } from '../../metrics/dlio-hydra.ts';
import { prepareOutputDir, runOutput } from '../../metrics/results.ts';
import type { CliCommand, CommandContext } from '../command.ts';
import { loadCommandWorkload, parseRunFlags } from '../flags.ts';
import { generateRankAndReport, parseMultiHostFlags, trainRankAndReport } from '../multihost.ts';
import { hydraRecord } from './dlio.ts';
import { createBucketIfAsked, generateAndReport } from './generate.ts';
import { trainAndReport } from './train.ts';

/** `pqbench run`: generate (workflow.generate_data), then train (workflow.train). */
export const command: CliCommand = {
  async run(ctx: CommandContext) {
    const flags = await parseRunFlags(ctx);
    const multiHost = parseMultiHostFlags(ctx);
    const parsed = await loadCommandWorkload(ctx);
    const { workload, notices } = parsed;
    // ++hydra.run.dir: DLIO's output folder — results straight into it, with Hydra's config copies.
    const resultsDir = parsed.hydra.runDir;
    if (resultsDir) await writeHydraFiles(hydraRecord(parsed, ctx.overrides, resultsDir));
    if (!workload.workflow.generate_data && !workload.workflow.train) {
      ctx.stderr('notice: workflow.generate_data and workflow.train are both false; nothing to do');
      return;
    }
    const plan = resolveRun(workload);
    if (plan.workflow.generateData) await createBucketIfAsked(ctx, workload.storage);
    if (multiHost) {
      if (plan.workflow.generateData) await generateRankAndReport(ctx, workload, plan, flags, multiHost);
      if (plan.workflow.train) await trainRankAndReport(ctx, workload, notices, flags, multiHost);
      return;
    }
    const output = runOutput(workload, undefined, resultsDir);
    // Before generating: a results folder that cannot be written fails now, not after the run.
    await prepareOutputDir(output.dir);
    // generate.json goes beside the run's results; a generate-only run's folder holds config.yaml too.
    if (plan.workflow.generateData)
      await generateAndReport(ctx, plan, flags, { output, own: !plan.workflow.train });
    if (plan.workflow.train) await trainAndReport(ctx, plan, output, notices, flags);
  },
};
