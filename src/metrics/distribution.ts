/**
 * A small summary of a set of timings (start slack, init time, skew …):
 * count, min, median, p99, max — what cloud.json and hosts.json report for
 * their readers and ranks. Nearest-rank percentiles; null when empty.
 */
export interface Distribution {
  count: number;
  min: number | null;
  median: number | null;
  p99: number | null;
  max: number | null;
}

export function distribution(values: number[]): Distribution {
  if (values.length === 0) return { count: 0, min: null, median: null, p99: null, max: null };
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) => v[Math.min(v.length - 1, Math.ceil(q * v.length) - 1)] as number;
  return {
    count: v.length,
    min: v[0] as number,
    median: at(0.5),
    p99: at(0.99),
    max: v[v.length - 1] as number,
  };
}
