/**
 * The spread of repeated measurements (a sweep's repeats, a group of runs in
 * `compare`): mean and sample standard deviation (n − 1), over the values
 * that are known. Per-epoch figures use the population stdev, as DLIO does
 * (au.ts); repeats are a sample of what the setup does, so n − 1.
 */
export interface Spread {
  mean: number | null;
  /** Null below two known values. */
  stdev: number | null;
  /** Known values. */
  count: number;
}

export function meanAndSpread(values: (number | null)[]): Spread {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (known.length === 0) return { mean: null, stdev: null, count: 0 };
  const mean = known.reduce((a, b) => a + b, 0) / known.length;
  if (known.length < 2) return { mean, stdev: null, count: known.length };
  const variance = known.reduce((acc, v) => acc + (v - mean) ** 2, 0) / (known.length - 1);
  return { mean, stdev: Math.sqrt(variance), count: known.length };
}
