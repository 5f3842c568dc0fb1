/**
 * Forecasting past the data (shared/models/future.ts): the future rows get their time features from their
 * timestamps and their target lags from the forecasts as they are made, `horizon` steps per call for a model that
 * reads only its input window, fewer for one that reads its features at the forecast rows. The model here is a
 * plain rule (next value = last value + step number), so every expected number can be written down.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Model } from '../../shared/models/adapter.js';
import { extendFrame, forecastFuture } from '../../shared/models/future.js';
import type { SeriesFrame } from '../../shared/series/frame.js';
import { MANIFEST_FORMAT, type PreprocessingManifest } from '../../shared/series/manifest.js';
import { timeFeatures } from '../../shared/series/time-features.js';

const STEP = 600_000;
const T0 = Date.UTC(2024, 0, 1);

/** 10 rows of target y = row number, its lags 1 and 3 (scaled like it: identity), and one time feature. */
function data(): { frame: SeriesFrame; manifest: PreprocessingManifest } {
  const n = 10;
  const time = Float64Array.from({ length: n }, (_, i) => T0 + i * STEP);
  const y = Float64Array.from({ length: n }, (_, i) => i);
  const lag = (k: number) => Float64Array.from({ length: n }, (_, i) => (i >= k ? i - k : NaN));
  const frame: SeriesFrame = {
    time,
    names: ['y', 'min_of_day_sin', 'y_lag1', 'y_lag3', 'load'],
    columns: { y, min_of_day_sin: timeFeatures(time).min_of_day_sin, y_lag1: lag(1), y_lag3: lag(3), load: new Float64Array(n).fill(7) },
  };
  const identity = { center: 0, scale: 1 };
  const manifest: PreprocessingManifest = {
    format: MANIFEST_FORMAT,
    target: 'y',
    features: ['y', 'min_of_day_sin', 'y_lag1', 'y_lag3', 'load'],
    inputLength: 4,
    horizon: 2,
    frequencyMs: STEP,
    frequency: '10min',
    scaler: { method: 'minmax', columns: { y: identity, min_of_day_sin: identity, y_lag1: { center: 0, scale: 2 }, y_lag3: identity, load: identity } },
    configHash: 'test',
  };
  return { frame, manifest };
}

/** Forecasts last value + h at step h, reading only the window; records each call's origin. */
function ruleModel(manifest: PreprocessingManifest, readsForecastRows: boolean, calls: number[]): Model {
  return {
    kind: 'rule',
    manifest,
    readsForecastRows,
    forecast: (frame, origins) => {
      calls.push(origins[0]!);
      const y = frame.columns['y']!;
      return Float64Array.from({ length: origins.length * manifest.horizon }, (_, k) => y[origins[Math.floor(k / manifest.horizon)]!]! + (k % manifest.horizon) + 1);
    },
    facts: {},
    dispose: () => undefined,
  };
}

describe('forecasting past the end of the data', () => {
  it('forecasts recursively, a horizon per call, feeding the forecasts back as the target', async () => {
    const { frame, manifest } = data();
    const calls: number[] = [];
    const future = await forecastFuture(ruleModel(manifest, false, calls), frame, 5);
    assert.deepEqual(calls, [9, 11, 13]);
    assert.deepEqual(Array.from(future.scaled), [10, 11, 12, 13, 14]);
    assert.deepEqual(Array.from(future.time), [10, 11, 12, 13, 14].map((i) => T0 + i * STEP));
  });

  it('rebuilds the target lags of the future rows from the forecasts, each in its own column scale', async () => {
    const { frame, manifest } = data();
    const future = await forecastFuture(ruleModel(manifest, false, []), frame, 5);
    const rows = (name: string) => Array.from(future.frame.columns[name]!.subarray(10, 15));
    // y_lag1's scale is 2: its scaled value is half the target's.
    assert.deepEqual(rows('y_lag1'), [9, 10, 11, 12, 13].map((v) => v / 2));
    assert.deepEqual(rows('y_lag3'), [7, 8, 9, 10, 11]);
  });

  it('computes the time features of the future rows from their timestamps, and holds other features at their last value', async () => {
    const { frame, manifest } = data();
    const future = await forecastFuture(ruleModel(manifest, false, []), frame, 3);
    const expected = timeFeatures(future.time).min_of_day_sin;
    assert.deepEqual(Array.from(future.frame.columns['min_of_day_sin']!.subarray(10, 13)), Array.from(expected));
    assert.deepEqual(Array.from(future.frame.columns['load']!.subarray(10, 13)), [7, 7, 7]);
  });

  it('keeps no more steps per call than the shortest lag when the model reads its features at the forecast rows', async () => {
    const { frame, manifest } = data();
    const calls: number[] = [];
    const future = await forecastFuture(ruleModel({ ...manifest, horizon: 3 }, true, calls), frame, 4);
    // The shortest lag is 1: one step per call, so every lag a kept forecast reads is already known.
    assert.deepEqual(calls, [9, 10, 11, 12]);
    assert.deepEqual(Array.from(future.scaled), [10, 11, 12, 13]);
  });

  it('extends the frame by the steps and one more horizon, with NaN target and lags until they are forecast', () => {
    const { frame, manifest } = data();
    const extended = extendFrame(frame, manifest, 3);
    assert.equal(extended.time.length, 10 + 3 + manifest.horizon);
    assert.ok(Array.from(extended.columns['y']!.subarray(10)).every(Number.isNaN));
    assert.ok(Array.from(extended.columns['y_lag1']!.subarray(10)).every(Number.isNaN));
    assert.deepEqual(Array.from(extended.columns['y']!.subarray(0, 10)), Array.from(frame.columns['y']!), 'the data itself is copied, not changed');
  });
});
