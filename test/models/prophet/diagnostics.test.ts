/** Cross-validation and performance metrics, against Prophet's `test_diagnostics.py` and its diagnostics notebook. */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { InvalidParameterError } from '../../../shared/errors.js';
import { DAY_MS, formatDate } from '../../../shared/models/prophet/dates.js';
import { crossValidation, generateCutoffs, prophetCopy, type CrossValidationResult } from '../../../shared/models/prophet/diagnostics.js';
import { performanceMetrics, rollingMeanByH, rollingMedianByH } from '../../../shared/models/prophet/metrics.js';
import { Prophet } from '../../../shared/models/prophet/prophet.js';
import type { DataFrame } from '../../../shared/models/prophet/types.js';
import { dailyUnivariateTs, head, peytonManning, skipNoData } from './fixtures.js';

const range = (n: number) => Float64Array.from({ length: n }, (_, i) => i);
const unique = (a: ArrayLike<number>) => new Set(Array.from(a)).size;

describe('cross-validation on the first 100 rows of data.csv', { skip: skipNoData }, () => {
  let tsShort: DataFrame;
  let model: Prophet;
  before(() => {
    tsShort = head(dailyUnivariateTs(), 100);
    model = new Prophet().fit(tsShort);
  });

  describe('horizon 4 days, period 10 days, initial 115 days', () => {
    let cv: CrossValidationResult;
    before(() => {
      cv = crossValidation(model, { horizon: '4 days', period: '10 days', initial: '115 days' });
    });

    it('makes 3 cutoffs, at least a period apart, after the initial window', () => {
      assert.equal(unique(cv.cutoff), 3);
      assert.ok(Math.min(...cv.cutoff) >= tsShort.ds[0]! + 115 * DAY_MS);
      const cutoffs = [...new Set(cv.cutoff)].sort((a, b) => a - b);
      for (let i = 1; i < cutoffs.length; i++) assert.ok(cutoffs[i]! - cutoffs[i - 1]! >= 10 * DAY_MS);
    });

    it('forecasts up to the horizon after each cutoff', () => {
      assert.equal(Math.max(...cv.ds.map((d, i) => d - cv.cutoff[i]!)), 4 * DAY_MS);
      cv.ds.forEach((d, i) => assert.ok(cv.cutoff[i]! < d));
    });

    it('carries the observed y of each forecast date', () => {
      const byDate = new Map(Array.from(tsShort.ds, (d, i) => [d, tsShort.y![i]!]));
      cv.ds.forEach((d, i) => assert.equal(cv.y[i], byDate.get(d)));
    });
  });

  it('makes one cutoff with initial 135 days, and refuses a horizon that leaves no data', () => {
    assert.equal(unique(crossValidation(model, { horizon: '4 days', period: '10 days', initial: '135 days' }).cutoff), 1);
    assert.throws(() => crossValidation(model, { horizon: '10 days', period: '10 days', initial: '140 days' }), (e: unknown) =>
      e instanceof InvalidParameterError && e.message === 'Less data than horizon after initial window. Make horizon or initial shorter.');
  });

  it('returns extra forecast columns on request', () => {
    const cv = crossValidation(model, { horizon: '1 days', period: '1 days', initial: '140 days', extra_output_columns: 'trend' });
    assert.ok(cv['trend']);
  });

  for (const growth of ['logistic', 'flat'] as const) {
    it(`works for ${growth} growth (2 cutoffs with 1 day / 1 day / 140 days)`, () => {
      const df = growth === 'logistic' ? { ...tsShort, cap: new Array(100).fill(40) } : tsShort;
      const m = new Prophet({ growth }).fit(df);
      const cv = crossValidation(m, { horizon: '1 days', period: '1 days', initial: '140 days' });
      assert.equal(unique(cv.cutoff), 2);
      cv.ds.forEach((d, i) => assert.ok(cv.cutoff[i]! < d));
    });
  }

  it('refits with extra regressors and conditional seasonalities (2 cutoffs with 4 / 4 / 135 days)', () => {
    const df = { ...tsShort, extra: range(100), is_conditional_week: Array.from({ length: 100 }, (_, i) => Math.floor(i / 7) % 2) };
    const m = new Prophet()
      .addSeasonality({ name: 'monthly', period: 30.5, fourier_order: 5 })
      .addSeasonality({ name: 'conditional_weekly', period: 7, fourier_order: 3, prior_scale: 2, condition_name: 'is_conditional_week' })
      .addRegressor('extra')
      .fit(df);
    const cv = crossValidation(m, { horizon: '4 days', period: '4 days', initial: '135 days' });
    assert.equal(unique(cv.cutoff), 2);
    const byDate = new Map(Array.from(tsShort.ds, (d, i) => [d, tsShort.y![i]!]));
    cv.ds.forEach((d, i) => assert.equal(cv.y[i], byDate.get(d)));
  });

  it('defaults initial to 3 × horizon', () => {
    const a = crossValidation(model, { horizon: '32 days', period: '10 days' });
    const b = crossValidation(model, { horizon: '32 days', period: '10 days', initial: '96 days' });
    assert.deepEqual(a.yhat, b.yhat);
    assert.deepEqual(a.y, b.y);
  });

  it('uses given cutoffs, which must leave a horizon of data', () => {
    const cutoffs = [Date.UTC(2012, 6, 31), Date.UTC(2012, 7, 31)];
    assert.equal(unique(crossValidation(model, { horizon: '32 days', cutoffs }).cutoff), 2);
    assert.throws(() => crossValidation(model, { horizon: '32 days', cutoffs: [Date.UTC(2012, 9, 1)] }), /Maximum cutoff value is greater than end date minus horizon/);
  });

  it('returns ds, yhat, y, cutoff only, and no coverage, without uncertainty', () => {
    const m = new Prophet({ uncertainty_samples: 0 }).fit(tsShort, { algorithm: 'Newton' });
    const cv = crossValidation(m, { horizon: '4 days', period: '4 days', initial: '115 days' });
    assert.deepEqual(Object.keys(cv), ['ds', 'yhat', 'y', 'cutoff']);
    assert.equal(performanceMetrics(cv)!['coverage'], undefined);
  });
});

describe('prophetCopy', { skip: skipNoData }, () => {
  it('keeps user changepoints before the cutoff, the fitted seasonalities and the regressors; built-ins switched off', () => {
    const changepoints = Array.from({ length: 93 }, (_, i) => Date.UTC(2012, 5, 15 + i));
    const df = { ...dailyUnivariateTs(), binary_feature: Array.from({ length: 510 }, (_, i) => (i < 255 ? 0 : 1)) };
    const m1 = new Prophet({ changepoints, uncertainty_samples: 0 })
      .addSeasonality({ name: 'custom', period: 10, fourier_order: 5 })
      .addRegressor('binary_feature')
      .fit(df);
    const cutoff = Date.UTC(2012, 6, 25);
    const m2 = prophetCopy(m1, cutoff);
    assert.deepEqual(Array.from(m2.changepoints!), changepoints.filter((c) => c < cutoff));
    assert.ok(m2.seasonalities.has('custom') && m2.seasonalities.has('weekly'));
    assert.ok(m2.extra_regressors.has('binary_feature'));
    assert.equal(m2.weekly_seasonality, false);
  });
});

describe('performanceMetrics', { skip: skipNoData }, () => {
  let cv: CrossValidationResult;
  before(() => {
    const m = new Prophet().fit(head(dailyUnivariateTs(), 100));
    cv = crossValidation(m, { horizon: '4 days', period: '10 days', initial: '90 days' });
  });

  it('gives one row per point with rolling_window < 0 (16), per horizon with 0 or 0.2 (4), one row with 1', () => {
    const none = performanceMetrics(cv, { rolling_window: -1 })!;
    assert.deepEqual(new Set(Object.keys(none)), new Set(['horizon', 'coverage', 'mae', 'mape', 'mdape', 'mse', 'rmse', 'smape']));
    assert.equal(none.horizon.length, 16);
    assert.equal(performanceMetrics(cv, { rolling_window: 0 })!.horizon.length, 4);
    assert.equal(unique(performanceMetrics(cv, { rolling_window: 0.2 })!.horizon), 4);
    const all = performanceMetrics(cv, { rolling_window: 1 })!;
    assert.equal(all.horizon.length, 1);
    const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
    for (const metric of ['mse', 'mape', 'mae', 'coverage']) assert.ok(Math.abs(all[metric]![0]! - mean(none[metric]!)) < 1e-12, metric);
    const sorted = [...none['mdape']!].sort((a, b) => a - b);
    assert.ok(Math.abs(all['mdape']![0]! - (sorted[7]! + sorted[8]!) / 2) < 1e-12);
  });

  it('computes the metrics asked for, skipping mape when some y is 0', () => {
    assert.deepEqual(Object.keys(performanceMetrics(cv, { metrics: ['coverage', 'mse'] })!), ['horizon', 'coverage', 'mse']);
    const y = Float64Array.from(cv.y);
    y[0] = 0;
    assert.deepEqual(Object.keys(performanceMetrics({ ...cv, y }, { metrics: ['coverage', 'mape'] })!), ['horizon', 'coverage']);
  });

  it('counts 0/0 as 0 in smape and returns null when no metric is left', () => {
    const zeros = { ...cv, y: new Float64Array(cv.y.length), yhat: new Float64Array(cv.y.length) };
    const res = performanceMetrics(zeros)!;
    assert.deepEqual(new Set(Object.keys(res)), new Set(['horizon', 'coverage', 'mae', 'mdape', 'mse', 'rmse', 'smape']));
    assert.ok(res['smape']!.every((v) => v === 0));
    assert.equal(performanceMetrics(zeros, { metrics: ['mape'] }), null);
  });

  it('refuses unknown metrics', () => {
    assert.throws(() => performanceMetrics(cv, { metrics: ['mse', 'error_metric' as 'mse'] }), /Valid values for metrics are/);
  });
});

describe('rolling windows by horizon', () => {
  const x = range(10);

  it('rolling mean: w = 1 returns x; w = 4 gives x[3:] − 1.5', () => {
    assert.deepEqual(rollingMeanByH(x, x, 1), { horizon: x, values: x });
    const res = rollingMeanByH(x, x, 4);
    assert.deepEqual(Array.from(res.horizon), [3, 4, 5, 6, 7, 8, 9]);
    res.values.forEach((v, i) => assert.ok(Math.abs(v - (x[i + 3]! - 1.5)) < 1e-12));
  });

  it('rolling mean with repeated horizons pro-rates the oldest group: [1, 5, 22/3] at [3, 4, 7]; w = 10 gives 4.5 at 7', () => {
    const h = Float64Array.of(1, 2, 3, 4, 4, 4, 4, 4, 7, 7);
    const res = rollingMeanByH(x, h, 3);
    assert.deepEqual(Array.from(res.horizon), [3, 4, 7]);
    [1, 5, 22 / 3].forEach((v, i) => assert.ok(Math.abs(res.values[i]! - v) < 1e-12));
    assert.deepEqual(rollingMeanByH(x, h, 10), { horizon: Float64Array.of(7), values: Float64Array.of(4.5) });
  });

  it('rolling median: the same shapes, [1, 5, 8] at [3, 4, 7] with repeated horizons', () => {
    assert.deepEqual(rollingMedianByH(x, x, 1), { horizon: x, values: x });
    assert.deepEqual(Array.from(rollingMedianByH(x, x, 4).values), Array.from(x.subarray(3), (v) => v - 1.5));
    const h = Float64Array.of(1, 2, 3, 4, 4, 4, 4, 4, 7, 7);
    assert.deepEqual(rollingMedianByH(x, h, 3), { horizon: Float64Array.of(3, 4, 7), values: Float64Array.of(1, 5, 8) });
    assert.deepEqual(rollingMedianByH(x, h, 10), { horizon: Float64Array.of(7), values: Float64Array.of(4.5) });
  });
});

describe('Peyton Manning cross-validation (diagnostics notebook)', { skip: skipNoData }, () => {
  let model: Prophet;
  before(() => {
    model = new Prophet().fit(peytonManning());
  });

  it('makes 11 cutoffs from 2010-02-15 to 2015-01-20 with initial 730, period 180, horizon 365 days', () => {
    const cutoffs = generateCutoffs(model.history!.ds, 365 * DAY_MS, 730 * DAY_MS, 180 * DAY_MS);
    assert.equal(cutoffs.length, 11);
    assert.equal(formatDate(cutoffs[0]!), '2010-02-15');
    assert.equal(formatDate(cutoffs[10]!), '2015-01-20');
  });

  it('forecasts 2010-02-16 from the first cutoff as the notebook does (yhat 8.954582 ± 0.01, y 8.242493)', () => {
    const cv = crossValidation(model, { horizon: '365 days', cutoffs: [Date.UTC(2010, 1, 15)] });
    assert.equal(formatDate(cv.ds[0]!), '2010-02-16');
    assert.ok(Math.abs(cv.yhat[0]! - 8.954582) < 0.01, `${cv.yhat[0]}`);
    assert.ok(Math.abs(cv.y[0]! - 8.242493) < 1e-6);
    // The notebook's interval [8.462876, 9.452305] came from one random draw; ours from another.
    assert.ok(Math.abs(cv['yhat_lower']![0]! - 8.462876) < 0.05 && Math.abs(cv['yhat_upper']![0]! - 9.452305) < 0.05);
  });
});
