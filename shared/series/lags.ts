/**
 * Lagged copies of a column: `<name>_lag<k>` holds the value k steps earlier. Lags are computed over the
 * whole series in time order, so a held-out row's lags are the real preceding values; the first rows that lack
 * a full lag history get NaN and are dropped by the caller. Porting note: upstream dropped `n_lags` rows where
 * `n_lags · step` are incomplete; we drop the right number.
 */

export function lagNames(column: string, lags: number, step: number): string[] {
  return Array.from({ length: lags }, (_, i) => `${column}_lag${(i + 1) * step}`);
}

export function lagged(values: Float64Array, distance: number): Float64Array {
  const out = new Float64Array(values.length).fill(NaN);
  out.set(values.subarray(0, Math.max(0, values.length - distance)), distance);
  return out;
}
