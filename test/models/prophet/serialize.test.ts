/**
 * Prophet's JSON model format: the 20-point models saved by Python Prophet 0.6.1, 0.7.1 and 1.0.1 load and
 * predict `test_backwards_compatibility`'s values, and our own models survive a round trip unchanged.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ModelStateError } from '../../../shared/errors.js';
import { Prophet } from '../../../shared/models/prophet/prophet.js';
import { modelFromJson, modelToDict, modelToJson } from '../../../shared/models/prophet/serialize.js';
import { sharedPath } from '../../helpers/shared-data.js';
import { EXAMPLES, dailyUnivariateTs, head, skipNoData } from './fixtures.js';

/** The keys Python Prophet 1.5.0's `model_to_dict` writes, in its order. */
const PYTHON_KEYS = [
  'growth', 'n_changepoints', 'specified_changepoints', 'changepoint_range', 'yearly_seasonality', 'weekly_seasonality',
  'daily_seasonality', 'seasonality_mode', 'seasonality_prior_scale', 'changepoint_prior_scale', 'holidays_prior_scale',
  'mcmc_samples', 'interval_width', 'uncertainty_samples', 'y_scale', 'y_min', 'scaling', 'logistic_floor', 'country_holidays',
  'component_modes', 'holidays_mode', 'changepoints', 'history_dates', 'train_holiday_names', 'start', 't_scale', 'holidays',
  'history', 'train_component_cols', 'changepoints_t', 'seasonalities', 'extra_regressors', 'fit_kwargs', 'params',
  '__prophet_version',
];

describe('loading models saved by Python Prophet', { skip: skipNoData }, () => {
  // y = 0..19 from 2020-01-01, linear, weekly only, 15 changepoints; make_future_dataframe(10).
  const cases = [
    ['0.6.1.dev0', 29.3669923968994],
    ['0.7.1', 29.282810844704414],
    ['1.0.1', 29.282810844704414],
  ] as const;
  for (const [version, expected] of cases) {
    it(`v${version}: predicts yhat[-1] = ${expected}`, () => {
      const m = modelFromJson(readFileSync(sharedPath(`${EXAMPLES}python-tests/serialized_model_v${version}.json`)!, 'utf8'));
      const fcst = m.predict(m.makeFutureDataframe(10));
      assert.equal(fcst.ds.length, 30);
      assert.ok(Math.abs(fcst.yhat[29]! - expected) < 1e-9, `${fcst.yhat[29]}`);
    });
  }

  it('reads the settings and fitted state (v1.0.1)', () => {
    const m = modelFromJson(readFileSync(sharedPath(`${EXAMPLES}python-tests/serialized_model_v1.0.1.json`)!, 'utf8'));
    assert.equal(m.n_changepoints, 15);
    assert.equal(m.y_scale, 19);
    assert.equal(m.t_scale, 19 * 86400000);
    assert.equal(m.scaling, 'absmax');
    assert.equal(m.holidays_mode, 'additive');
    assert.deepEqual([...m.seasonalities.keys()], ['weekly']);
    assert.deepEqual([...m.train_component_cols!.keys()], ['additive_terms', 'weekly', 'multiplicative_terms']);
    assert.equal(m.history!.ds.length, 20);
    assert.equal(m.params!.delta.length, 15);
  });
});

describe('saving our models', { skip: skipNoData }, () => {
  const holidays = { ds: [Date.UTC(2012, 5, 6), Date.UTC(2013, 5, 6)], holiday: ['seans-bday', 'seans-bday'], lower_window: [0, 0], upper_window: [1, 1] };
  const full = () => {
    const df = {
      ...dailyUnivariateTs(),
      is_conditional_week: Array.from({ length: 510 }, (_, i) => (i < 255 ? 0 : 1)),
      binary_feature: Array.from({ length: 510 }, (_, i) => (i < 255 ? 0 : 1)),
      numeric_feature: Array.from({ length: 510 }, (_, i) => i),
    };
    const m = new Prophet({ holidays, seasonality_mode: 'multiplicative', changepoints: [Date.UTC(2012, 6, 2), Date.UTC(2012, 9, 1), Date.UTC(2013, 0, 2)] })
      .addSeasonality({ name: 'conditional_weekly', period: 7, fourier_order: 3, prior_scale: 2, condition_name: 'is_conditional_week' })
      .addSeasonality({ name: 'normal_monthly', period: 30.5, fourier_order: 5, prior_scale: 2 })
      .addRegressor('binary_feature', { prior_scale: 0.2 })
      .addRegressor('numeric_feature', { prior_scale: 0.5, mode: 'additive' });
    m.fit(head(df, 400));
    return { m, test: { ds: Array.from(df.ds).slice(410), is_conditional_week: df.is_conditional_week.slice(410), binary_feature: df.binary_feature.slice(410), numeric_feature: df.numeric_feature.slice(410) } };
  };

  it('writes the keys Python Prophet 1.5 writes, in its order, as a JSON string under 200 000 characters', () => {
    const m = new Prophet().fit(head(dailyUnivariateTs(), 480));
    const json = modelToJson(m);
    assert.ok(json.length < 200000);
    assert.deepEqual(Object.keys(JSON.parse(json)), PYTHON_KEYS);
  });

  it('round-trips a model with holidays, conditions, regressors and given changepoints: same forecast, bit for bit', () => {
    const { m, test } = full();
    const m2 = modelFromJson(modelToJson(m));
    const before = m.predict(test);
    const after = m2.predict(test);
    assert.deepEqual(Object.keys(after), Object.keys(before));
    for (const name of Object.keys(before)) assert.deepEqual(after[name], before[name], name);
    assert.deepEqual(modelToDict(m2), modelToDict(m));
  });

  it('refuses to save an unfitted model', () => {
    assert.throws(() => modelToJson(new Prophet()), (e: unknown) =>
      e instanceof ModelStateError && e.message === 'This can only be used to serialize models that have already been fit.');
  });

  it('refuses MCMC and country-holiday models, which it cannot predict with', () => {
    const dict = modelToDict(new Prophet({ uncertainty_samples: 0 }).fit(head(dailyUnivariateTs(), 60)));
    assert.throws(() => modelFromJson(JSON.stringify({ ...dict, mcmc_samples: 100 })), /only MAP models can be loaded/);
    assert.throws(() => modelFromJson(JSON.stringify({ ...dict, country_holidays: 'US' })), /country holidays \(US\)/);
  });
});
