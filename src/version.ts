/**
 * The tool's name and version. The version is package.json's, read here and
 * nowhere else: bundles (Lambda, dist/) have it substituted at build time as
 * PQBENCH_VERSION (see cdk/runtime.ts), running from source reads the file.
 */
import { readFileSync } from 'node:fs';

declare const PQBENCH_VERSION: string | undefined;

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

export const TOOL_NAME = 'pqbench';
export const TOOL_VERSION: string = typeof PQBENCH_VERSION === 'string' ? PQBENCH_VERSION : packageVersion();
