/**
 * `pqbench merge <folder>/<run-id>`: merges a multi-host run's partials from
 * its results location — what rank 0 does at the end of a run, for when rank 0
 * died before merging, or to merge the ranks that finished
 * (--allow-missing). Same merge, same files, same completion marker.
 */
import { parseWorkload } from '../../config/load.ts';
import { resolveRun } from '../../dataset/run-plan.ts';
import { UsageError } from '../../errors.ts';
import { hostsLines } from '../../exec/hosts-report.ts';
import {
  mergeRanks,
  type TrainGo,
  type TrainPartialBody,
  type TrainReadyBody,
  trainSessionPrefix,
  writeRankResults,
} from '../../exec/rank-merge.ts';
import { listRanks, RankError, RankSession } from '../../exec/rendezvous.ts';
import { isS3Folder, openResultsLocation, splitResultsLocation } from '../../exec/results-location.ts';
import { summaryFileText } from '../../metrics/results.ts';
import { reportResultFile } from '../../report/write.ts';
import { locationS3Options } from '../../storage/endpoint.ts';
import type { CliCommand, CommandContext } from '../command.ts';
import { loadPrices, locationFlags, printNotices, printRunSummary } from '../flags.ts';

async function merge(ctx: CommandContext, where: string): Promise<void> {
  const prices = await loadPrices(ctx.values.prices);
  const { folder, runId } = splitResultsLocation(where);
  const location = openResultsLocation(folder, locationS3Options(locationFlags(ctx)), runId);
  try {
    const probe = new RankSession({
      storage: location.storage,
      prefix: trainSessionPrefix(runId),
      rank: 0,
      world: 1,
      where: `${location.display}/ranks/train`,
      timeoutMs: 0,
      pollMs: 0,
    });
    const start = await probe.startRecord<TrainGo>();
    if (start?.status !== 'go') {
      throw new UsageError(
        `${location.display}: no started multi-host run there (${start ? `start record says ${start.status}` : 'no start record'}): nothing to merge`,
      );
    }
    const go = start.data;
    const session = new RankSession({ ...probe.options, world: go.world });
    session.adopt(start.nonce);
    const configYaml = await session.getText('config.yaml');
    if (configYaml === undefined)
      throw new UsageError(`${location.display}: the run's config.yaml is missing`);
    const { workload } = parseWorkload(configYaml, { source: `${location.display}/ranks/train/config.yaml` });
    const plan = resolveRun(workload, { randomSeed: go.random_seed });
    const partials = await session.collect<TrainPartialBody>('partials');
    const have = new Set(partials.map((p) => p.rank));
    const missing = Array.from({ length: go.world }, (_, r) => r).filter((r) => !have.has(r));
    if (partials.length === 0 || (missing.length > 0 && ctx.values['allow-missing'] !== true)) {
      throw new RankError(
        `${location.display}: ${listRanks(missing)} of ${go.world} left no partial${partials.length > 0 ? '; --allow-missing merges the ranks that did' : ''}`,
        missing,
      );
    }
    const merged = mergeRanks({
      plan,
      runId,
      configHash: go.config_hash,
      prices,
      notices: [],
      go,
      readies: await session.collect<TrainReadyBody>('ready'),
      partials,
    });
    await writeRankResults(location, session, merged, configYaml, (rendered) =>
      reportResultFile(location.display, rendered),
    );
    printNotices(ctx, merged.run.summary.notices);
    const summaryJson = summaryFileText(merged.run, merged.facts);
    printRunSummary(ctx, merged.run.summary, summaryJson, location.display, hostsLines(merged.hosts));
  } finally {
    await location.storage.close();
  }
}

export const command: CliCommand = {
  async run(ctx) {
    const [where, ...extra] = ctx.positionals;
    if (!where || extra.length > 0) throw new UsageError(`usage: ${ctx.usage}`);
    if (!isS3Folder(where) && (ctx.values['endpoint-url'] !== undefined || ctx.values.region !== undefined)) {
      throw new UsageError('--endpoint-url and --region apply to an s3:// location');
    }
    await merge(ctx, where);
  },
};
