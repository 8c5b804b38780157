/** The workload document before validation: YAML mappings as plain objects. */
export type Raw = Record<string, unknown>;

export function isMap(v: unknown): v is Raw {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
