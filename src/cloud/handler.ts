/**
 * The one Lambda wrapper: every handler is `lambdaHandler(name, schema, step)`.
 * It takes the invocation's timing facts first (before anything can delay
 * them), validates the event against its schema, and hands the step the
 * stack bucket (every request counted for the cost), the Lambda's remaining
 * time and the environment. Steps hold the domain logic; handlers under
 * lambdas/ only name their step.
 */
import type { z } from 'zod';
import type { Storage } from '../storage/types.ts';
import { type AccountConcurrencySource, accountConcurrencySource } from './account.ts';
import { parseEvent } from './events.ts';
import { beginInvocation, controlStorage, type InvocationFacts, RequestTally } from './runtime.ts';

/** When this bundle's modules finished loading: the end of a cold start's init. */
const moduleLoadedAt = Date.now();

/** The part of Lambda's context object the steps use. */
export interface LambdaContextLike {
  getRemainingTimeInMillis?: () => number;
}

export interface StepContext {
  facts: InvocationFacts;
  env: NodeJS.ProcessEnv;
  /** The stack bucket: configs, work lists, partials, results. */
  control: Storage;
  /** The requests made through `control` in this invocation. */
  controlRequests: RequestTally;
  /** ms this invocation has left before Lambda stops it; null outside Lambda. */
  remainingMs: () => number | null;
  /** The account's Lambda concurrency (GetAccountSettings, or the stub the environment names). */
  accountConcurrency: AccountConcurrencySource;
}

export type Step<E, R> = (event: E, ctx: StepContext) => Promise<R>;

export function lambdaHandler<E, R>(
  name: string,
  schema: z.ZodType<E>,
  step: Step<E, R>,
): (event: unknown, context?: LambdaContextLike) => Promise<R> {
  return async (event: unknown, context?: LambdaContextLike) => {
    const env = process.env;
    const facts = beginInvocation(moduleLoadedAt, env);
    const parsed = parseEvent(schema, event, name);
    const controlRequests = new RequestTally();
    const remaining = context?.getRemainingTimeInMillis;
    return step(parsed, {
      facts,
      env,
      control: controlRequests.wrap(controlStorage(env)),
      controlRequests,
      remainingMs: () => (remaining ? remaining.call(context) : null),
      accountConcurrency: accountConcurrencySource(env),
    });
  };
}
