/**
 * The training choices issue 16 measured (bench/results/rnn-highway-notes.md §5): which calendar features the
 * network reads (calendar_features), the per-step weights of the training loss (step_loss_weights), and the blend's
 * linear part reading the measured features too (highway_features).
 */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { disposeRecurrentModel, trainRecurrent } from '../../../shared/models/recurrent/index.js';
import { asWindowLinear } from '../../../shared/models/recurrent/linear-blend.js';
import { blendWithLinear, buildNetwork } from '../../../shared/models/recurrent/network.js';
import { forwardPass } from '../../../shared/models/recurrent/forward.js';
import { persistenceStepWeights, trainingFeatures } from '../../../shared/models/recurrent/train.js';
import type { SeriesFrame } from '../../../shared/series/frame.js';
import { fitLinearAutoregression, linearForecasts } from '../../../shared/series/linear-baseline.js';
import { uncoveredTimeFeatures } from '../../../shared/series/time-features.js';
import { chooseBackend } from '../../../shared/tf/backend.js';
import { cycle, HOUR, manifestFor, tinyHyper } from './fixtures.js';

before(async () => {
  await chooseBackend();
});

const DAY = 24 * HOUR;

describe('calendar_features', () => {
  it('a time feature is uncovered when the series spans less than one of its cycles', () => {
    const names = ['load', 'min_of_day_sin', 'day_of_week_cos', 'day_of_year_sin', 'day_of_year_cos'];
    assert.deepEqual(uncoveredTimeFeatures(names, 6 * DAY), ['day_of_week_cos', 'day_of_year_sin', 'day_of_year_cos']);
    assert.deepEqual(uncoveredTimeFeatures(names, 7 * DAY), ['day_of_year_sin', 'day_of_year_cos']);
    assert.deepEqual(uncoveredTimeFeatures(names, 400 * DAY), []);
    assert.deepEqual(uncoveredTimeFeatures(names, 12 * HOUR), ['min_of_day_sin', 'day_of_week_cos', 'day_of_year_sin', 'day_of_year_cos']);
  });

  it('"covered" drops them from what the network reads, "all" keeps the manifest\'s list; the target always stays', () => {
    const tenDays = { time: cycle.train.time, names: [], columns: {} } as SeriesFrame; // 240 hourly rows
    const manifest = manifestFor({ features: ['load', 'min_of_day_sin', 'day_of_week_sin', 'day_of_year_sin'] });
    assert.deepEqual(trainingFeatures(manifest, tenDays, { calendarFeatures: 'covered' }), ['load', 'min_of_day_sin', 'day_of_week_sin']);
    assert.deepEqual(trainingFeatures(manifest, tenDays, { calendarFeatures: 'all' }), manifest.features);
    const onlyCalendar = manifestFor({ target: 'load', features: ['day_of_year_sin'] });
    assert.deepEqual(trainingFeatures(onlyCalendar, tenDays, { calendarFeatures: 'covered' }), ['day_of_year_sin'], 'never an empty list');
  });

  it('the trained model\'s manifest names the features it reads, so inference reads exactly those', async () => {
    const frames = withColumn(cycle, 'day_of_year_sin', (t) => Math.sin((2 * Math.PI * t) / (365.25 * DAY)));
    const result = await trainRecurrent(frames, manifestFor({ features: ['load', 'hour_sin', 'day_of_year_sin'] }), tinyHyper({ epochs: 1, calendarFeatures: 'covered' }));
    assert.deepEqual(result.model.manifest.features, ['load', 'hour_sin']);
    assert.equal(result.model.network.shape.featureCount, 2);
    disposeRecurrentModel(result.model);
  });
});

describe('step_loss_weights', () => {
  it('weighs step h by 1 / (persistence MSE at h), normalised to mean 1', () => {
    // A random walk with unit steps: the persistence error at step h has variance h, so w_h ∝ 1/h.
    const target = Float64Array.from([0, 1, 0, 1, 2, 1, 2, 3, 2, 1, 0, 1]);
    const origins = Int32Array.from({ length: 9 }, (_, i) => i);
    const weights = persistenceStepWeights({ features: [target], target, origins }, 3);
    const mse = [1, 2, 3].map((h) => origins.reduce((sum, o) => sum + (target[o + h]! - target[o]!) ** 2, 0) / origins.length);
    const raw = mse.map((m) => 1 / m);
    const mean = raw.reduce((a, b) => a + b, 0) / 3;
    weights.forEach((w, h) => assert.ok(Math.abs(w - raw[h]! / mean) < 1e-12));
    assert.ok(Math.abs(weights.reduce((a, b) => a + b, 0) / 3 - 1) < 1e-12);
    assert.ok(weights[0]! > weights[2]!, 'the short step weighs more');
  });

  it('a constant target (persistence exact) gets weight 1 everywhere, never a division by zero', () => {
    const target = new Float64Array(10).fill(0.5);
    assert.deepEqual([...persistenceStepWeights({ features: [target], target, origins: Int32Array.from([0, 1, 2]) }, 3)], [1, 1, 1]);
  });

  it('changes training, and stays reproducible per seed', async () => {
    const plain = await trainRecurrent(cycle, manifestFor(), tinyHyper({ epochs: 2, stepLossWeights: false }));
    const weighted = await trainRecurrent(cycle, manifestFor(), tinyHyper({ epochs: 2, stepLossWeights: true }));
    const again = await trainRecurrent(cycle, manifestFor(), tinyHyper({ epochs: 2, stepLossWeights: true }));
    assert.notDeepEqual(weighted.history.map((r) => r.loss), plain.history.map((r) => r.loss));
    assert.deepEqual(again.history.map((r) => [r.loss, r.valLoss]), weighted.history.map((r) => [r.loss, r.valLoss]));
    for (const result of [plain, weighted, again]) disposeRecurrentModel(result.model);
  });
});

describe('highway_features: the linear part reads the measured features at the origin', () => {
  it('recovers a target driven by another feature, and forecasts with it', () => {
    // y_{t+1} = 0.5·y_t + 0.3·x_t + 0.1, x a deterministic wiggle: exactly linear in (y_t, x_t).
    const n = 300;
    const x = Float64Array.from({ length: n }, (_, t) => Math.sin(t * 0.37) * Math.cos(t * 0.11));
    const y = new Float64Array(n);
    for (let t = 0; t + 1 < n; t++) y[t + 1] = 0.5 * y[t]! + 0.3 * x[t]! + 0.1;
    const frame: SeriesFrame = { time: Float64Array.from({ length: n }, (_, t) => t * HOUR), names: ['y', 'x'], columns: { y, x } };
    const model = fitLinearAutoregression(frame, 'y', 3, 1, HOUR, ['x']);
    assert.deepEqual(model.features, ['x']);
    assert.equal(model.weights.length, 3 + 1 + 1);
    const origins = Int32Array.from({ length: 20 }, (_, i) => 250 + i);
    const forecasts = linearForecasts(model, y, origins, frame.columns);
    origins.forEach((o, i) => assert.ok(Math.abs(forecasts[i]! - y[o + 1]!) < 1e-3, `origin ${o}`));
    const targetOnly = linearForecasts(fitLinearAutoregression(frame, 'y', 3, 1, HOUR), y, origins);
    const error = (f: ArrayLike<number>) => origins.reduce((sum, o, i) => sum + (f[i]! - y[o + 1]!) ** 2, 0);
    assert.ok(error(forecasts) < error(targetOnly) / 10, 'the target alone cannot see x');
  });

  it('held in the highway, the network computes exactly the ridge forecast where the recurrent share is 0', () => {
    const manifest = manifestFor({ target: 'y', features: ['x', 'y'], inputLength: 4, horizon: 2 });
    const n = 80;
    const frame: SeriesFrame = {
      time: Float64Array.from({ length: n }, (_, t) => t * HOUR),
      names: ['x', 'y'],
      columns: { x: Float64Array.from({ length: n }, (_, t) => Math.sin(t)), y: Float64Array.from({ length: n }, (_, t) => Math.cos(t * 0.3) + 0.1 * Math.sin(t * 1.3)) },
    };
    const linear = fitLinearAutoregression(frame, 'y', 4, 2, HOUR, ['x']);
    const network = buildNetwork({ cell: 'gru', inputLength: 4, featureCount: 2, hiddenSize: 3, numLayers: 1, horizon: 2, highway: true }, 1);
    blendWithLinear(network, asWindowLinear(linear, manifest), [0, 0]);
    const origins = Int32Array.from([10, 20, 30]);
    const windows = tf.tensor3d(
      Float32Array.from([...origins].flatMap((o) => [0, 1, 2, 3].flatMap((k) => [frame.columns['x']![o - 3 + k]!, frame.columns['y']![o - 3 + k]!]))),
      [3, 4, 2],
    );
    const out = tf.tidy(() => forwardPass(network, windows).dataSync());
    const expected = linearForecasts(linear, frame.columns['y']!, origins, frame.columns);
    expected.forEach((value, k) => assert.ok(Math.abs(out[k]! - value) < 1e-5, `${k}: ${out[k]} vs ${value}`));
    windows.dispose();
    network.model.dispose();
  });
});

function withColumn(frames: { train: SeriesFrame; validation: SeriesFrame }, name: string, value: (time: number) => number): { train: SeriesFrame; validation: SeriesFrame } {
  const add = (frame: SeriesFrame): SeriesFrame => ({ ...frame, names: [...frame.names, name], columns: { ...frame.columns, [name]: Float64Array.from(frame.time, value) } });
  return { train: add(frames.train), validation: add(frames.validation) };
}
