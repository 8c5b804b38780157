/** Plan Lambda: an adapter over src/cloud/steps/plan.ts (see src/cloud/handler.ts). */
import { planEventSchema } from '../src/cloud/events.ts';
import { lambdaHandler } from '../src/cloud/handler.ts';
import { planStep } from '../src/cloud/steps/plan.ts';

export const handler = lambdaHandler('plan', planEventSchema, planStep);
