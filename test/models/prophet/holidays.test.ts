/** Holiday features from a holidays table, against Prophet's `TestProphetHolidays`. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidParameterError } from '../../../shared/errors.js';
import { DAY_MS } from '../../../shared/models/prophet/dates.js';
import { constructHolidayRows, makeHolidayFeatures } from '../../../shared/models/prophet/holidays.js';
import { Prophet } from '../../../shared/models/prophet/prophet.js';
import type { HolidaysTable } from '../../../shared/models/prophet/types.js';
import { count, dailyUnivariateTs, skipNoData, subdailyUnivariateTs } from './fixtures.js';

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
