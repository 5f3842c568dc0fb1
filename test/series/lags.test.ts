import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lagged, laggedInTime, lagNames } from '../../shared/series/lags.js';
import { pythonJson } from '../helpers/python.js';

describe('lagNames', () => {
  it('names lag k of a column "<column>_lag<k>", for k = step, 2·step, …, lags·step', () => {
    assert.deepEqual(lagNames('down', 3, 1), ['down_lag1', 'down_lag2', 'down_lag3']);
    assert.deepEqual(lagNames('down', 3, 2), ['down_lag2', 'down_lag4', 'down_lag6']);
    assert.deepEqual(lagNames('rb_up', 1, 5), ['rb_up_lag5']);
  });

  it('gives no names for zero lags', () => {
    assert.deepEqual(lagNames('down', 0, 1), []);
  });
});

describe('lagged', () => {
  it('holds in each row the value `distance` rows earlier, and NaN where there is none', () => {
    assert.deepEqual(Array.from(lagged(Float64Array.from([1, 2, 3, 4, 5]), 2)), [NaN, NaN, 1, 2, 3]);
    assert.deepEqual(Array.from(lagged(Float64Array.from([1, 2, 3, 4, 5]), 1)), [NaN, 1, 2, 3, 4]);
  });

  it('is a copy for distance 0 and all NaN when the distance reaches the length', () => {
    assert.deepEqual(Array.from(lagged(Float64Array.from([1, 2, 3]), 0)), [1, 2, 3]);
    assert.deepEqual(Array.from(lagged(Float64Array.from([1, 2, 3]), 3)), [NaN, NaN, NaN]);
    assert.deepEqual(Array.from(lagged(Float64Array.from([1, 2, 3]), 7)), [NaN, NaN, NaN]);
  });

  it('carries a missing value along to its lagged row', () => {
    assert.deepEqual(Array.from(lagged(Float64Array.from([1, NaN, 3, 4]), 1)), [NaN, 1, NaN, 3]);
  });

  it('returns a new array and leaves its input unchanged', () => {
    const input = Float64Array.from([1, 2, 3]);
    const output = lagged(input, 1);
    assert.notEqual(output, input);
    assert.notEqual(output.buffer, input.buffer);
    assert.deepEqual(Array.from(input), [1, 2, 3]);
  });

  it('equals pandas Series.shift for every distance, missing values included', async () => {
    const series = Float64Array.from({ length: 40 }, (_, i) => (i % 9 === 4 ? NaN : Math.round(Math.sin(i) * 1000) / 7));
    const distances = [1, 2, 3, 6, 12, 39, 40, 45];
    const pandas = await pythonJson<(number | null)[][]>(`
import json, pandas as pd
s = pd.Series(json.loads(${JSON.stringify(JSON.stringify(Array.from(series, (v) => (Number.isNaN(v) ? null : v))))}), dtype=float)
print(json.dumps([[None if v != v else float(v) for v in s.shift(d)] for d in ${JSON.stringify(distances)}]))`);
    distances.forEach((distance, i) => {
      assert.deepEqual(Array.from(lagged(series, distance), (v) => (Number.isNaN(v) ? null : v)), pandas[i], `distance ${distance}`);
    });
  });
});

describe('laggedInTime', () => {
  const MINUTE = 60_000;
  // Minutes 0–3, 5, 6, 9: rows are missing at 4, 7 and 8.
  const time = Float64Array.from([0, 1, 2, 3, 5, 6, 9], (m) => m * MINUTE);
  const values = Float64Array.from([10, 11, 12, 13, 15, 16, 19]);

  it('holds the value exactly `distance` earlier in time, and NaN where no row has that time', () => {
    assert.deepEqual(Array.from(laggedInTime(time, values, MINUTE)), [NaN, 10, 11, 12, NaN, 15, NaN]);
    assert.deepEqual(Array.from(laggedInTime(time, values, 3 * MINUTE)), [NaN, NaN, NaN, 10, 12, 13, 16]);
  });

  it('equals the row shift on a series without gaps', () => {
    const regular = Float64Array.from({ length: 12 }, (_, i) => i * MINUTE);
    const series = Float64Array.from({ length: 12 }, (_, i) => i * i - 3);
    for (const distance of [0, 1, 4, 11, 12, 20]) {
      assert.deepEqual(Array.from(laggedInTime(regular, series, distance * MINUTE)), Array.from(lagged(series, distance)), `distance ${distance}`);
    }
  });

  it('equals pandas shift(k, freq=…) aligned back on the index, as upstream FLTS built its lags', async () => {
    const minutes = Array.from({ length: 60 }, (_, i) => i).filter((m) => m % 7 !== 3 && m % 11 !== 5);
    const irregular = Float64Array.from(minutes, (m) => m * MINUTE);
    const series = Float64Array.from(minutes, (m) => (m === 20 ? NaN : Math.round(Math.cos(m) * 100)));
    const distances = [1, 2, 5, 14];
    const pandas = await pythonJson<(number | null)[][]>(`
import json, pandas as pd
index = pd.Timestamp('2024-01-01') + pd.to_timedelta(${JSON.stringify(minutes)}, unit='m')
s = pd.Series(json.loads(${JSON.stringify(JSON.stringify(Array.from(series, (v) => (Number.isNaN(v) ? null : v))))}), index=index, dtype=float)
print(json.dumps([[None if v != v else float(v) for v in s.shift(d, freq='1min').reindex(s.index)] for d in ${JSON.stringify(distances)}]))`);
    distances.forEach((distance, i) => {
      assert.deepEqual(Array.from(laggedInTime(irregular, series, distance * MINUTE), (v) => (Number.isNaN(v) ? null : v)), pandas[i], `distance ${distance}`);
    });
  });
});
