/**
 * Where the code a worker thread runs lives. Compiled (dist/, or a Lambda
 * bundle), every thread entry is a file beside the running code; from source
 * (tests under tsx) the compiled dist/ is used when it is at least as new as
 * src/, else the TypeScript itself through tsx (correct, but each thread then
 * compiles for about a second). Only names and paths live here: no module of
 * a higher floor is imported.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The modules a worker thread can run, by name (each a dist/<name>.js entry). */
export const THREAD_MODULES = {
  'generate-shard': 'generate/shard-task.ts',
  loader: 'train/loader-task.ts',
  accelerator: 'train/accelerator-task.ts',
} as const;
export type ThreadModule = keyof typeof THREAD_MODULES;

const HERE = import.meta.url;
const FROM_SOURCE = HERE.endsWith('.ts');
/** dist/.build-stamp: written last by scripts/build.mjs. */
export const BUILD_STAMP = '.build-stamp';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

let distFresh: boolean | undefined;

/** From source: whether dist/ was built after the last change under src/ (checked once per process). */
function useDist(): boolean {
  if (distFresh === undefined) {
    const stamp = fileURLToPath(new URL(`../dist/${BUILD_STAMP}`, HERE));
    distFresh =
      existsSync(stamp) && statSync(stamp).mtimeMs >= newestMtime(fileURLToPath(new URL('.', HERE)));
  }
  return distFresh;
}

/** A compiled file beside this code: `<name>.mjs` in a Lambda bundle, `<name>.js` in dist/. */
function sibling(name: string): string {
  for (const ext of ['.mjs', '.js']) {
    const url = new URL(`./${name}${ext}`, HERE);
    if (existsSync(fileURLToPath(url))) return url.href;
  }
  throw new Error(`thread entry ${name} is missing beside ${fileURLToPath(HERE)} (incomplete build?)`);
}

/** The script every worker thread starts with (exec/worker-entry). */
export function workerEntryUrl(): string {
  if (!FROM_SOURCE) return sibling('worker');
  if (useDist()) return new URL('../dist/worker.js', HERE).href;
  return new URL('./exec/worker-entry-tsx.mjs', HERE).href;
}

/**
 * The Node flags a worker thread starts with: this process's, minus tsx's
 * loader hooks (inherited, they would make every thread load tsx — tens of
 * milliseconds — even to run compiled code; worker-entry registers tsx
 * itself when its module is TypeScript).
 */
export function workerExecArgv(): string[] {
  const out: string[] = [];
  const argv = process.execArgv;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    const joined = /^--(require|import|loader|experimental-loader)=/.exec(flag);
    if (joined && flag.includes('tsx')) continue;
    if (
      /^(--require|--import|--loader|--experimental-loader|-r)$/.test(flag) &&
      argv[i + 1]?.includes('tsx')
    ) {
      i++;
      continue;
    }
    out.push(flag);
  }
  return out;
}

/** The module a worker thread imports to run `name`. */
export function threadModuleUrl(name: ThreadModule): string {
  if (!FROM_SOURCE) return sibling(name);
  if (useDist()) return new URL(`../dist/${name}.js`, HERE).href;
  return new URL(`./${THREAD_MODULES[name]}`, HERE).href;
}
