/**
 * Lagged copies of a column: `<name>_lag<k>` holds the value k steps earlier. Lags are computed over the
 * whole series in time order, so a held-out row's lags are the real preceding values; rows that lack a full lag
 * history (the first ones, and any whose history falls in a gap) get NaN and are dropped by the caller. Porting
 * note: upstream dropped `n_lags` rows where `n_lags · step` are incomplete; we drop the right number.
 */

export function lagNames(column: string, lags: number, step: number): string[] {
  return Array.from({ length: lags }, (_, i) => `${column}_lag${(i + 1) * step}`);
}

/** The inverse of `lagNames`: how many steps back `<column>_lag<k>` looks, or undefined when `name` is not a lag of `column`. */
export function lagDistance(name: string, column: string): number | undefined {
  const prefix = `${column}_lag`;
  if (!name.startsWith(prefix)) return undefined;
  const steps = Number(name.slice(prefix.length));
  return Number.isInteger(steps) && steps > 0 ? steps : undefined;
}

export function lagged(values: Float64Array, distance: number): Float64Array {
  const out = new Float64Array(values.length).fill(NaN);
  // A distance past the end leaves every row without history (TypedArray.set would throw a RangeError).
  if (distance < values.length) out.set(values.subarray(0, values.length - distance), distance);
  return out;
}

/**
 * The value exactly `distanceMs` earlier in time, as pandas' `shift(k, freq=…)` aligned back on the index: NaN
 * where the series has no row at that time (rows dropped, or a stretch between two files). `time` is strictly
 * increasing.
 */
export function laggedInTime(time: ArrayLike<number>, values: Float64Array, distanceMs: number): Float64Array {
  const out = new Float64Array(values.length).fill(NaN);
  let j = 0;
  for (let i = 0; i < values.length; i++) {
    const wanted = time[i]! - distanceMs;
    while (time[j]! < wanted) j++;
    if (time[j] === wanted) out[i] = values[j]!;
  }
  return out;
}
