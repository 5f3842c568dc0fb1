/**
 * The feature columns preprocess derives — cyclical time features from the timestamps, lags of the target — rebuilt
 * from a model's manifest on rows past the data, with the functions preprocess uses (time-features.ts, lags.ts)
 * and scaled with the manifest's scaler. A recursive forecast fills the target as it goes and rebuilds the lags
 * from it, so no lag is ever held at a stale value.
 */
import type { SeriesFrame } from './frame.js';
import { lagDistance } from './lags.js';
import type { PreprocessingManifest } from './manifest.js';
import { columnScale, scaleValues, unscaleValues } from './scaler.js';
import { TIME_FEATURE_NAMES, timeFeatures, type TimeFeatureName } from './time-features.js';

/** The manifest's features that are derived, by kind. */
export interface DerivedFeatures {
  time: TimeFeatureName[];
  lags: { name: string; distance: number }[];
}

export function derivedFeatures(manifest: PreprocessingManifest): DerivedFeatures {
  const time = manifest.features.filter((name): name is TimeFeatureName => (TIME_FEATURE_NAMES as readonly string[]).includes(name));
  const lags = manifest.features.flatMap((name) => {
    const distance = lagDistance(name, manifest.target);
    return distance === undefined ? [] : [{ name, distance }];
  });
  return { time, lags };
}

/** Sets the time features of rows [from, to) of `frame` from its timestamps (scaled as the model saw them). */
export function fillTimeFeatures(frame: SeriesFrame, manifest: PreprocessingManifest, from: number, to: number): void {
  const names = derivedFeatures(manifest).time;
  if (names.length === 0 || to <= from) return;
  const raw = timeFeatures(frame.time.subarray(from, to));
  for (const name of names) {
    const scale = manifest.scaler.columns[name];
    frame.columns[name]!.set(scale ? scaleValues(raw[name], scale) : raw[name], from);
  }
}

/**
 * Sets the target lags of rows [from, to) of `frame` from its target column: `<target>_lag<k>` at time t is the
 * target at t − k steps, found by time (NaN where the frame has no row then), unscaled with the target's scale and
 * scaled with the lag column's own (preprocess fitted one per column).
 */
export function fillLags(frame: SeriesFrame, manifest: PreprocessingManifest, from: number, to: number): void {
  const { lags } = derivedFeatures(manifest);
  if (lags.length === 0 || to <= from) return;
  const target = frame.columns[manifest.target]!;
  const targetScale = columnScale(manifest.scaler, manifest.target);
  for (const { name, distance } of lags) {
    const lagScale = columnScale(manifest.scaler, name);
    const values = frame.columns[name]!;
    for (let row = from; row < to; row++) {
      const source = rowAt(frame.time, frame.time[row]! - distance * manifest.frequencyMs, row);
      const raw = source < 0 ? NaN : unscaleValues([target[source]!], targetScale)[0]!;
      values[row] = scaleValues([raw], lagScale)[0]!;
    }
  }
}

/** The row of `time` (strictly increasing) equal to `wanted`, searched before `before`; −1 when there is none. */
function rowAt(time: Float64Array, wanted: number, before: number): number {
  let lo = 0;
  let hi = before - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const t = time[mid]!;
    if (t === wanted) return mid;
    if (t < wanted) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
