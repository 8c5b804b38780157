/**
 * Command-line overrides: `--set reader.batch_size=64`, or Hydra-style
 * `++workload.reader.batch_size=64` as DLIO users type them. Values are YAML
 * scalars (`64`, `true`, `null`, `[a, b]`). Applied to the raw document before
 * validation, so an override of an unknown key is the same error as in a file.
 */
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.ts';
import { quote, quoteKey } from './quote.ts';
import { redactOverride } from './secrets.ts';

type Raw = Record<string, unknown>;

export interface Override {
  path: string[];
  value: unknown;
  text: string;
}

/**
 * An override without '=' as it may be quoted: its leading key path only, so
 * that a value typed after a wrong separator (`…secret_access_key:VALUE`)
 * is never printed.
 */
function quoteMalformed(text: string): string {
  const key = /^[+A-Za-z0-9_.[\]-]*/.exec(text)?.[0] ?? '';
  const shown = key.length > 80 ? `${key.slice(0, 77)}...` : key;
  if (shown === '') return 'an override';
  return `override '${shown}${shown.length < text.length ? '…' : ''}'`;
}

export function parseOverride(text: string): Override {
  const eq = text.indexOf('=');
  if (eq <= 0) {
    throw new ConfigError(
      [{ path: '', message: `${quoteMalformed(text)} must look like key.path=value` }],
      '--set',
    );
  }
  let key = text.slice(0, eq).trim();
  key = key.replace(/^\+{1,2}/, '').replace(/^workload\./, '');
  const valueText = text.slice(eq + 1);
  let value: unknown;
  try {
    value = valueText === '' ? '' : parseYaml(valueText);
  } catch {
    value = valueText;
  }
  const path = key.split('.').filter((p) => p !== '');
  if (path.length === 0 || path.some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype')) {
    throw new ConfigError(
      [{ path: key, message: `override ${quote(redactOverride(text))} has an invalid key path` }],
      '--set',
    );
  }
  return { path, value, text };
}

export function applyOverride(raw: Raw, o: Override): void {
  let node: unknown = raw;
  for (let i = 0; i < o.path.length - 1; i++) {
    const part = o.path[i]!;
    const container = node as Raw | unknown[];
    if (Array.isArray(container)) {
      const idx = Number(part);
      if (!Number.isInteger(idx) || idx < 0 || idx >= container.length) {
        throw new ConfigError(
          [
            {
              path: o.path.slice(0, i + 1).join('.'),
              message: `no list element ${part} (list has ${container.length})`,
            },
          ],
          '--set',
        );
      }
      node = container[idx];
      continue;
    }
    let next = container[part];
    if (next === undefined || next === null) {
      next = {};
      container[part] = next;
    }
    if (typeof next !== 'object') {
      throw new ConfigError(
        [
          {
            path: o.path.slice(0, i + 1).join('.'),
            message: `is a ${typeof next}, cannot set ${quoteKey(String(o.path[i + 1]))} under it`,
          },
        ],
        '--set',
      );
    }
    node = next;
  }
  const leaf = o.path[o.path.length - 1]!;
  if (Array.isArray(node)) {
    const idx = Number(leaf);
    if (!Number.isInteger(idx) || idx < 0 || idx > node.length) {
      throw new ConfigError([{ path: o.path.join('.'), message: `no list element ${leaf}` }], '--set');
    }
    node[idx] = o.value;
  } else {
    (node as Raw)[leaf] = o.value;
  }
}
