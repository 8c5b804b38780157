/**
 * Turns zod issues into ConfigIssues that name the YAML path, the bad value
 * and what is allowed — the one place config error wording lives.
 */
import type { z } from 'zod';
import type { ConfigIssue } from '../errors.ts';

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let node = raw;
  for (const p of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[p];
  }
  return node;
}

function show(v: unknown): string {
  if (typeof v === 'string') return `'${v.length > 60 ? `${v.slice(0, 57)}...` : v}'`;
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

const typeName: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
};

export function zodIssuesToConfigIssues(error: z.ZodError, raw: unknown): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const iss of error.issues) {
    const path = formatPath(iss.path);
    const value = valueAt(raw, iss.path);
    let message: string;
    switch (iss.code) {
      case 'unrecognized_keys':
        for (const key of iss.keys) {
          out.push({
            path: path ? `${path}.${key}` : key,
            message: `unknown key '${key}' (see the README config reference)`,
          });
        }
        continue;
      case 'invalid_value':
        message = `${show(value)} is not allowed; allowed: ${iss.values.map((v) => String(v)).join(', ')}`;
        break;
      case 'invalid_type': {
        const expected =
          PATH_HINTS.find(([re]) => re.test(path))?.[1] ?? typeName[iss.expected] ?? iss.expected;
        message = value === undefined ? `is required (${expected})` : `${show(value)} is not ${expected}`;
        break;
      }
      case 'too_small':
        message = `${show(value)} is too small; allowed: ${iss.inclusive === false ? '>' : '>='} ${String(iss.minimum)}`;
        break;
      case 'too_big':
        message = `${show(value)} is too large; allowed: ${iss.inclusive === false ? '<' : '<='} ${String(iss.maximum)}`;
        break;
      case 'invalid_union':
        // A discriminated union (a distribution's `type`) lists its options.
        message =
          'options' in iss && Array.isArray(iss.options)
            ? `${show(value)} is not allowed; allowed: ${iss.options.map(String).join(', ')}`
            : `${show(value)} is not ${PATH_HINTS.find(([re]) => re.test(path))?.[1] ?? 'valid here (see the README config reference)'}`;
        break;
      default:
        message = `${show(value)}: ${iss.message}`;
    }
    out.push({ path, message });
  }
  return out;
}

/** What a key takes, where the type alone says too little. */
const PATH_HINTS: [RegExp, string][] = [
  [
    /(computation_time|preprocess_time)$/,
    'a number of seconds, or {mean, stdev, type: constant|normal|uniform|gamma|exponential|poisson} (see docs/dlio.md)',
  ],
  [/^run\.workers$/, "'auto' or a positive integer"],
  [/^model$/, 'a name, or {name}'],
];
