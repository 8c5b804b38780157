/**
 * Partials in, run summary out: combine exactly (combine.ts), then derive the
 * figures (derive.ts). The same function runs in the local executor and in
 * the cloud aggregate step, so a run's numbers do not depend on where it ran.
 */

import { combinePartials } from './combine.ts';
import { deriveSummary, type SummaryContext, type SummaryPlan } from './derive.ts';
import type { AcceleratorPartial } from './partial.ts';
import type { RunSummary } from './summary.ts';

export type { SummaryContext as MergeContext, SummaryPlan as MergePlan } from './derive.ts';

export function mergePartials(
  plan: SummaryPlan,
  partials: AcceleratorPartial[],
  context: SummaryContext,
): RunSummary {
  return deriveSummary(combinePartials(partials), plan, context);
}
