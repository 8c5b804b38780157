/**
 * `pqbench report <results-dir> [<results-dir> …]`: report.html for a run
 * already on disk (an old run, one merged elsewhere, one fetched from the
 * cloud), or one page overlaying several runs, the first as the baseline.
 */
import { resolve } from 'node:path';
import { UsageError } from '../../errors.ts';
import { readRunResults } from '../../metrics/run-results.ts';
import { REPORT_FILE, writeReport } from '../../report/write.ts';
import type { CliCommand } from '../command.ts';

export const command: CliCommand = {
  async run(ctx) {
    const dirs = ctx.positionals;
    if (dirs.length === 0) throw new UsageError(`usage: ${ctx.usage}`);
    const out = ctx.values.out;
    if (out !== undefined && typeof out !== 'string') throw new UsageError('--out takes a file path');
    const runs = [];
    for (const dir of dirs) runs.push(await readRunResults(dir));
    const path = out ?? (dirs.length === 1 ? resolve(dirs[0] as string, REPORT_FILE) : resolve(REPORT_FILE));
    ctx.stdout(`wrote ${await writeReport(runs, path)}`);
  },
};
