/**
 * `pqbench report <results-dir> [<results-dir> …]`: report.html for a run
 * already on disk or in an s3:// folder (an old run, one merged elsewhere,
 * one fetched from the cloud), or one page overlaying several runs, the
 * first as the baseline. One run's page goes beside its results, also in an
 * s3:// folder.
 */
import { resolve } from 'node:path';
import { UsageError } from '../../errors.ts';
import { readRunResults } from '../../metrics/run-results.ts';
import { REPORT_FILE, writeReport } from '../../report/write.ts';
import { isS3Url, locationS3Options } from '../../storage/endpoint.ts';
import type { CliCommand } from '../command.ts';
import { locationFlags } from '../flags.ts';

export const command: CliCommand = {
  async run(ctx) {
    const dirs = ctx.positionals;
    if (dirs.length === 0) throw new UsageError(`usage: ${ctx.usage}`);
    const out = ctx.values.out;
    if (out !== undefined && typeof out !== 'string') throw new UsageError('--out takes a file path');
    // Resolved only for s3:// folders: a local report never depends on the S3 environment.
    const s3 = [...dirs, out ?? ''].some(isS3Url) ? locationS3Options(locationFlags(ctx)) : undefined;
    const runs = [];
    for (const dir of dirs) runs.push(await readRunResults(dir, s3));
    const beside = (dir: string) =>
      isS3Url(dir) ? `${dir.replace(/\/+$/, '')}/${REPORT_FILE}` : resolve(dir, REPORT_FILE);
    const path = out ?? (dirs.length === 1 ? beside(dirs[0] as string) : resolve(REPORT_FILE));
    ctx.stdout(`wrote ${await writeReport(runs, path, s3)}`);
  },
};
