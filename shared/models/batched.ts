/**
 * One model shared by concurrent callers whose forecasts are micro-batched: calls that arrive within `maxWaitMs` of
 * each other (up to `maxSize`) become one forward pass over their frames joined, each caller getting its own rows
 * of the result. This is what makes event-mode inference cheaper per claim than one claim at a time. A model that
 * reads the forecast rows as a time-ordered table (Prophet) cannot be joined that way and is called per caller.
 */
import { MicroBatcher } from '../events/batch.js';
import { joinFrames, type SeriesFrame } from '../series/frame.js';
import type { Model } from './adapter.js';

export interface MicroBatchLimits {
  /** Largest number of calls in one forward pass. */
  maxSize: number;
  /** Longest the first call of a batch waits for company, in milliseconds. */
  maxWaitMs: number;
}

/** `model` with its `forecast` micro-batched; everything else (interval, manifest, dispose) is the model's own. */
export function microBatched<M extends Model>(model: M, limits: MicroBatchLimits): M {
  if (model.readsForecastRows) return model;
  const batcher = new MicroBatcher<{ frame: SeriesFrame; origins: Int32Array }, Float64Array>({
    ...limits,
    run: async (calls) => {
      // Frames join only when they have the same columns (they do when they come from one preprocess config).
      const groups = new Map<string, number[]>();
      calls.forEach((call, i) => {
        const key = call.frame.names.join('\0');
        groups.set(key, [...(groups.get(key) ?? []), i]);
      });
      const results: Float64Array[] = new Array(calls.length);
      for (const members of groups.values()) {
        const own = await forecastJoined(model, members.map((i) => calls[i]!));
        members.forEach((i, k) => (results[i] = own[k]!));
      }
      return results;
    },
  });
  return { ...model, forecast: (frame, origins) => batcher.add({ frame, origins }) };
}

/** One forward pass over `calls`' frames joined; each call's forecasts, in forecast's (origins, H) layout. */
async function forecastJoined(model: Model, calls: readonly { frame: SeriesFrame; origins: Int32Array }[]): Promise<Float64Array[]> {
  if (calls.length === 1) return [Float64Array.from(await model.forecast(calls[0]!.frame, calls[0]!.origins))];
  const { joined, offsets } = joinFrames(calls.map((call) => call.frame));
  const origins = Int32Array.from(calls.flatMap((call, i) => Array.from(call.origins, (origin) => origin + offsets[i]!)));
  const values = await model.forecast(joined, origins);
  const H = model.manifest.horizon;
  let start = 0;
  return calls.map((call) => {
    const end = start + call.origins.length * H;
    const own = Float64Array.from({ length: end - start }, (_, i) => values[start + i]!);
    start = end;
    return own;
  });
}
