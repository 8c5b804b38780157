/**
 * Workload loading: YAML text → DLIO normalisation → overrides → schema →
 * cross-field rules → resolved `Workload`. Pure apart from `loadWorkload`'s read.
 */
import { stringify } from 'yaml';
import { ConfigError } from '../errors.ts';
import { assertCoveredWorkload } from './coverage.ts';
import { normalizeDlioKeys } from './dlio.ts';
import { extractHydra, type HydraSettings } from './hydra.ts';
import { zodIssuesToConfigIssues } from './issues.ts';
import { applyOverride, parseOverride } from './overrides.ts';
import { crossFieldIssues } from './rules.ts';
import { resolveWorkload, workloadSchema } from './schema.ts';
import { CREDENTIAL_KEYS, REDACTED, redactUrl, scrubSecrets, secretsIn } from './secrets.ts';
import type { ColumnSpec, Workload } from './types.ts';
import { parseYamlMapping, readInputText } from './yaml-input.ts';

export interface ParsedWorkload {
  workload: Workload;
  /** One sentence per DLIO key pqbench ignores, and similar notices (printers add the `notice:` label). */
  notices: string[];
  /** Hydra's settings from `++hydra.*` overrides (or a `hydra:` section). */
  hydra: HydraSettings;
  /**
   * The document as Hydra composes it — the file with the overrides applied,
   * before any pqbench rewriting — which dlio_benchmark saves as
   * <hydra.output_subdir>/config.yaml. May hold credentials: redact before writing.
   */
  composed: Record<string, unknown>;
}

export interface ParseOptions {
  overrides?: string[];
  /** File name for messages. */
  source?: string;
  /** An empty document takes every default (true), or is an error (false: what a workload file on disk gets). */
  allowEmpty?: boolean;
  /**
   * Defaults of the command (dotted path → value), taken where neither the
   * file nor an override gives the key: `pqbench dlio` reads as the fork does.
   */
  defaults?: Record<string, unknown>;
}

export function parseWorkload(text: string, opts: ParseOptions = {}): ParsedWorkload {
  const raw = parseYamlMapping(text, opts.source, { allowEmpty: opts.allowEmpty });
  return resolveRaw(raw, opts);
}

export function resolveRaw(raw: Record<string, unknown>, opts: ParseOptions = {}): ParsedWorkload {
  try {
    return resolveUnscrubbed(raw, opts);
  } catch (e) {
    // No message repeats a secret the document holds, whatever path it came by (SPEC §8).
    if (!(e instanceof ConfigError)) throw e;
    const secrets = secretsIn(raw);
    const issues = e.issues.map((i) => ({ path: i.path, message: scrubSecrets(i.message, secrets) }));
    throw new ConfigError(issues, e.source);
  }
}

function resolveUnscrubbed(raw: Record<string, unknown>, opts: ParseOptions): ParsedWorkload {
  // Overrides first so that `++workload.reader.pin_memory=…` is treated like the file's key.
  for (const o of opts.overrides ?? []) applyOverride(raw, parseOverride(o));
  const hydra = extractHydra(raw);
  const composed = structuredClone(raw);
  assertCoveredWorkload(raw, opts.source);
  const dlio = normalizeDlioKeys(raw);
  for (const [path, value] of Object.entries(opts.defaults ?? {})) applyDefault(raw, path.split('.'), value);
  const notices = [...hydra.notices, ...dlio.notices];
  const result = workloadSchema.safeParse(raw);
  const issues = [...hydra.issues, ...dlio.issues];
  if (!result.success) issues.push(...zodIssuesToConfigIssues(result.error, raw, workloadSchema));
  if (issues.length > 0 || !result.success) throw new ConfigError(issues, opts.source);
  const cross = crossFieldIssues(result.data);
  if (cross.length > 0) throw new ConfigError(cross, opts.source);
  const w = resolveWorkload(result.data);
  const lvl = w.dataset.compression_level;
  if (
    lvl !== null &&
    ['none', 'snappy', 'lz4'].includes(w.dataset.compression) &&
    userSetCompressionLevel(raw)
  ) {
    notices.push(`dataset.compression_level ${lvl} has no effect with compression ${w.dataset.compression}`);
  }
  return { workload: w, notices, hydra: hydra.hydra, composed };
}

/** Sets `path` to `value` unless a value is there; never replaces a non-mapping on the way. */
function applyDefault(raw: Record<string, unknown>, path: string[], value: unknown): void {
  let node = raw;
  for (const part of path.slice(0, -1)) {
    if (node[part] === undefined || node[part] === null) node[part] = {};
    const next = node[part];
    if (typeof next !== 'object' || Array.isArray(next)) return;
    node = next as Record<string, unknown>;
  }
  const leaf = path[path.length - 1] as string;
  if (node[leaf] === undefined) node[leaf] = value;
}

/** compression_level only earns a notice when the user wrote it (DLIO's default is 4). */
function userSetCompressionLevel(raw: Record<string, unknown>): boolean {
  const ds = raw.dataset;
  return typeof ds === 'object' && ds !== null && 'compression_level' in ds;
}

export async function loadWorkload(
  path: string,
  overrides: string[] = [],
  defaults?: Record<string, unknown>,
): Promise<ParsedWorkload> {
  return parseWorkload(await readInputText(path), { overrides, source: path, allowEmpty: false, defaults });
}

/** A workload with every default, for tests and programmatic use. */
export function defaultWorkload(overrides: string[] = []): Workload {
  return resolveRaw({}, { overrides }).workload;
}

/** The configured columns, or the single `data` binary column of record_length_bytes when none are. */
export function effectiveColumns(w: Workload): ColumnSpec[] {
  const cols = w.dataset.parquet.columns;
  if (cols.length > 0) return cols;
  // DLIO accepts a fractional record length; a byte count is whole.
  const size = Math.max(1, Math.round(w.dataset.record_length_bytes));
  return [{ name: 'data', dtype: 'binary', size, read: true }];
}

/** Columns a reader fetches: `read: true`. */
export function projectedColumns(w: Workload): ColumnSpec[] {
  return effectiveColumns(w).filter((c) => c.read);
}

/** The resolved workload as YAML, with secrets removed. */
export function workloadToYaml(w: Workload): string {
  return stringify(redactWorkload(w), { lineWidth: 0 });
}

/** A copy safe to print or store: credential values and the endpoint's user info replaced by <redacted>. */
export function redactWorkload(w: Workload): Workload {
  const options = { ...w.storage.storage_options };
  for (const key of CREDENTIAL_KEYS) {
    if (options[key] !== undefined) options[key] = REDACTED;
  }
  if (options.endpoint_url !== undefined) options.endpoint_url = redactUrl(options.endpoint_url);
  return { ...w, storage: { ...w.storage, storage_options: options } };
}
