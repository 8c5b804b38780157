/**
 * "Did you mean": the keys a schema allows at a path, and the one closest to
 * a mistyped key. Walks zod's definitions (defaults, optionals, preprocess
 * pipes, arrays) down to the object that rejected the key.
 */
import type { z } from 'zod';

interface Def {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  out?: z.ZodType;
  element?: z.ZodType;
  options?: z.ZodType[];
}

const defOf = (schema: z.ZodType): Def => (schema as unknown as { _zod: { def: Def } })._zod.def;

function objectsOf(schema: z.ZodType | undefined, depth = 0): Def[] {
  if (!schema || depth > 20) return [];
  const def = defOf(schema);
  if (def.type === 'object') return [def];
  const inner = [def.innerType, def.out, def.in, ...(def.options ?? [])];
  return inner.flatMap((s) => objectsOf(s, depth + 1));
}

/** The keys allowed at `path` (numbers step into lists). */
export function keysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  let nodes: z.ZodType[] = [schema];
  for (const p of path) {
    nodes = nodes.flatMap((n) => {
      if (typeof p === 'number') return elementsOf(n);
      return objectsOf(n).flatMap((d) => (d.shape?.[String(p)] ? [d.shape[String(p)] as z.ZodType] : []));
    });
  }
  return [...new Set(nodes.flatMap((n) => objectsOf(n).flatMap((d) => Object.keys(d.shape ?? {}))))];
}

function elementsOf(schema: z.ZodType, depth = 0): z.ZodType[] {
  if (depth > 20) return [];
  const def = defOf(schema);
  if (def.type === 'array' && def.element) return [def.element];
  return [def.innerType, def.out, def.in, ...(def.options ?? [])]
    .filter((s): s is z.ZodType => s !== undefined)
    .flatMap((s) => elementsOf(s, depth + 1));
}

/** Edits between two words, a swap of neighbours counting as one (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => (d[i] as number[])[j] as number;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = best;
    }
  }
  return at(a.length, b.length);
}

/** The closest allowed key, when one is close enough to be a typo (or the key is a part of it). */
export function closestKey(key: string, allowed: readonly string[]): string | undefined {
  const lower = key.toLowerCase();
  let best: { key: string; distance: number } | undefined;
  for (const candidate of allowed) {
    // The distance is at least the difference in length, and more than 3 is never a typo (a 300 kB key stays cheap).
    if (Math.abs(lower.length - candidate.length) > 3) continue;
    const distance = editDistance(lower, candidate.toLowerCase());
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  if (!best) return undefined;
  const limit = Math.max(1, Math.min(3, Math.floor(best.key.length / 3)));
  if (best.distance <= limit) return best.key;
  return allowed.find((k) => lower.length >= 4 && (k.startsWith(lower) || lower.startsWith(k)));
}
