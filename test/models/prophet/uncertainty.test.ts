/** The uncertainty simulation: seeded and reproducible, consistent with `predictiveSamples`, and shaped as Prophet's. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { percentilePairInPlace } from '../../../shared/models/prophet/numeric.js';
import type { Forecast } from '../../../shared/models/prophet/predict.js';
import { Prophet } from '../../../shared/models/prophet/prophet.js';
import { Random } from '../../../shared/models/prophet/random.js';
import type { DataFrame } from '../../../shared/models/prophet/types.js';
import { makeTrendShiftMatrix } from '../../../shared/models/prophet/uncertainty.js';
import { dailyUnivariateTs, skipNoData, trainTestSplit } from './fixtures.js';

/** The fitted model with some settings changed (a copy; the original is left alone). */
function withSettings(model: Prophet, changes: Partial<Pick<Prophet, 'seed' | 'interval_width'>>): Prophet {
  return Object.assign(Object.create(Prophet.prototype) as Prophet, model, changes);
}

describe('makeTrendShiftMatrix', () => {
  it('has no changes when their likelihood is 0', () => {
    assert.ok(makeTrendShiftMatrix(0.1, 0, 20, 5, new Random(1)).every((v) => v === 0));
  });

  it('averages each Laplace change with the previous step\'s (the first with 0) when changes are certain', () => {
    const mat = makeTrendShiftMatrix(0.1, 1, 4, 1, new Random(1));
    // Re-draw the same stream: 4 uniforms, then 4 Laplace draws.
    const r = new Random(1);
    for (let i = 0; i < 4; i++) r.uniform();
    const shifts = Array.from({ length: 4 }, () => r.laplace(0.1));
    assert.deepEqual(Array.from(mat), shifts.map((v, i) => (v + (i > 0 ? shifts[i - 1]! : 0)) / 2));
  });
});

describe('intervals', { skip: skipNoData }, () => {
  let train: DataFrame;
  let future: DataFrame;
  let model: Prophet;
  let forecast: Forecast;
  before(() => {
    [train] = trainTestSplit(dailyUnivariateTs(), 30);
    model = new Prophet({ seed: 11 }).fit(train);
    future = model.makeFutureDataframe(60);
    forecast = model.predict(future);
  });

  it('are the same on every predict with the same seed, and differ with another seed', () => {
    assert.deepEqual(model.predict(future).yhat_upper, forecast.yhat_upper);
    assert.notDeepEqual(withSettings(model, { seed: 12 }).predict(future).yhat_upper, forecast.yhat_upper);
  });

  it('are the percentiles of predictiveSamples (same seed, same draws)', () => {
    const draws = model.predictiveSamples(future);
    const n = draws.n;
    assert.equal(n, 1000);
    for (const i of [0, 200, future.ds.length - 1]) {
      const [lo, hi] = percentilePairInPlace(draws.yhat.slice(i * n, (i + 1) * n), 0, n, 10, 90);
      assert.equal(lo, forecast.yhat_lower![i]);
      assert.equal(hi, forecast.yhat_upper![i]);
    }
  });

  it('have no trend uncertainty over the history, and widen into the future', () => {
    const nHistory = model.history!.ds.length;
    for (let i = 0; i < nHistory; i++) {
      assert.equal(forecast.trend_lower![i], forecast.trend[i]);
      assert.equal(forecast.trend_upper![i], forecast.trend[i]);
    }
    const last = future.ds.length - 1;
    assert.ok(forecast.trend_upper![last]! - forecast.trend_lower![last]! > forecast.trend_upper![nHistory]! - forecast.trend_lower![nHistory]!);
  });

  it('cover yhat ± 1.28 σ·y_scale over the history (80% of a normal), within sampling error', () => {
    const expected = 2 * 1.2815515655446004 * model.params!.sigma_obs * model.y_scale!;
    let width = 0;
    const nHistory = model.history!.ds.length;
    for (let i = 0; i < nHistory; i++) width += forecast.yhat_upper![i]! - forecast.yhat_lower![i]!;
    assert.ok(Math.abs(width / nHistory / expected - 1) < 0.02);
  });

  it('follow interval_width (a 95% interval is wider than the 80% one)', () => {
    const f95 = withSettings(model, { interval_width: 0.95 }).predict(future);
    assert.ok(f95.yhat_upper![0]! - f95.yhat_lower![0]! > forecast.yhat_upper![0]! - forecast.yhat_lower![0]!);
  });

  it('have no trend uncertainty at all for flat growth', () => {
    const flat = new Prophet({ growth: 'flat', uncertainty_samples: 200 }).fit(train);
    const f = flat.predict(flat.makeFutureDataframe(30));
    f.trend.forEach((v, i) => assert.equal(f.trend_upper![i], v));
  });
});
