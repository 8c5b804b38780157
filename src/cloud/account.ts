/**
 * The account's Lambda concurrency, as the plan step checks it: Lambda's
 * GetAccountSettings (AccountLimit.ConcurrentExecutions and
 * UnreservedConcurrentExecutions) and the read function's reserved
 * concurrency (GetFunctionConcurrency). `PQBENCH_ACCOUNT_CONCURRENCY` replaces
 * the calls with a fixed figure: the offline tests use it, and so can an
 * account that does not grant the plan function those two read-only calls.
 */
import {
  GetAccountSettingsCommand,
  GetFunctionConcurrencyCommand,
  LambdaClient,
} from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { AccountConcurrency } from './capacity.ts';
import { ENV } from './env.ts';

/** Asks once per call; the plan step calls it once per run. */
export type AccountConcurrencySource = () => Promise<AccountConcurrency>;

/** A fixed figure: both pools equal, no reservation. */
export function fixedAccountConcurrency(executions: number, source = 'fixed'): AccountConcurrencySource {
  return async () => ({
    concurrentExecutions: executions,
    unreservedConcurrentExecutions: executions,
    readerReserved: null,
    source,
  });
}

/** Timeouts on every Lambda API request (connect 5 s, idle socket 15 s). */
export function awsRequestHandler(): NodeHttpHandler {
  return new NodeHttpHandler({ connectionTimeout: 5000, socketTimeout: 15_000 });
}

function lambdaApiConcurrency(functionName: string | undefined): AccountConcurrencySource {
  return async () => {
    const client = new LambdaClient({ requestHandler: awsRequestHandler(), maxAttempts: 3 });
    try {
      const settings = await client.send(new GetAccountSettingsCommand({}));
      const limit = settings.AccountLimit ?? {};
      const reserved = functionName
        ? (await client.send(new GetFunctionConcurrencyCommand({ FunctionName: functionName })))
            .ReservedConcurrentExecutions
        : undefined;
      return {
        concurrentExecutions: limit.ConcurrentExecutions ?? 0,
        unreservedConcurrentExecutions: limit.UnreservedConcurrentExecutions ?? 0,
        readerReserved: reserved ?? null,
        source: 'Lambda GetAccountSettings',
      };
    } finally {
      client.destroy();
    }
  };
}

/** The source the environment names: the fixed figure, or the Lambda API. */
export function accountConcurrencySource(env: NodeJS.ProcessEnv): AccountConcurrencySource {
  const fixed = env[ENV.accountConcurrency];
  if (fixed !== undefined && fixed !== '') {
    const n = Number(fixed);
    if (!Number.isInteger(n) || n < 0) {
      return async () => {
        throw new Error(`environment variable ${ENV.accountConcurrency}=${fixed} is not a whole number >= 0`);
      };
    }
    return fixedAccountConcurrency(n, `${ENV.accountConcurrency}`);
  }
  return lambdaApiConcurrency(env[ENV.readFunctionName] || undefined);
}
