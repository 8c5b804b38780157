#!/usr/bin/env node
// Runs the compiled CLI (dist/, built by `npm ci` through the prepare script,
// or `npm run build`). From a source checkout without a build, falls back to
// the TypeScript through tsx, a dev-time tool.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/cli.js', import.meta.url);
let main;
if (existsSync(compiled)) {
  ({ main } = await import(compiled.href));
} else {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import('../src/cli/main.ts'));
}
process.exitCode = await main(process.argv.slice(2));
