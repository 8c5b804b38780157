/**
 * The one way a config message quotes what the user wrote — a value, a key,
 * a column or folder name: never a secret (a value under a credential key,
 * a URL's user info, a string that names a credential key), never more than
 * QUOTE_CHARS characters, so that a 300 kB value gives a short line.
 */
import { isSecretKey, isSecretPath, REDACTED, redactSecrets, redactUrl } from './secrets.ts';

/** What a quoted value keeps; the rest becomes '...'. */
export const QUOTE_CHARS = 60;

function cut(text: string): string {
  return text.length > QUOTE_CHARS ? `${text.slice(0, QUOTE_CHARS - 3)}...` : text;
}

/** A string as a message shows it: `'text'`, URL user info removed, cut to QUOTE_CHARS. */
export function quote(text: string): string {
  return `'${cut(isSecretKey(text) ? REDACTED : redactUrl(text))}'`;
}

/** A key (a name, not a value) as a message shows it: `'key'`, cut to QUOTE_CHARS. */
export function quoteKey(key: string): string {
  return `'${cut(redactUrl(key))}'`;
}

/**
 * Any value as a message shows it (`path`: where it was found, so a value
 * under a credential key is described, not shown): a string quoted, anything
 * else as JSON, cut to QUOTE_CHARS.
 */
export function showValue(v: unknown, path: readonly PropertyKey[] | string = []): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  if (isSecretPath(path))
    return `the value (${REDACTED}, ${typeof v === 'object' && v !== null ? (Array.isArray(v) ? 'a list' : 'a mapping') : `a ${typeof v}`})`;
  if (typeof v === 'string') return quote(v);
  // A string that names a credential key is likely `key value` with its colon missing.
  const hidden = (t: string) => (isSecretKey(t) ? REDACTED : redactUrl(t));
  return cut(
    JSON.stringify(redactSecrets(v), (_k, x) => (typeof x === 'string' ? hidden(x) : x)) ?? String(v),
  );
}
