/** Fourier features, Prophet's auto-detection of yearly/weekly/daily seasonality, modes, priors and conditions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataError, InvalidParameterError } from '../../../shared/errors.js';
import { DAY_MS } from '../../../shared/models/prophet/dates.js';
import { Prophet } from '../../../shared/models/prophet/prophet.js';
import { fourierSeries } from '../../../shared/models/prophet/seasonality.js';
import type { DataFrame } from '../../../shared/models/prophet/types.js';
import {
  allFeatures, count, dailyUnivariateTs, head, setupHistory, skipNoData, subdailyUnivariateTs,
} from './fixtures.js';

/** The seasonalities Prophet switches on for `df` with these options. */
function seasonalitiesFor(df: DataFrame, options: ConstructorParameters<typeof Prophet>[0] = {}) {
  const m = new Prophet(options);
  setupHistory(m, df);
  return m.seasonalities;
}

describe('fourierSeries', () => {
  // First row of data.csv (2012-05-18); the values come from R's forecast package, as in Prophet's tests.
  describe('on the first row of data.csv', { skip: skipNoData }, () => {
    it('gives the weekly features (period 7, order 3)', () => {
      const columns = fourierSeries(dailyUnivariateTs().ds, 7, 3);
      const expected = [0.7818315, 0.6234898, 0.9749279, -0.2225209, 0.4338837, -0.9009689];
      columns.forEach((c, j) => assert.ok(Math.abs(c[0]! - expected[j]!) < 1e-7, `column ${j}: ${c[0]}`));
    });

    it('gives the yearly features (period 365.25, order 3)', () => {
      const columns = fourierSeries(dailyUnivariateTs().ds, 365.25, 3);
      const expected = [0.7006152, -0.713539, -0.999833, 0.01827656, 0.7262249, 0.6874572];
      columns.forEach((c, j) => assert.ok(Math.abs(c[0]! - expected[j]!) < 1e-6, `column ${j}: ${c[0]}`));
    });
  });

  it('rejects an order below 1', () => {
    assert.throws(() => fourierSeries([0], 7, 0), /series_order must be >= 1/);
  });
});

describe('auto seasonalities', { skip: skipNoData }, () => {
  const weekly = { period: 7, fourier_order: 3, prior_scale: 10, mode: 'additive', condition_name: null };

  describe('weekly', () => {
    it('is on for 15 daily rows (≥ 2 weeks)', () => assert.deepEqual(seasonalitiesFor(head(dailyUnivariateTs(), 15)).get('weekly'), weekly));
    it('is off for 9 rows, unless asked for', () => {
      assert.equal(seasonalitiesFor(head(dailyUnivariateTs(), 9)).has('weekly'), false);
      assert.equal(seasonalitiesFor(head(dailyUnivariateTs(), 9), { weekly_seasonality: true }).has('weekly'), true);
    });
    it('is off for weekly spacing', () => {
      const df = dailyUnivariateTs();
      const every7 = { ds: Array.from(df.ds).filter((_, i) => i % 7 === 0), y: Array.from(df.y!).filter((_, i) => i % 7 === 0) };
      assert.equal(seasonalitiesFor(every7).has('weekly'), false);
    });
    it('takes a given order and the seasonality prior scale', () => {
      assert.deepEqual(seasonalitiesFor(dailyUnivariateTs(), { weekly_seasonality: 2, seasonality_prior_scale: 3 }).get('weekly'), {
        ...weekly, fourier_order: 2, prior_scale: 3,
      });
    });
  });

  describe('yearly', () => {
    it('is on for 510 rows spanning 743 days, with order 10', () => {
      assert.deepEqual(seasonalitiesFor(dailyUnivariateTs()).get('yearly'), { ...weekly, period: 365.25, fourier_order: 10 });
    });
    it('is off for 240 rows, unless asked for', () => {
      assert.equal(seasonalitiesFor(head(dailyUnivariateTs(), 240)).has('yearly'), false);
      assert.equal(seasonalitiesFor(head(dailyUnivariateTs(), 240), { yearly_seasonality: true }).has('yearly'), true);
    });
    it('takes a given order', () => {
      assert.equal(seasonalitiesFor(dailyUnivariateTs(), { yearly_seasonality: 7, seasonality_prior_scale: 3 }).get('yearly')!.fourier_order, 7);
    });
  });

  describe('daily', () => {
    it('is on for 5-minute data over 3 days, with order 4', () => {
      assert.deepEqual(seasonalitiesFor(subdailyUnivariateTs()).get('daily'), { ...weekly, period: 1, fourier_order: 4 });
    });
    it('is off for the first 430 rows (< 2 days), unless asked for', () => {
      assert.equal(seasonalitiesFor(head(subdailyUnivariateTs(), 430)).has('daily'), false);
      assert.equal(seasonalitiesFor(head(subdailyUnivariateTs(), 430), { daily_seasonality: true }).has('daily'), true);
    });
    it('takes a given order', () => {
      assert.equal(seasonalitiesFor(subdailyUnivariateTs(), { daily_seasonality: 7 }).get('daily')!.fourier_order, 7);
    });
    it('is off for daily data', () => assert.equal(seasonalitiesFor(dailyUnivariateTs()).has('daily'), false));
  });

  it('leaves a custom seasonality of the same name in place of the built-in one', () => {
    const m = new Prophet().addSeasonality({ name: 'weekly', period: 30, fourier_order: 5 });
    setupHistory(m, dailyUnivariateTs());
    assert.equal(m.seasonalities.get('weekly')!.period, 30);
  });
});

describe('seasonality modes', () => {
  it('puts 7 columns in additive and 29 in multiplicative terms (multiplicative model, additive monthly and binary regressor)', { skip: skipNoData }, () => {
    const holidays = { ds: [Date.UTC(2016, 11, 25)], holiday: ['xmas'], lower_window: [-1], upper_window: [0] };
    const m = new Prophet({ seasonality_mode: 'multiplicative', holidays });
    m.addSeasonality({ name: 'monthly', period: 30, mode: 'additive', fourier_order: 3 });
    m.addRegressor('binary_feature', { mode: 'additive' });
    m.addRegressor('numeric_feature');
    const df = { ...dailyUnivariateTs(), binary_feature: Array.from({ length: 510 }, (_, i) => (i < 255 ? 0 : 1)), numeric_feature: Array.from({ length: 510 }, (_, i) => i) };
    const { component_cols, modes } = allFeatures(m, setupHistory(m, df));
    assert.equal(count(component_cols.get('additive_terms')!), 7);
    assert.equal(count(component_cols.get('multiplicative_terms')!), 29);
    assert.deepEqual(new Set(modes.additive), new Set(['monthly', 'binary_feature', 'additive_terms', 'extra_regressors_additive']));
    assert.deepEqual(new Set(modes.multiplicative), new Set(['weekly', 'yearly', 'xmas', 'numeric_feature', 'multiplicative_terms', 'extra_regressors_multiplicative', 'holidays']));
  });

  it('rejects an unknown mode with Prophet\'s message', () => {
    assert.throws(() => new Prophet({ seasonality_mode: 'batman' as 'additive' }), (e: unknown) =>
      e instanceof InvalidParameterError && e.message === 'seasonality_mode must be "additive" or "multiplicative"');
    assert.throws(() => new Prophet({ holidays_mode: 'batman' as 'additive' }), /holidays_mode must be "additive" or "multiplicative"/);
  });

  it('defaults holidays_mode to seasonality_mode', () => {
    assert.equal(new Prophet({ seasonality_mode: 'multiplicative' }).holidays_mode, 'multiplicative');
  });
});

describe('custom seasonalities', () => {
  it('stores name, period, order, prior scale and mode as given', () => {
    const m = new Prophet().addSeasonality({ name: 'monthly', period: 30, fourier_order: 5, prior_scale: 2 });
    assert.deepEqual(m.seasonalities.get('monthly'), { period: 30, fourier_order: 5, prior_scale: 2, mode: 'additive', condition_name: null });
  });

  it('refuses reserved names and names taken by holidays, and orders ≤ 0', () => {
    const m = new Prophet({ holidays: { ds: [Date.UTC(2017, 0, 2)], holiday: ['special_day'], prior_scale: [4] } });
    assert.throws(() => m.addSeasonality({ name: 'special_day', period: 30, fourier_order: 5 }), /Name 'special_day' already used for a holiday\./);
    assert.throws(() => m.addSeasonality({ name: 'trend', period: 30, fourier_order: 5 }), /Name 'trend' is reserved\./);
    assert.throws(() => m.addSeasonality({ name: 'weekly', period: 7, fourier_order: 0 }), /Fourier Order must be > 0/);
    m.addSeasonality({ name: 'weekly', period: 30, fourier_order: 5 });
  });

  it('gives each column its prior: monthly (2) first, then weekly (10), then the holiday (4)', { skip: skipNoData }, () => {
    const m = new Prophet({
      holidays: { ds: [Date.UTC(2017, 0, 2)], holiday: ['special_day'], prior_scale: [4] },
      yearly_seasonality: false,
      seasonality_mode: 'multiplicative',
    });
    m.addSeasonality({ name: 'monthly', period: 30, fourier_order: 5, prior_scale: 2, mode: 'additive' });
    const { component_cols, prior_scales } = allFeatures(m, setupHistory(m, dailyUnivariateTs()));
    assert.equal(m.seasonalities.get('weekly')!.mode, 'multiplicative');
    assert.equal(count(component_cols.get('monthly')!), 10);
    assert.equal(count(component_cols.get('special_day')!), 1);
    assert.equal(count(component_cols.get('weekly')!), 6);
    assert.equal(count(component_cols.get('additive_terms')!), 10);
    assert.equal(count(component_cols.get('multiplicative_terms')!), 7);
    assert.deepEqual(prior_scales, [...new Array(10).fill(2), ...new Array(6).fill(10), 4]);
  });

  describe('with a condition column', { skip: skipNoData }, () => {
    const conditional = () => new Prophet({ weekly_seasonality: false, yearly_seasonality: false, uncertainty_samples: 0 })
      .addSeasonality({ name: 'conditional_weekly', period: 7, fourier_order: 3, prior_scale: 2, condition_name: 'is_conditional_week' })
      .addSeasonality({ name: 'normal_monthly', period: 30.5, fourier_order: 5, prior_scale: 2 });

    it('needs the column, with boolean values', () => {
      assert.throws(() => conditional().fit(dailyUnivariateTs()), (e: unknown) =>
        e instanceof DataError && e.message === "Condition 'is_conditional_week' missing from dataframe");
      const bad = { ...dailyUnivariateTs(), is_conditional_week: Array.from({ length: 510 }, (_, i) => (i < 255 ? 0 : 2)) };
      assert.throws(() => conditional().fit(bad), /Found non-boolean in column 'is_conditional_week'/);
    });

    it('zeroes its features where the condition is false', () => {
      const flags = Array.from({ length: 510 }, (_, i) => (i < 255 ? 0 : 1));
      const m = conditional();
      const history = setupHistory(m, { ...dailyUnivariateTs(), is_conditional_week: flags });
      const { features } = allFeatures(m, history);
      const cols = features.names.map((n, j) => [n, j] as const).filter(([n]) => n.startsWith('conditional_weekly')).map(([, j]) => j);
      for (let i = 0; i < features.N; i++) {
        const nonZero = cols.some((j) => features.X[i * features.K + j] !== 0);
        assert.equal(nonZero, flags[i] === 1, `row ${i}`);
      }
      assert.equal(m.seasonalities.get('normal_monthly')!.condition_name, null);
    });
  });
});

it('auto-detection sees the spacing of the non-NaN history only', () => {
  // 30 days daily, then every other value NaN: the non-NaN spacing is 2 days, still < 7, so weekly is on.
  const ds = Array.from({ length: 30 }, (_, i) => Date.UTC(2020, 0, 1) + i * DAY_MS);
  const y = ds.map((_, i) => (i % 2 ? NaN : i));
  const m = new Prophet({ uncertainty_samples: 0 }).fit({ ds, y });
  assert.equal(m.seasonalities.has('weekly'), true);
  assert.equal(m.history!.ds.length, 15);
  assert.equal(m.history_dates!.length, 30);
});
