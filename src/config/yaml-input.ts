/**
 * Reading a workload file and parsing its YAML within LIMITS: only a regular
 * file is opened for reading (a FIFO or a device would block or never end),
 * at most LIMITS.yamlBytes are read, and the document's nesting and alias
 * expansion are bounded. Every failure is a ConfigError naming the file.
 */
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { isMap, parseDocument } from 'yaml';
import { ConfigError, type ConfigIssue } from '../errors.ts';
import { formatBytes, LIMITS } from './limits.ts';

const fail = (message: string, source?: string): ConfigError =>
  new ConfigError([{ path: '', message }], source);

/** What an input file is, for messages: `a workload file`, `a price table`. */
export type InputKind = string;

function openProblem(code: string | undefined, what: InputKind): string {
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EISDIR':
      return `is a directory, not ${what}`;
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    default:
      return `cannot read (${code ?? 'unknown error'})`;
  }
}

function kindOf(stat: import('node:fs').Stats): string {
  if (stat.isDirectory()) return 'a directory';
  if (stat.isFIFO()) return 'a FIFO (named pipe)';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a regular file';
}

async function readBounded(handle: FileHandle, path: string, what: InputKind): Promise<Buffer> {
  const limit = LIMITS.yamlBytes;
  const buffer = Buffer.alloc(limit + 1);
  let length = 0;
  while (length <= limit) {
    const { bytesRead } = await handle.read(buffer, length, limit + 1 - length, null);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  if (length > limit)
    throw fail(`is larger than ${formatBytes(limit)}; ${what} is at most ${formatBytes(limit)}`, path);
  return buffer.subarray(0, length);
}

/**
 * The text of a small input file (a workload, a price table). Opened
 * non-blocking and checked with fstat before any read, so a FIFO is refused
 * rather than waited on (no race between a stat and the open); at most
 * LIMITS.yamlBytes, UTF-8.
 */
export async function readInputText(path: string, what: InputKind = 'a workload file'): Promise<string> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw fail(openProblem((e as NodeJS.ErrnoException).code, what), path);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw fail(`is ${kindOf(stat)}, not ${what}`, path);
    if (stat.size > LIMITS.yamlBytes) {
      throw fail(`is ${formatBytes(stat.size)}; ${what} is at most ${formatBytes(LIMITS.yamlBytes)}`, path);
    }
    const bytes = await readBounded(handle, path, what);
    return decodeUtf8(bytes, path, what);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw fail(openProblem((e as NodeJS.ErrnoException).code, what), path);
  } finally {
    await handle.close().catch(() => {});
  }
}

function decodeUtf8(bytes: Uint8Array, path: string, what: InputKind): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw fail(`is not UTF-8 text (${what} is text)`, path);
  }
}

/** A YAML library message in a user's words: first line, without the position it repeats. */
function yamlMessage(message: string): string {
  const first = (message.split('\n')[0] as string).replace(/ at line \d+, column \d+:?$/, '');
  if (/multiple documents/.test(first)) {
    return 'more than one YAML document (---); a workload file is one mapping';
  }
  return first;
}

/** The YAML library's messages, first line each, at most 5; a stack overflow is said as deep nesting. */
function yamlIssues(
  errors: readonly { message: string; linePos?: [{ line: number; col: number }, ...unknown[]] }[],
): ConfigIssue[] {
  const deep = errors.find((e) => /Maximum call stack/.test(e.message));
  if (deep)
    return [{ path: '', message: `the YAML is nested too deeply; allowed: ${LIMITS.yamlDepth} levels` }];
  const issues: ConfigIssue[] = errors.slice(0, 5).map((e) => {
    const pos = e.linePos?.[0];
    return {
      path: '',
      message: `${pos ? `line ${pos.line}, column ${pos.col}: ` : ''}${yamlMessage(e.message)}`,
    };
  });
  if (errors.length > 5) issues.push({ path: '', message: `… and ${errors.length - 5} more YAML errors` });
  return issues;
}

/**
 * Values in `value` with every alias expanded, counted without expanding
 * (aliases share one object), and the nesting depth; a cycle (an alias inside
 * its own anchor) is an error.
 */
function documentSize(value: unknown): number {
  const sizes = new Map<object, number>();
  const inProgress = new Set<object>();
  const visit = (v: unknown, depth: number): number => {
    if (v === null || typeof v !== 'object') return 1;
    const known = sizes.get(v);
    if (known !== undefined) return known;
    if (inProgress.has(v))
      throw new Error('an alias refers to the mapping or list that contains it (a cycle)');
    if (depth > LIMITS.yamlDepth) {
      throw new Error(`the YAML is nested more than ${LIMITS.yamlDepth} levels deep`);
    }
    inProgress.add(v);
    let n = 1;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      n += visit(child, depth + 1);
      if (n > LIMITS.yamlNodes) break;
    }
    inProgress.delete(v);
    sizes.set(v, n);
    return n;
  };
  return visit(value, 0);
}

/** A workload document: a YAML mapping (an empty document is an empty mapping). */
export function parseYamlMapping(
  text: string,
  source: string | undefined,
  opts: { allowEmpty?: boolean } = {},
): Record<string, unknown> {
  if (text.length > LIMITS.yamlBytes) {
    throw fail(
      `is ${formatBytes(text.length)}; a workload file is at most ${formatBytes(LIMITS.yamlBytes)}`,
      source,
    );
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) throw new ConfigError(yamlIssues(doc.errors), source);
  if (doc.contents === null) {
    if (opts.allowEmpty !== false) return {};
    throw fail(
      'is empty; a workload file is a YAML mapping (key: value, …) — `{}` takes every default',
      source,
    );
  }
  if (!isMap(doc.contents)) {
    throw fail('a workload file must be a YAML mapping (key: value, …)', source);
  }
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: LIMITS.yamlAliasCount });
  } catch (e) {
    const message = (e as Error).message;
    throw fail(
      /Excessive alias count/.test(message)
        ? `YAML aliases expand too far (an alias bomb?); allowed: ${LIMITS.yamlAliasCount} aliased values per anchor`
        : /Maximum call stack/.test(message)
          ? `the YAML is nested too deeply; allowed: ${LIMITS.yamlDepth} levels`
          : (message.split('\n')[0] as string),
      source,
    );
  }
  let size: number;
  try {
    size = documentSize(js);
  } catch (e) {
    throw fail((e as Error).message, source);
  }
  if (size > LIMITS.yamlNodes) {
    throw fail(
      `with its aliases expanded the document holds more than ${LIMITS.yamlNodes} values (an alias bomb?); allowed: ${LIMITS.yamlNodes}`,
      source,
    );
  }
  return js as Record<string, unknown>;
}
