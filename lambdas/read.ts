/** Read Lambda: an adapter over src/cloud/steps/read.ts (see src/cloud/handler.ts). */
import { readEventSchema } from '../src/cloud/events.ts';
import { lambdaHandler } from '../src/cloud/handler.ts';
import { readStep } from '../src/cloud/steps/read.ts';

export const handler = lambdaHandler('read', readEventSchema, readStep);
