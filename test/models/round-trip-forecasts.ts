/** What the round-trip tests compare between the fitting process and a fresh one (not a test). */
import type { Model } from '../../shared/models/adapter.js';
import { forecastFuture } from '../../shared/models/future.js';
import type { SeriesFrame } from '../../shared/series/frame.js';

export interface Forecasts {
  direct: number[];
  future: number[];
  /** The future frame's target lags, as the recursion rebuilt them. */
  futureLags: Record<string, number[]>;
  interval?: { lower: number[]; upper: number[] };
  futureInterval?: { lower: number[]; upper: number[] };
}

export async function forecasts(model: Model, frame: SeriesFrame, steps: number): Promise<Forecasts> {
  const { inputLength, horizon } = model.manifest;
  const origins = Int32Array.from({ length: frame.time.length - inputLength - horizon + 1 }, (_, k) => inputLength - 1 + k);
  const direct = Array.from(await model.forecast(frame, origins));
  const future = await forecastFuture(model, frame, steps);
  const n = frame.time.length;
  const futureLags = Object.fromEntries(
    model.manifest.features.filter((name) => /_lag\d+$/.test(name)).map((name) => [name, Array.from(future.frame.columns[name]!.subarray(n, n + steps))]),
  );
  const interval = model.interval?.bounds(frame, origins, direct);
  return {
    direct,
    future: Array.from(future.scaled),
    futureLags,
    ...(interval && { interval: { lower: Array.from(interval.lower), upper: Array.from(interval.upper) } }),
    ...(future.lower && future.upper && { futureInterval: { lower: Array.from(future.lower), upper: Array.from(future.upper) } }),
  };
}
