/**
 * Forecasting past the end of the data. The model needs its input features on future rows: the time features
 * follow from the timestamps (computed and scaled as preprocess did), the target is filled with the model's own
 * forecasts as it goes (recursive beyond one horizon), and every other feature holds its last known value —
 * the same assumption upstream FLTS's recursive mode made.
 */
import type { Forecaster } from '../../shared/series/evaluation.js';
import type { SeriesFrame } from '../../shared/series/frame.js';
import type { PreprocessingManifest } from '../../shared/series/manifest.js';
import { scaleValues } from '../../shared/series/scaler.js';
import { TIME_FEATURE_NAMES, timeFeatures } from '../../shared/series/time-features.js';

export interface FutureForecast {
  /** Timestamps of the forecast steps (epoch ms). */
  time: Float64Array;
  /** Scaled forecasts of the target, one per step. */
  scaled: Float64Array;
}

/** `steps` forecasts after the last row of `frame` (scaled), `horizon` at a time. */
export async function forecastFuture(frame: SeriesFrame, manifest: PreprocessingManifest, forecaster: Forecaster, steps: number): Promise<FutureForecast> {
  const n = frame.time.length;
  const extended = extendFrame(frame, manifest, steps);
  const target = extended.columns[manifest.target]!;
  const scaled = new Float64Array(steps);
  for (let done = 0; done < steps; done += manifest.horizon) {
    const origin = n - 1 + done;
    const values = await forecaster(extended, Int32Array.of(origin));
    for (let h = 0; h < manifest.horizon && done + h < steps; h++) {
      scaled[done + h] = values[h]!;
      target[origin + 1 + h] = values[h]!;
    }
  }
  return { time: extended.time.slice(n, n + steps), scaled };
}

/** `frame` followed by `steps` future rows (NaN target, held features, computed time features). */
export function extendFrame(frame: SeriesFrame, manifest: PreprocessingManifest, steps: number): SeriesFrame {
  const n = frame.time.length;
  const total = n + steps + manifest.horizon;
  const time = new Float64Array(total);
  time.set(frame.time);
  for (let k = n; k < total; k++) time[k] = frame.time[n - 1]! + (k - n + 1) * manifest.frequencyMs;
  const future = timeFeatures(time.subarray(n));
  const columns: Record<string, Float64Array> = {};
  for (const name of frame.names) {
    const values = new Float64Array(total);
    values.set(frame.columns[name]!);
    if (name === manifest.target) values.fill(NaN, n);
    else if ((TIME_FEATURE_NAMES as readonly string[]).includes(name)) {
      const raw = future[name as (typeof TIME_FEATURE_NAMES)[number]];
      const scale = manifest.scaler.columns[name];
      values.set(scale ? scaleValues(raw, scale) : raw, n);
    } else values.fill(frame.columns[name]![n - 1]!, n);
    columns[name] = values;
  }
  return { time, names: [...frame.names], columns };
}
