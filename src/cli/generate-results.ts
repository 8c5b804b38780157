/**
 * generate.json from the CLI: what `generate` (and `run`, `dlio`, `sweep`,
 * a multi-host rank 0) writes about the write phase, where it goes, and the
 * write phase's table on the terminal.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunPlan } from '../dataset/types.ts';
import type { ResultsLocation } from '../exec/results-location.ts';
import {
  GENERATE_FILE,
  type GenerateContext,
  type GenerateFacts,
  type GenerateJson,
  generateJson,
} from '../metrics/generate-results.ts';
import { renderPhaseTable } from '../metrics/phase-table.ts';
import { RESULT_FILES, type RunOutput, resultJson, writeFileAtomically } from '../metrics/results.ts';
import { datasetLocation } from '../storage/s3-location.ts';
import type { CommandContext } from './command.ts';
import { report } from './flags.ts';

/** Where generate.json goes: a run's results folder, or (`own`) a folder of generate's own, with config.yaml. */
export interface GenerateTarget {
  output: RunOutput;
  own: boolean;
}

/** generate.json's context for a run of `plan` recorded in `output`. */
export function generateContext(
  plan: RunPlan,
  output: RunOutput,
  ranks: number,
  notices: string[] = [],
): GenerateContext {
  return {
    runId: output.runId,
    workload: plan.facts.workload,
    configHash: output.configHash,
    datasetFingerprint: plan.dataset.fingerprint,
    storageType: plan.facts.storageType,
    location: datasetLocation(plan.storage, plan.dataset.layout.dataFolder),
    ranks,
    notices,
  };
}

/** The write phase's table, then where generate.json is (stderr with --json, as the other lines for people). */
export function printWritePhase(ctx: CommandContext, json: GenerateJson, where: string): void {
  for (const line of renderPhaseTable('WRITE', json.write_phase)) report(ctx)(line);
  report(ctx)(`write phase: ${where}`);
}

/** Writes generate.json (and config.yaml into a folder of its own); returns what was written and where. */
export async function writeGenerateJson(
  target: GenerateTarget,
  facts: GenerateFacts,
  context: GenerateContext,
): Promise<{ json: GenerateJson; path: string }> {
  const json = generateJson(facts, context);
  const path = join(target.output.dir, GENERATE_FILE);
  await mkdir(target.output.dir, { recursive: true });
  await writeFileAtomically(path, resultJson(json));
  if (target.own)
    await writeFileAtomically(join(target.output.dir, RESULT_FILES.config), target.output.configYaml);
  return { json, path };
}

/** Rank 0 of a multi-host generate: generate.json into the run's results location, beside its other results. */
export async function putGenerateJson(
  location: ResultsLocation,
  facts: GenerateFacts,
  context: GenerateContext,
): Promise<{ json: GenerateJson; where: string }> {
  const json = generateJson(facts, context);
  await location.storage.put(
    `${location.prefix}${GENERATE_FILE}`,
    new TextEncoder().encode(resultJson(json)),
  );
  return { json, where: `${location.display}/${GENERATE_FILE}` };
}
