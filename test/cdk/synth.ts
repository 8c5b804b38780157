/**
 * Synthesizes the stack for tests the way `npx cdk synth` does (cdk.json's
 * context and feature flags, then test overrides), minus asset bundling, so a
 * synth takes well under a second. `new App()` does not read cdk.json itself.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { settingsFromContext } from '../../cdk/settings.ts';
import { PqbenchStack, REPO_ROOT } from '../../cdk/stack.ts';
import { type AslDefinition, definitionFromTemplate } from '../helpers/asl-local.ts';

export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  };
  return cdkJson.context;
}

export function synthStack(
  context: Record<string, unknown> = {},
  options: { nag?: boolean; outdir?: string } = {},
) {
  const app = new App({
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [], ...context },
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
  const stack = new PqbenchStack(app, 'PqbenchTest', {
    settings: settingsFromContext((key) => app.node.tryGetContext(key)),
  });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}

export function synthTemplate(context: Record<string, unknown> = {}): Template {
  return Template.fromStack(synthStack(context).stack);
}

/** References rendered as readable placeholders: `<Logical.Attr>`, `<Ref:Logical>`. */
export function placeholderResolver(logicalId: string, attribute?: string): string {
  if (logicalId === 'AWS::Partition') return 'aws';
  if (logicalId === 'AWS::Region') return 'us-east-1';
  if (logicalId === 'AWS::AccountId') return '123456789012';
  return attribute ? `<${logicalId}.${attribute}>` : `<Ref:${logicalId}>`;
}

export function synthDefinition(template: Template): AslDefinition {
  return definitionFromTemplate(template.toJSON() as never, placeholderResolver);
}
