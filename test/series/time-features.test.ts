import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTimestamp } from '../../shared/series/timestamps.js';
import { timeFeatures } from '../../shared/series/time-features.js';
import { pythonJson } from '../helpers/python.js';

describe('timeFeatures', () => {
  it('uses Monday = 0 for the day of week, as pandas', () => {
    // 2018-04-02 was a Monday: day_of_week = 0 gives sin 0, cos 1.
    const features = timeFeatures([parseTimestamp('2018-04-02 00:00:00')]);
    assert.equal(features.day_of_week_sin[0], 0);
    assert.equal(features.day_of_week_cos[0], 1);
    assert.equal(features.min_of_day_sin[0], 0);
  });

  it("matches upstream's pandas computation on the same timestamps", async () => {
    const stamps = ['2018-03-28 15:56:00', '2018-12-31 23:58:00', '2020-02-29 12:00:00', '2019-01-01 00:02:00'];
    const expected = await pythonJson<Record<string, number[]>>(`
import json, numpy as np, pandas as pd
idx = pd.DatetimeIndex(pd.to_datetime(${JSON.stringify(stamps)}))
out = {}
for f, v, p in [('min_of_day', idx.hour*60+idx.minute, 1440), ('day_of_week', idx.dayofweek, 7), ('day_of_year', idx.dayofyear, 365.25)]:
    out[f'{f}_sin'] = list(np.sin(np.asarray(v) * (2*np.pi/p)))
    out[f'{f}_cos'] = list(np.cos(np.asarray(v) * (2*np.pi/p)))
print(json.dumps(out))`);
    const ours = timeFeatures(stamps.map(parseTimestamp));
    for (const [name, values] of Object.entries(expected)) {
      Array.from(ours[name as keyof typeof ours]).forEach((value, i) => assert.ok(Math.abs(value - values[i]!) < 1e-12, `${name}[${i}]`));
    }
  });

  it('gives every row exactly sin and cos of value × 2π / period, for every minute of a leap year and NaN for NaN', () => {
    const start = Date.UTC(2020, 0, 1);
    const time = Float64Array.from({ length: 366 * 1440 + 1 }, (_, i) => (i === 1000 ? NaN : start + i * 60_000));
    const features = timeFeatures(time);
    const exact = (value: number, period: number) => [Math.sin(value * ((2 * Math.PI) / period)), Math.cos(value * ((2 * Math.PI) / period))];
    for (let i = 0; i < time.length; i++) {
      if (i === 1000) {
        for (const values of Object.values(features)) assert.ok(Number.isNaN(values[i]));
        continue;
      }
      const date = new Date(time[i]!);
      const dayOfYear = Math.round((Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()) - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
      const expected = [
        ...exact(date.getUTCHours() * 60 + date.getUTCMinutes(), 1440),
        ...exact((date.getUTCDay() + 6) % 7, 7),
        ...exact(dayOfYear, 365.25),
      ];
      const got = [features.min_of_day_sin[i], features.min_of_day_cos[i], features.day_of_week_sin[i], features.day_of_week_cos[i], features.day_of_year_sin[i], features.day_of_year_cos[i]];
      if (got.some((value, k) => !Object.is(value, expected[k]))) assert.deepEqual(got, expected, `row ${i} (${date.toISOString()})`);
    }
  });
});
