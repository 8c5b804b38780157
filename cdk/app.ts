/**
 * CDK entry point (`npx cdk synth|deploy|destroy` from the repo root; cdk.json
 * runs this through tsx). The stack name is `-c stackName=…` (default
 * Pqbench), so several independent stacks can live in one account.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { settingsFromContext } from './settings.ts';
import { PqbenchStack } from './stack.ts';

const app = new App();
const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? 'Pqbench';
new PqbenchStack(app, stackName, {
  settings: settingsFromContext((key) => app.node.tryGetContext(key)),
  description:
    'pqbench: Parquet training-I/O benchmark fan-out (S3 bucket, Lambda, Step Functions Distributed Map)',
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
