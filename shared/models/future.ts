/**
 * Forecasting past the end of the data, for any model: the frame is extended by the future rows, their time
 * features computed from the timestamps and their target lags rebuilt from the forecasts as they are made
 * (shared/series/derived.ts, the code preprocess derives them with); the target is filled with the model's own
 * forecasts, `horizon` steps at a time (recursive beyond one horizon). Observed features that cannot be derived
 * hold their last known value — the assumption upstream FLTS's recursive mode made.
 */
import { DataError } from '../errors.js';
import { fillLags, fillTimeFeatures, derivedFeatures } from '../series/derived.js';
import type { SeriesFrame } from '../series/frame.js';
import type { PreprocessingManifest } from '../series/manifest.js';
import type { Model } from './adapter.js';

export interface FutureForecast {
  /** Timestamps of the forecast steps (epoch ms). */
  time: Float64Array;
  /** Scaled forecasts of the target, one per step. */
  scaled: Float64Array;
  /** The model's interval around them (scaled), when it has one. */
  lower?: Float64Array;
  upper?: Float64Array;
  /** The frame with the future rows as the model saw them (target filled with the forecasts). */
  frame: SeriesFrame;
}

/** `steps` scaled forecasts after the last row of `frame`. */
export async function forecastFuture(model: Model, frame: SeriesFrame, steps: number): Promise<FutureForecast> {
  const { manifest } = model;
  const n = frame.time.length;
  if (n === 0) throw new DataError('There is no data to forecast from.');
  const extended = extendFrame(frame, manifest, steps);
  const target = extended.columns[manifest.target]!;
  const total = extended.time.length;
  const H = manifest.horizon;
  const chunk = stepsPerCall(model);
  const scaled = new Float64Array(steps);
  const bounds = model.interval && { lower: new Float64Array(steps), upper: new Float64Array(steps) };
  for (let done = 0, round = 0; done < steps; done += chunk, round++) {
    const origin = n - 1 + done;
    const last = Math.min(origin + H + 1, total);
    fillLags(extended, manifest, n, last);
    if (model.readsForecastRows) fillUnknownLags(extended, manifest, origin + chunk + 1, last);
    const values = await model.forecast(extended, Int32Array.of(origin));
    const interval = model.interval?.bounds(extended, Int32Array.of(origin), values, { round, lastDataRow: n - 1 });
    for (let h = 0; h < chunk && done + h < steps; h++) {
      scaled[done + h] = values[h]!;
      target[origin + 1 + h] = values[h]!;
      if (bounds && interval) {
        bounds.lower[done + h] = interval.lower[h]!;
        bounds.upper[done + h] = interval.upper[h]!;
      }
    }
  }
  return { time: extended.time.slice(n, n + steps), scaled, ...bounds, frame: extended };
}

/**
 * Steps kept from each call: a whole horizon for a model that reads only the window up to the origin; for one that
 * reads its features at the forecast rows, no more than the shortest target lag, so every lag it reads is known.
 */
function stepsPerCall(model: Model): number {
  const H = model.manifest.horizon;
  if (!model.readsForecastRows) return H;
  const shortest = Math.min(...derivedFeatures(model.manifest).lags.map((lag) => lag.distance));
  return Math.max(1, Math.min(H, shortest));
}

/** Rows the call forecasts but whose forecasts are discarded: their not-yet-known lags get 0, never read into a kept value. */
function fillUnknownLags(frame: SeriesFrame, manifest: PreprocessingManifest, from: number, to: number): void {
  for (const { name } of derivedFeatures(manifest).lags) {
    const values = frame.columns[name]!;
    for (let row = from; row < to; row++) if (Number.isNaN(values[row]!)) values[row] = 0;
  }
}

/**
 * `frame` followed by `steps + horizon` future rows on the manifest's frequency: time features computed, target and
 * lags NaN until forecast, other features held at their last value. The extra horizon rows let the last origin's
 * forecast rows exist for models that read them.
 */
export function extendFrame(frame: SeriesFrame, manifest: PreprocessingManifest, steps: number): SeriesFrame {
  const n = frame.time.length;
  const total = n + steps + manifest.horizon;
  const time = new Float64Array(total);
  time.set(frame.time);
  for (let k = n; k < total; k++) time[k] = frame.time[n - 1]! + (k - n + 1) * manifest.frequencyMs;
  const derived = derivedFeatures(manifest);
  const lagNames = new Set(derived.lags.map((lag) => lag.name));
  const columns: Record<string, Float64Array> = {};
  for (const name of frame.names) {
    const values = new Float64Array(total);
    values.set(frame.columns[name]!);
    values.fill(name === manifest.target || lagNames.has(name) ? NaN : frame.columns[name]![n - 1]!, n);
    columns[name] = values;
  }
  const extended = { time, names: [...frame.names], columns };
  fillTimeFeatures(extended, manifest, n, total);
  return extended;
}
