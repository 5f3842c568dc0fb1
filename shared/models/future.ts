/**
 * Forecasting past the end of the data, for any model and any number of series at once: each frame is extended by
 * its future rows, their time features computed from the timestamps and their target lags rebuilt from the
 * forecasts as they are made (shared/series/derived.ts, the code preprocess derives them with); the target is filled
 * with the model's own forecasts, `horizon` steps at a time (recursive beyond one horizon). Observed features that
 * cannot be derived hold their last known value — the assumption upstream FLTS's recursive mode made. Batch
 * inference forecasts one frame; the HTTP predictor a batch of requests, in one forward pass per round for models
 * that read windows by row (GRU, LSTM).
 */
import { DataError } from '../errors.js';
import { derivedFeatures, fillLags, fillTimeFeatures } from '../series/derived.js';
import { joinFrames, type SeriesFrame } from '../series/frame.js';
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

export interface FutureOptions {
  /** Checked between rounds: when it turns true the forecast stops with an error (every client gave up). */
  cancelled?: () => boolean;
  /** Let the event loop run between rounds (a server's other requests, deadlines). @default false */
  yieldBetweenRounds?: boolean;
}

/** `steps` scaled forecasts after the last row of `frame`. */
export async function forecastFuture(model: Model, frame: SeriesFrame, steps: number, options: FutureOptions = {}): Promise<FutureForecast> {
  const [future] = await forecastFutures(model, [{ frame, steps }], options);
  return future!;
}

/** For each series, `steps` scaled forecasts after the last row of its frame; every frame in the model's columns, scaled. */
export async function forecastFutures(model: Model, series: readonly { frame: SeriesFrame; steps: number }[], options: FutureOptions = {}): Promise<FutureForecast[]> {
  const { manifest } = model;
  const H = manifest.horizon;
  const chunk = stepsPerCall(model);
  const states = series.map(({ frame, steps }) => {
    if (frame.time.length === 0) throw new DataError('There is no data to forecast from.');
    const extended = extendFrame(frame, manifest, steps);
    return {
      n: frame.time.length,
      steps,
      extended,
      scaled: new Float64Array(steps),
      bounds: model.interval && { lower: new Float64Array(steps), upper: new Float64Array(steps) },
    };
  });
  const rounds = Math.max(0, ...states.map((s) => Math.ceil(s.steps / chunk)));
  for (let round = 0; round < rounds; round++) {
    if (round > 0 && options.yieldBetweenRounds) await new Promise((resolve) => setImmediate(resolve));
    if (options.cancelled?.()) throw new Error(`Forecast abandoned after ${round} of ${rounds} rounds: every request of the batch passed its deadline.`);
    const active = states.filter((s) => round * chunk < s.steps);
    for (const s of active) {
      const origin = s.n - 1 + round * chunk;
      const last = Math.min(origin + H + 1, s.extended.time.length);
      fillLags(s.extended, manifest, s.n, last);
      if (model.readsForecastRows) fillUnknownLags(s.extended, manifest, origin + chunk + 1, last);
    }
    // A model that reads windows by row forecasts every series in one pass over the frames joined; one that reads
    // the forecast rows as a time-ordered table (Prophet) gets each frame on its own.
    const groups = model.readsForecastRows ? active.map((s) => [s]) : [active];
    for (const group of groups) {
      const { joined, offsets } = joinFrames(group.map((s) => s.extended));
      const origins = Int32Array.from(group, (s, i) => offsets[i]! + s.n - 1 + round * chunk);
      const values = await model.forecast(joined, origins);
      const interval = model.interval?.bounds(joined, origins, values, { round, dataRows: Int32Array.from(group, (s, i) => offsets[i]! + s.n - 1) });
      group.forEach((s, i) => {
        const target = s.extended.columns[manifest.target]!;
        for (let h = 0; h < chunk && round * chunk + h < s.steps; h++) {
          const value = values[i * H + h]!;
          s.scaled[round * chunk + h] = value;
          target[origins[i]! - offsets[i]! + 1 + h] = value;
          if (s.bounds && interval) {
            s.bounds.lower[round * chunk + h] = interval.lower[i * H + h]!;
            s.bounds.upper[round * chunk + h] = interval.upper[i * H + h]!;
          }
        }
      });
    }
  }
  return states.map((s) => ({ time: s.extended.time.slice(s.n, s.n + s.steps), scaled: s.scaled, ...s.bounds, frame: s.extended }));
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
