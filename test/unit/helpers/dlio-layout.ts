/**
 * Comparing a JSON document with a DLIO layout reconstructed from the
 * MLCommons DLIO fork (utils/statscounter.py): the same keys with the types
 * Python's json.dump gives them.
 */

/** DLIO's utcnow() format: "%Y-%m-%dT%H:%M:%S.%f", local time, no zone. */
export const DLIO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;

/** JSON type of a value as DLIO's json.dump would give it: list<…>, dict<…>, integer, number, string. */
export function jsonType(v: unknown): string {
  if (Array.isArray(v)) return `list<${v.length === 0 ? '?' : jsonType(v[0])}>`;
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'object') {
    const types = new Set(Object.values(v as object).map(jsonType));
    return `dict<${[...types].join('|')}>`;
  }
  return typeof v;
}

/** Whether `ours` can stand where DLIO writes `dlio`: a float key may hold a whole number, an empty list any list. */
export function sameType(ours: unknown, dlio: unknown): boolean {
  const a = jsonType(ours);
  const b = jsonType(dlio);
  if (a === b) return true;
  if (b === 'number' && a === 'integer') return true;
  if (b === 'list<number>' && (a === 'list<integer>' || a === 'list<?>')) return true;
  if (b.startsWith('list<') && a === 'list<?>') return true;
  return false;
}

/** Every DLIO key of `dlio` (and of its metric) present in `ours` with DLIO's type; differences as text. */
export function layoutDifferences(ours: Record<string, unknown>, dlio: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(dlio)) {
    if (!(key in ours)) out.push(`missing ${key}`);
    else if (key === 'metric')
      out.push(
        ...layoutDifferences(ours.metric as Record<string, unknown>, value as Record<string, unknown>).map(
          (d) => `metric.${d}`,
        ),
      );
    else if (!sameType(ours[key], value)) out.push(`${key}: ${jsonType(ours[key])}, DLIO ${jsonType(value)}`);
  }
  return out;
}
