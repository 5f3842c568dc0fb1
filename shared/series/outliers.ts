/**
 * Outlier clipping bounds, as upstream FLTS: "iqr" clips to [Q1 − f·IQR, Q3 + f·IQR]; "percentile" to the
 * f and 1 − f quantiles. Bounds are computed on the training split and applied to every split.
 */
import { quantileSorted } from './scaler.js';

export function clipBounds(values: ArrayLike<number>, method: 'iqr' | 'percentile', factor: number): [number, number] {
  const sorted = Float64Array.from(Array.from(values).filter(Number.isFinite)).sort();
  if (method === 'percentile') return [quantileSorted(sorted, factor), quantileSorted(sorted, 1 - factor)];
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  return [q1 - factor * (q3 - q1), q3 + factor * (q3 - q1)];
}

/** Values clipped to [low, high]; returns how many changed. NaN stays NaN. */
export function clip(values: Float64Array, [low, high]: [number, number]): { values: Float64Array; clipped: number } {
  let clipped = 0;
  const out = values.map((v) => {
    if (v < low) {
      clipped++;
      return low;
    }
    if (v > high) {
      clipped++;
      return high;
    }
    return v;
  });
  return { values: out, clipped };
}
