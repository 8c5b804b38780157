/**
 * Turns zod issues into ConfigIssues that name the YAML path, the bad value
 * and what is allowed — the one place config error wording lives.
 */
import type { z } from 'zod';
import type { ConfigIssue } from '../errors.ts';
import { ENDPOINT_SHAPE, endpointShapeProblem } from './endpoint-url.ts';
import { quoteKey, showValue } from './quote.ts';
import { closestKey, keysAt } from './suggest.ts';

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}

/**
 * The value at `path` and the path as the user wrote it: a shorthand the
 * schema expanded (`computation_time: 1e300` checked as `….mean`) is named by
 * the key that holds the number.
 */
function locate(
  raw: unknown,
  path: readonly PropertyKey[],
): { path: readonly PropertyKey[]; value: unknown } {
  let node = raw;
  for (const [i, p] of path.entries()) {
    if (node === null || typeof node !== 'object') {
      const written = i > 0 && node !== undefined;
      return written ? { path: path.slice(0, i), value: node } : { path, value: undefined };
    }
    node = (node as Record<PropertyKey, unknown>)[p];
  }
  return { path, value: node };
}

/** zod reports an integer's safe range beside the schema's own bound: keep the tighter one. */
function looser(iss: z.core.$ZodIssue, all: readonly z.core.$ZodIssue[]): boolean {
  if (iss.code !== 'too_big') return false;
  return all.some(
    (o) =>
      o !== iss &&
      o.code === 'too_big' &&
      formatPath(o.path) === formatPath(iss.path) &&
      Number(o.maximum) < Number(iss.maximum),
  );
}

const typeName: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  int: 'an integer',
};

export function zodIssuesToConfigIssues(error: z.ZodError, raw: unknown, schema?: z.ZodType): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const iss of error.issues) {
    if (looser(iss, error.issues)) continue;
    const at = locate(raw, iss.path);
    const path = formatPath(at.path);
    const value = at.value;
    const show = (v: unknown) => showValue(v, at.path);
    let message: string;
    // An endpoint is never quoted: its user info is a password, its query may be a token.
    if (/endpoint_url$/.test(path) && typeof value === 'string') {
      if (out.some((o) => o.path === path)) continue;
      out.push({
        path,
        message: `${endpointShapeProblem(value) ?? 'is not allowed'}; allowed: ${ENDPOINT_SHAPE}`,
      });
      continue;
    }
    switch (iss.code) {
      case 'unrecognized_keys':
        for (const key of iss.keys) {
          const near = schema ? closestKey(key, keysAt(schema, iss.path)) : undefined;
          const shownKey = quoteKey(key).slice(1, -1);
          out.push({
            path: path ? `${path}.${shownKey}` : shownKey,
            message: near
              ? `unknown key ${quoteKey(key)} (did you mean '${near}'?)`
              : `unknown key ${quoteKey(key)} (see the README config reference)`,
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
        message = Array.isArray(value)
          ? `has ${value.length} entries; allowed: <= ${String(iss.maximum)}`
          : `${show(value)} is too large; allowed: ${iss.inclusive === false ? '<' : '<='} ${String(iss.maximum)}`;
        break;
      case 'invalid_union':
        // A discriminated union (a distribution's `type`) lists its options.
        message =
          'options' in iss && Array.isArray(iss.options)
            ? `${show(value)} is not allowed; allowed: ${iss.options.map(String).join(', ')}`
            : `${show(value)} is not ${PATH_HINTS.find(([re]) => re.test(path))?.[1] ?? 'valid here (see the README config reference)'}`;
        break;
      case 'invalid_format':
        message = `${show(value)}: ${iss.message}`;
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
