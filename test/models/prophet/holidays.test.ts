/**
 * Holiday features from a holidays table, against Prophet's `TestProphetHolidays`; fitted holiday effects
 * against the holidays notebook (playoffs and Super Bowls on Peyton Manning) and Python Prophet's exact MAP.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidParameterError } from '../../../shared/errors.js';
import { DAY_MS, formatDate, toEpochMs } from '../../../shared/models/prophet/dates.js';
import { constructHolidayRows, makeHolidayFeatures } from '../../../shared/models/prophet/holidays.js';
import { Prophet } from '../../../shared/models/prophet/prophet.js';
import type { HolidaysTable } from '../../../shared/models/prophet/types.js';
import { count, dailyUnivariateTs, peytonManning, skipNoData, subdailyUnivariateTs } from './fixtures.js';

/** 2016-12-20 … 2016-12-31, daily. */
const decemberDays = Array.from({ length: 12 }, (_, i) => Date.UTC(2016, 11, 20) + i * DAY_MS);
const xmas = (lower: number, upper: number, prior_scale?: number[]): HolidaysTable => ({
  ds: [Date.UTC(2016, 11, 25)], holiday: ['xmas'], lower_window: [lower], upper_window: [upper], ...(prior_scale ? { prior_scale } : {}),
});
const features = (holidays: HolidaysTable, holidays_prior_scale = 10) =>
  makeHolidayFeatures(decemberDays, constructHolidayRows(holidays, null), holidays_prior_scale);

describe('holiday features', () => {
  it('makes one column per day of the window, each 1 on exactly one day (window −1..0)', () => {
    const f = features(xmas(-1, 0));
    assert.deepEqual(f.names, ['xmas_delim_+0', 'xmas_delim_-1']);
    assert.deepEqual(f.columns.map(count), [1, 1]);
    assert.deepEqual(f.prior_scales, [10, 10]);
    assert.deepEqual(f.holiday_names, ['xmas']);
  });

  it('makes all 12 columns of window −1..10 even where the days fall outside the dates', () => {
    const f = features(xmas(-1, 10));
    assert.equal(f.columns.length, 12);
    assert.deepEqual(f.prior_scales, new Array(12).fill(10));
  });

  it('takes each holiday\'s prior scale from the table, else holidays_prior_scale', () => {
    const twoYears: HolidaysTable = { ds: [Date.UTC(2016, 11, 25), Date.UTC(2017, 11, 25)], holiday: ['xmas', 'xmas'], lower_window: [-1, -1], upper_window: [0, 0], prior_scale: [5, 5] };
    assert.deepEqual(features(twoYears).prior_scales, [5, 5]);
    const mixed: HolidaysTable = {
      ds: [...twoYears.ds as number[], Date.UTC(2012, 5, 6), Date.UTC(2013, 5, 6)],
      holiday: ['xmas', 'xmas', 'seans-bday', 'seans-bday'],
      lower_window: [-1, -1, 0, 0],
      upper_window: [0, 0, 1, 1],
      prior_scale: [5, 5, 8, 8],
    };
    const f = features(mixed);
    f.names.forEach((name, j) => assert.equal(f.prior_scales[j], name.startsWith('xmas') ? 5 : 8));
    const withDefault = features({ ...mixed, prior_scale: [5, 5, NaN, NaN] }, 4);
    assert.deepEqual(new Set(withDefault.prior_scales), new Set([4, 5]));
  });

  it('rejects two prior scales for one holiday with Prophet\'s message', () => {
    const table: HolidaysTable = { ds: [Date.UTC(2016, 11, 25), Date.UTC(2016, 11, 27)], holiday: ['xmasish', 'xmasish'], lower_window: [-1, -1], upper_window: [0, 0], prior_scale: [5, 6] };
    assert.throws(() => features(table), (e: unknown) =>
      e instanceof InvalidParameterError && e.message === "Holiday 'xmasish' does not have consistent prior scale specification.");
  });

  it('rejects a table with only one window column, or windows of the wrong sign', () => {
    assert.throws(() => new Prophet({ holidays: { ds: [0], holiday: ['a'], lower_window: [0] } }), /Holidays must have both lower_window and upper_window, or neither/);
    assert.throws(() => new Prophet({ holidays: { ds: [0], holiday: ['a'], lower_window: [1], upper_window: [0] } }), /Holiday lower_window should be <= 0/);
  });

  it('marks every intraday row of the holiday: 288 five-minute rows of 2017-01-02, so 575 of 863 are 0', { skip: skipNoData }, () => {
    const holidays: HolidaysTable = { ds: [Date.UTC(2017, 0, 2)], holiday: ['special_day'] };
    const m = new Prophet({ holidays, uncertainty_samples: 0 }).fit(subdailyUnivariateTs());
    const fcst = m.predict();
    assert.equal(Array.from(fcst['special_day']!).filter((v) => v === 0).length, 575);
  });

  it('fits and predicts with a holiday that spans two days', { skip: skipNoData }, () => {
    const holidays: HolidaysTable = { ds: [Date.UTC(2012, 5, 6), Date.UTC(2013, 5, 6)], holiday: ['seans-bday', 'seans-bday'], lower_window: [0, 0], upper_window: [1, 1] };
    const m = new Prophet({ holidays, uncertainty_samples: 0 }).fit(dailyUnivariateTs());
    const fcst = m.predict();
    assert.ok(fcst['holidays'] && fcst['seans-bday']);
    assert.deepEqual(m.train_holiday_names, ['seans-bday']);
  });
});

/**
 * The holidays notebook (`notebooks/seasonality,_holiday_effects,_and_regressors.ipynb`): playoffs and Super Bowls,
 * each with window 0..1, on Peyton Manning; `predict(make_future_dataframe(366))`, then the last 10 rows where
 * playoff + superbowl ≠ 0. Each row holds the +0 or the +1 effect (β · y_scale) of each holiday.
 */
describe('fitted holiday effects (holidays notebook: playoffs and Super Bowls on Peyton Manning)', { skip: skipNoData }, () => {
  const playoffs = ['2008-01-13', '2009-01-03', '2010-01-16', '2010-01-24', '2010-02-07', '2011-01-08', '2013-01-12',
    '2014-01-12', '2014-01-19', '2014-02-02', '2015-01-11', '2016-01-17', '2016-01-24', '2016-02-07'];
  const superbowls = ['2010-02-07', '2014-02-02', '2016-02-07'];
  const holidays: HolidaysTable = {
    holiday: [...playoffs.map(() => 'playoff'), ...superbowls.map(() => 'superbowl')],
    ds: [...playoffs, ...superbowls].map(toEpochMs),
    lower_window: [...playoffs, ...superbowls].map(() => 0),
    upper_window: [...playoffs, ...superbowls].map(() => 1),
  };
  /** The notebook's table: dates, and whether the row is a +1 day (else +0) and a Super Bowl window. */
  const table: [string, 0 | 1, boolean][] = [
    ['2014-02-02', 0, true], ['2014-02-03', 1, true], ['2015-01-11', 0, false], ['2015-01-12', 1, false],
    ['2016-01-17', 0, false], ['2016-01-18', 1, false], ['2016-01-24', 0, false], ['2016-01-25', 1, false],
    ['2016-02-07', 0, true], ['2016-02-08', 1, true],
  ];
  type Effects = { playoff: [number, number]; superbowl: [number, number] };

  /** Fits, predicts 366 days ahead and checks the notebook's 10 rows against the expected (+0, +1) effects. */
  const check = (holidays_prior_scale: number, algorithm: 'LBFGS' | 'Newton', expected: Effects, tol: Effects, t: { diagnostic: (s: string) => void }) => {
    const m = new Prophet({ holidays, holidays_prior_scale, uncertainty_samples: 0 }).fit(peytonManning(), { algorithm });
    const f = m.predict(m.makeFutureDataframe(366));
    const rows: number[] = [];
    for (let i = 0; i < f.ds.length; i++) if (Math.abs(f['playoff']![i]! + f['superbowl']![i]!) > 0) rows.push(i);
    const last = rows.slice(-10);
    assert.deepEqual(last.map((i) => formatDate(f.ds[i]!)), table.map(([d]) => d));
    const at = (name: 'playoff' | 'superbowl', day: 0 | 1) => f[name]![last[table.findIndex(([, d, sb]) => d === day && (sb || name === 'playoff'))]!]!;
    t.diagnostic(`${algorithm}, holidays_prior_scale ${holidays_prior_scale}: playoff ${at('playoff', 0).toFixed(6)} / ${at('playoff', 1).toFixed(6)}, superbowl ${at('superbowl', 0).toFixed(6)} / ${at('superbowl', 1).toFixed(6)}`);
    table.forEach(([day, plus, sb], j) => {
      const i = last[j]!;
      const p = f['playoff']![i]!;
      const s = f['superbowl']![i]!;
      assert.ok(Math.abs(p - expected.playoff[plus]) <= tol.playoff[plus], `${day} playoff ${p} vs ${expected.playoff[plus]} (±${tol.playoff[plus]})`);
      if (sb) assert.ok(Math.abs(s - expected.superbowl[plus]) <= tol.superbowl[plus], `${day} superbowl ${s} vs ${expected.superbowl[plus]} (±${tol.superbowl[plus]})`);
      else assert.equal(s, 0);
    });
  };

  // The notebook is a single L-BFGS run of real Prophet, not a test with a tolerance. L-BFGS stops early in a flat
  // valley; where it stops moves the weakly identified effects. Super Bowls have only two windows in the history
  // (2010 and 2014), and real Prophet runs disagree on them: R's run in the same notebook gives superbowl +1 as 1.359259
  // against Python's 1.460471 (playoff +1: 1.913081 against 1.901742). Hence ±0.01 for the playoffs (14 windows) and
  // ±0.04 for the Super Bowls. (Measured: ours is within 0.0024 and 0.0253 of the notebook.)
  const lbfgsTol: Effects = { playoff: [0.01, 0.01], superbowl: [0.04, 0.04] };

  it('L-BFGS (the default) reproduces the notebook: playoff 1.223965 / 1.901742, superbowl 1.201517 / 1.460471', (t) => {
    check(10, 'LBFGS', { playoff: [1.223965, 1.901742], superbowl: [1.201517, 1.460471] }, lbfgsTol, t);
  });

  it('L-BFGS with holidays_prior_scale = 0.05 reproduces the notebook: playoff 1.206086 / 1.852077, superbowl 0.964914 / 0.992634', (t) => {
    check(0.05, 'LBFGS', { playoff: [1.206086, 1.852077], superbowl: [0.964914, 0.992634] }, lbfgsTol, t);
  });

  // Newton converges to the exact MAP, so it is the tight check. Expected values measured with Python Prophet 1.5.0
  // (cmdstanpy) on the same data: `Prophet(holidays=…, holidays_prior_scale=…).fit(df, algorithm='Newton')`.
  // The gap left is Newton's stopping tolerance (measured: ≤ 6.3e-5).
  const newtonTol: Effects = { playoff: [1e-3, 1e-3], superbowl: [1e-3, 1e-3] };

  it('Newton gives Python Prophet 1.5\'s exact MAP to 1e-3: playoff 1.225380 / 1.904706, superbowl 1.206585 / 1.455679', (t) => {
    check(10, 'Newton', { playoff: [1.22538, 1.904706], superbowl: [1.206585, 1.455679] }, newtonTol, t);
  });

  it('Newton with holidays_prior_scale = 0.05 gives Python\'s MAP to 1e-3: playoff 1.208858 / 1.857235, superbowl 0.972509 / 0.987666', (t) => {
    check(0.05, 'Newton', { playoff: [1.208858, 1.857235], superbowl: [0.972509, 0.987666] }, newtonTol, t);
  });
});
