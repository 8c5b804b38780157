/**
 * Credentials never leave the process (SPEC §8): the one place that knows
 * what a secret looks like in a workload — a value under a credential key
 * (access_key_id, secret_access_key, session_token, or anything named like a
 * password/secret/token) and the user info of a URL (`http://user:PASS@host`)
 * — and removes it from whatever is printed or written: the resolved config,
 * Hydra's composed config and overrides, and validation messages.
 */
import { isMap } from './raw.ts';

export const REDACTED = '<redacted>';

/** The storage_options keys that hold credentials. */
export const CREDENTIAL_KEYS = ['access_key_id', 'secret_access_key', 'session_token'] as const;

/** A key whose value is a secret wherever it appears. */
const SECRET_KEY = /secret|access_key|session_token|password|passwd|credential|(^|_)token$/i;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

/** A path (dotted, or its parts) that runs through a secret key. */
export function isSecretPath(path: readonly PropertyKey[] | string): boolean {
  const parts = typeof path === 'string' ? path.split(/[.[\]]/) : path;
  return parts.some((p) => typeof p === 'string' && isSecretKey(p));
}

/**
 * `scheme://userinfo@` — the user info runs to the last '@' before the path,
 * so a '/' or '@' inside a password (which makes the URL unparseable) is
 * still covered.
 */
// A scheme is at most 32 characters: unbounded, every position of a long word would rescan the rest (quadratic).
const USERINFO = /([a-z][a-z0-9+.-]{0,31}:\/\/)([^\s'"]*)@/gi;

/** Text with every URL's user info replaced by <redacted>. */
export function redactUrl(text: string): string {
  return text.replace(USERINFO, `$1${REDACTED}@`);
}

/** The user info of every URL in `text`: the whole, user and password, raw and percent-decoded. */
function userinfoSecrets(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(USERINFO)) {
    const info = m[2] as string;
    for (const part of [info, ...info.split(':')]) {
      out.push(part);
      try {
        out.push(decodeURIComponent(part));
      } catch {
        // Not percent-encoded text: the raw part is enough.
      }
    }
  }
  return out;
}

/** A deep copy with secret keys' values replaced and URL user info removed from every string. */
export function redactSecrets<T>(value: T): T {
  return redactValue(value, new Map()) as T;
}

function redactValue(value: unknown, seen: Map<object, unknown>): unknown {
  if (typeof value === 'string') return redactUrl(value);
  if (value === null || typeof value !== 'object') return value;
  const done = seen.get(value);
  if (done !== undefined) return done;
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const v of value) out.push(redactValue(v, seen));
    return out;
  }
  const out: Record<string, unknown> = {};
  seen.set(value, out);
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretKey(k) && v !== undefined && v !== null ? REDACTED : redactValue(v, seen);
  }
  return out;
}

/**
 * Every secret value a raw document holds, as text: values under secret keys
 * (numbers and list elements too — a mistyped secret is still a secret) and
 * URL user info. Longest first, so that scrubbing a secret never leaves part
 * of a longer one.
 */
export function secretsIn(raw: unknown): string[] {
  const found = new Set<string>();
  const visit = (value: unknown, secret: boolean, seen: Set<object>) => {
    if (typeof value === 'string') {
      if (secret) found.add(value);
      for (const s of userinfoSecrets(value)) found.add(s);
      return;
    }
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
      if (secret) found.add(String(value));
      return;
    }
    if (value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) for (const v of value) visit(v, secret, seen);
    else if (isMap(value))
      for (const [k, v] of Object.entries(value)) visit(v, secret || isSecretKey(k), seen);
  };
  visit(raw, false, new Set());
  // Very short values (a boolean, `1`) would blank out unrelated text; none is a credential.
  return [...found].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
}

/** `text` with each of `secrets` (and any URL user info) replaced by <redacted>. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = redactUrl(text);
  for (const s of secrets) out = out.split(s).join(REDACTED);
  return out;
}

/**
 * An override as it may be printed: the value of a secret key's override
 * removed, URL user info removed from the rest. Takes `--set` and Hydra forms.
 */
export function redactOverride(text: string): string {
  const eq = text.indexOf('=');
  if (eq > 0 && isSecretPath(text.slice(0, eq))) return `${text.slice(0, eq)}=${REDACTED}`;
  return redactUrl(text);
}
