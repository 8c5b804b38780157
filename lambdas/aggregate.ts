/** Aggregate Lambda: an adapter over src/cloud/steps/aggregate.ts (see src/cloud/handler.ts). */
import { aggregateEventSchema } from '../src/cloud/events.ts';
import { lambdaHandler } from '../src/cloud/handler.ts';
import { aggregateStep } from '../src/cloud/steps/aggregate.ts';

export const handler = lambdaHandler('aggregate', aggregateEventSchema, aggregateStep);
