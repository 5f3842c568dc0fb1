/**
 * Fills missing values (NaN) column by column. "time" interpolates linearly in time between the nearest
 * known values and carries the first/last known value to the edges; "mean" uses a given mean (the training
 * split's, so held-out data never informs training); "ffill" carries the last known value forward (leading
 * gaps take the first known value). Rows with any NaN are removed by `dropMissingRows` instead.
 *
 * A column with nothing missing is returned as it is, not copied, and one the caller owns may be filled in place
 * (`inPlace`): a large file's columns then cost their memory about once.
 */
import type { SeriesFrame } from './frame.js';
import { takeRows } from './regularize.js';

export function interpolateTime(time: ArrayLike<number>, values: Float64Array, inPlace = false): Float64Array {
  if (!hasMissing(values)) return values;
  // In place is the same: only missing values are written, from known ones.
  const out = inPlace ? values : Float64Array.from(values);
  let previous = -1;
  for (let i = 0; i < out.length; i++) {
    if (Number.isNaN(out[i]!)) continue;
    if (previous === -1) {
      for (let j = 0; j < i; j++) out[j] = out[i]!;
    } else if (i - previous > 1) {
      const t0 = time[previous]!;
      const span = time[i]! - t0;
      for (let j = previous + 1; j < i; j++) out[j] = out[previous]! + ((out[i]! - out[previous]!) * (time[j]! - t0)) / span;
    }
    previous = i;
  }
  if (previous >= 0) for (let j = previous + 1; j < out.length; j++) out[j] = out[previous]!;
  return out;
}

export function fillForward(values: Float64Array): Float64Array {
  if (!hasMissing(values)) return values;
  const out = Float64Array.from(values);
  const first = out.findIndex((value) => !Number.isNaN(value));
  if (first === -1) return out;
  for (let i = 0; i < out.length; i++) {
    if (Number.isNaN(out[i]!)) out[i] = i < first ? out[first]! : out[i - 1]!;
  }
  return out;
}

export function fillConstant(values: Float64Array, value: number, inPlace = false): Float64Array {
  if (!hasMissing(values)) return values;
  if (!inPlace) return values.map((v) => (Number.isNaN(v) ? value : v));
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i]!)) values[i] = value;
  return values;
}

/** The mean of the finite values (NaN when there are none). */
export function finiteMean(values: ArrayLike<number>): number {
  let sum = 0;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isFinite(v)) {
      sum += v;
      count++;
    }
  }
  return count > 0 ? sum / count : NaN;
}

/** The number of NaN values. */
/** Whether any value is NaN; stops at the first. */
export function hasMissing(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i]!)) return true;
  return false;
}

/** Whether every value is NaN (true for none); stops at the first that is not. */
export function allMissing(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i]!)) return false;
  return true;
}

export function countMissing(values: ArrayLike<number>): number {
  let count = 0;
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i]!)) count++;
  return count;
}

/** `frame` without the rows where any column is NaN. */
export function dropMissingRows(frame: SeriesFrame): { frame: SeriesFrame; dropped: number } {
  const keep = new Uint32Array(frame.time.length);
  let kept = 0;
  for (let i = 0; i < frame.time.length; i++) {
    if (frame.names.every((name) => !Number.isNaN(frame.columns[name]![i]!))) keep[kept++] = i;
  }
  return { frame: takeRows(frame, keep.subarray(0, kept)), dropped: frame.time.length - kept };
}
