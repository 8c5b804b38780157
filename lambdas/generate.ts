/** Generate Lambda: an adapter over src/cloud/steps/generate.ts (see src/cloud/handler.ts). */
import { generateEventSchema } from '../src/cloud/events.ts';
import { lambdaHandler } from '../src/cloud/handler.ts';
import { generateStep } from '../src/cloud/steps/generate.ts';

export const handler = lambdaHandler('generate', generateEventSchema, generateStep);
