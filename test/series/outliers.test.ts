import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clip, clipBounds } from '../../shared/series/outliers.js';
import { readTableFile } from '../../shared/table/read-table.js';
import { numericValues } from '../../shared/table/raw-table.js';
import { pythonJson } from '../helpers/python.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared-data.js';

/** NaN as null, so that a list survives JSON on its way to pandas (which reads None as NaN). */
const toJson = (values: ArrayLike<number>) => JSON.stringify(Array.from(values, (v) => (Number.isNaN(v) ? null : v)));

/** |a − b| within a few ulps of the larger magnitude: numpy interpolates with a slightly different formula. */
function assertClose(actual: number, expected: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs pandas ${expected}`);
}

describe('clipBounds', () => {
  // 1…9 and 100, out of order. Sorted positions (n − 1)·q: Q1 at 2.25, Q3 at 6.75. A text sort (1, 100, 2, …)
  // would put Q1 between 2 and 3 instead.
  const values = [7, 100, 3, 9, 1, 5, 8, 2, 6, 4];

  it('"iqr" gives [Q1 − f·IQR, Q3 + f·IQR] with linearly interpolated quartiles', () => {
    // Q1 = 3 + 0.25·(4 − 3) = 3.25; Q3 = 7 + 0.75·(8 − 7) = 7.75; IQR = 4.5; 1.5·IQR = 6.75.
    assert.deepEqual(clipBounds(values, 'iqr', 1.5), [-3.5, 14.5]);
  });

  it('"iqr" scales the margin with the factor: 0 gives the quartiles themselves, 3 twice the 1.5 margin', () => {
    assert.deepEqual(clipBounds(values, 'iqr', 0), [3.25, 7.75]);
    // 3·4.5 = 13.5.
    assert.deepEqual(clipBounds(values, 'iqr', 3), [-10.25, 21.25]);
  });

  it('"percentile" gives the f and 1 − f quantiles', () => {
    // 0…10: positions 10·0.2 = 2 and 10·0.8 = 8 fall on the values 2 and 8.
    assert.deepEqual(clipBounds([10, 0, 9, 1, 8, 2, 7, 3, 6, 4, 5], 'percentile', 0.2), [2, 8]);
    // Between points: the 0.25 and 0.75 quantiles of the values above are Q1 and Q3.
    assert.deepEqual(clipBounds(values, 'percentile', 0.25), [3.25, 7.75]);
  });

  it('ignores NaN and ±Infinity', () => {
    const noisy = Float64Array.from([NaN, ...values, Infinity, -Infinity, NaN]);
    assert.deepEqual(clipBounds(noisy, 'iqr', 1.5), [-3.5, 14.5]);
    assert.deepEqual(clipBounds(noisy, 'percentile', 0.25), [3.25, 7.75]);
  });

  it('gives NaN bounds when there is no finite value', () => {
    assert.deepEqual(clipBounds([NaN, NaN], 'iqr', 1.5), [NaN, NaN]);
    assert.deepEqual(clipBounds([], 'percentile', 0.1), [NaN, NaN]);
  });

  it('agrees with pandas Series.quantile on a series with spikes and missing values', async () => {
    const series = Float64Array.from({ length: 203 }, (_, i) => (i % 29 === 5 ? NaN : Math.sin(i * 1.7) * 50 + (i % 17 === 0 ? 400 : 0) - (i % 23 === 0 ? 300 : 0)));
    const cases: ['iqr' | 'percentile', number][] = [['iqr', 1.5], ['iqr', 3], ['percentile', 0.01], ['percentile', 0.05], ['percentile', 0.1]];
    const pandas = await pythonJson<[number, number][]>(`
import json, pandas as pd
s = pd.Series(json.loads(${JSON.stringify(toJson(series))}), dtype=float)
out = []
for method, f in json.loads(${JSON.stringify(JSON.stringify(cases))}):
    if method == 'iqr':
        q1, q3 = s.quantile(0.25), s.quantile(0.75)
        out.append([q1 - f * (q3 - q1), q3 + f * (q3 - q1)])
    else:
        out.append([s.quantile(f), s.quantile(1 - f)])
print(json.dumps([[float(a), float(b)] for a, b in out]))`);
    cases.forEach(([method, factor], i) => {
      const [low, high] = clipBounds(series, method, factor);
      assertClose(low, pandas[i]![0], `${method} ${factor} low`);
      assertClose(high, pandas[i]![1], `${method} ${factor} high`);
    });
  });

  it('agrees with pandas on every column of LesCorts.csv, which has empty cells', { skip: skipWithoutShared('data/flts/LesCorts.csv') }, async () => {
    const path = sharedPath('data/flts/LesCorts.csv')!;
    const { table } = await readTableFile(path);
    const names = table.names.filter((name) => name !== 'time');
    const pandas = await pythonJson<Record<string, { iqr: [number, number]; percentile: [number, number]; missing: number }>>(`
import json, pandas as pd
df = pd.read_csv(${JSON.stringify(path)})
out = {}
for c in ${JSON.stringify(names)}:
    s = df[c].astype(float)
    q1, q3 = s.quantile(0.25), s.quantile(0.75)
    out[c] = {'iqr': [float(q1 - 1.5 * (q3 - q1)), float(q3 + 1.5 * (q3 - q1))],
              'percentile': [float(s.quantile(0.01)), float(s.quantile(0.99))], 'missing': int(s.isna().sum())}
print(json.dumps(out))`);
    assert.ok(Object.values(pandas).some((column) => column.missing > 0), 'the file has missing values to ignore');
    for (const name of names) {
      const values = numericValues(table.columns[name]!)!;
      const iqr = clipBounds(values, 'iqr', 1.5);
      const percentile = clipBounds(values, 'percentile', 0.01);
      assertClose(iqr[0], pandas[name]!.iqr[0], `${name} iqr low`);
      assertClose(iqr[1], pandas[name]!.iqr[1], `${name} iqr high`);
      assertClose(percentile[0], pandas[name]!.percentile[0], `${name} percentile low`);
      assertClose(percentile[1], pandas[name]!.percentile[1], `${name} percentile high`);
    }
  });
});

describe('clip', () => {
  it('replaces values below the low bound by it and values above the high bound by it, and counts them', () => {
    const { values, clipped } = clip(Float64Array.from([-10, 0, 2, 5, 8, 10, 11, 1e9]), [0, 10]);
    assert.deepEqual(Array.from(values), [0, 0, 2, 5, 8, 10, 10, 10]);
    // The bounds are inclusive: 0 and 10 are not counted.
    assert.equal(clipped, 3);
  });

  it('leaves NaN missing and does not count it', () => {
    const { values, clipped } = clip(Float64Array.from([NaN, 20, NaN, -20]), [-1, 1]);
    assert.deepEqual(Array.from(values), [NaN, 1, NaN, -1]);
    assert.equal(clipped, 2);
  });

  it('returns a new array and leaves its input unchanged', () => {
    const input = Float64Array.from([1, 50, 3]);
    const { values } = clip(input, [0, 10]);
    assert.notEqual(values, input);
    assert.deepEqual(Array.from(input), [1, 50, 3]);
  });

  it('changes nothing with the NaN bounds of a column that had no finite value', () => {
    const { values, clipped } = clip(Float64Array.from([1, -1e300, 1e300]), clipBounds([NaN], 'iqr', 1.5));
    assert.deepEqual(Array.from(values), [1, -1e300, 1e300]);
    assert.equal(clipped, 0);
  });

  it('agrees with pandas Series.clip on the IQR bounds of a spiky series', async () => {
    const series = Float64Array.from({ length: 150 }, (_, i) => (i % 31 === 7 ? NaN : Math.cos(i * 0.9) * 10 + (i % 13 === 0 ? 90 : 0) - (i % 19 === 0 ? 70 : 0)));
    const bounds = clipBounds(series, 'iqr', 1.5);
    const { values, clipped } = clip(series, bounds);
    const pandas = await pythonJson<{ values: (number | null)[]; clipped: number }>(`
import json, pandas as pd
s = pd.Series(json.loads(${JSON.stringify(toJson(series))}), dtype=float)
low, high = ${JSON.stringify(bounds)}
c = s.clip(low, high)
print(json.dumps({'values': [None if v != v else float(v) for v in c], 'clipped': int((s < low).sum() + (s > high).sum())}))`);
    assert.ok(clipped > 0, 'the series has outliers to clip');
    assert.equal(clipped, pandas.clipped);
    assert.deepEqual(Array.from(values, (v) => (Number.isNaN(v) ? null : v)), pandas.values);
  });
});
