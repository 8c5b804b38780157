/**
 * The one Lambda wrapper: every handler is `lambdaHandler(name, schema, step)`.
 * It takes the invocation's timing facts first (before anything can delay
 * them), validates the event against its schema, and hands the step the
 * stack bucket and the environment. Steps hold the domain logic; handlers
 * under lambdas/ only name their step.
 */
import type { z } from 'zod';
import type { Storage } from '../storage/types.ts';
import { parseEvent } from './events.ts';
import { beginInvocation, controlStorage, type InvocationFacts } from './runtime.ts';

/** When this bundle's modules finished loading: the end of a cold start's init. */
const moduleLoadedAt = Date.now();

export interface StepContext {
  facts: InvocationFacts;
  env: NodeJS.ProcessEnv;
  /** The stack bucket: configs, work lists, partials, results. */
  control: Storage;
}

export type Step<E, R> = (event: E, ctx: StepContext) => Promise<R>;

export function lambdaHandler<E, R>(
  name: string,
  schema: z.ZodType<E>,
  step: Step<E, R>,
): (event: unknown) => Promise<R> {
  return async (event: unknown) => {
    const env = process.env;
    const facts = beginInvocation(moduleLoadedAt, env);
    const parsed = parseEvent(schema, event, name);
    return step(parsed, { facts, env, control: controlStorage(env) });
  };
}
