/** The numpy/pandas numerics and date handling the port relies on, against values printed by numpy/pandas. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dateRange, formatIso, parseFrequency, parseTimedelta, toEpochMs } from '../../../shared/models/prophet/dates.js';
import { linspace, percentileInPlace, percentilePairInPlace, roundHalfEven, sampleStd } from '../../../shared/models/prophet/numeric.js';
import { Random } from '../../../shared/models/prophet/random.js';

describe('roundHalfEven', () => {
  it('sends halves to the even neighbour, as np.round does', () => {
    assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, 3.5].map(roundHalfEven).map((v) => v + 0), [0, 2, 2, 0, -2, 2, 4]);
  });
});

describe('linspace', () => {
  it("reproduces Prophet's changepoint rows for Peyton Manning (np.linspace(0, 2323, 26).round())", () => {
    const rows = Array.from(linspace(0, 2323, 26), roundHalfEven);
    assert.deepEqual(rows, [0, 93, 186, 279, 372, 465, 558, 650, 743, 836, 929, 1022, 1115, 1208, 1301, 1394, 1487, 1580, 1673, 1765, 1858, 1951, 2044, 2137, 2230, 2323]);
  });
});

describe('percentileInPlace', () => {
  it('interpolates linearly between order statistics, as np.percentile does', () => {
    assert.equal(percentileInPlace(Float64Array.of(3, 1, 2, 10), 0, 4, 10), 1.3);
    assert.equal(percentileInPlace(Float64Array.of(3, 1, 2, 10), 0, 4, 90), 7.900000000000001);
    assert.equal(percentileInPlace(Float64Array.of(5), 0, 1, 10), 5);
  });

  it("matches np.percentile at Prophet's 80% interval bounds over 1000 values", () => {
    const a = () => Float64Array.from({ length: 1000 }, (_, i) => ((i * 7919) % 1009) * 0.37);
    assert.equal(percentileInPlace(a(), 0, 1000, (100 * (1 - 0.8)) / 2), 37.33299999999999);
    assert.equal(percentileInPlace(a(), 0, 1000, (100 * (1 + 0.8)) / 2), 335.627);
  });
});

describe('sampleStd', () => {
  it('uses ddof = 1 like pandas (0..509 gives 147.368585)', () => {
    assert.ok(Math.abs(sampleStd(Float64Array.from({ length: 510 }, (_, i) => i)) - 147.368585) < 1e-6);
  });
});

describe('dates', () => {
  it('reads naive dates and datetimes as UTC', () => {
    assert.equal(toEpochMs('2017-01-19'), Date.UTC(2017, 0, 19));
    assert.equal(toEpochMs('2017-01-01 00:05:00'), Date.UTC(2017, 0, 1, 0, 5));
    assert.equal(toEpochMs('2020-01-02T00:00:00.000Z'), Date.UTC(2020, 0, 2));
    assert.ok(Number.isNaN(toEpochMs('not a date')));
  });

  it('writes the ISO form pandas writes', () => {
    assert.equal(formatIso(Date.UTC(2017, 0, 19, 8, 30)), '2017-01-19T08:30:00.000');
  });

  it('parses pandas time deltas', () => {
    assert.equal(parseTimedelta('365 days'), 365 * 86400000);
    assert.equal(parseTimedelta('3 hours'), 3 * 3600000);
    assert.equal(parseTimedelta('10 seconds'), 10000);
    assert.throws(() => parseTimedelta('soon'), /must be a time span such as "365 days"/);
  });

  it('rolls anchored frequencies forward like pd.date_range (MonthEnd, MS, W-SUN)', () => {
    const iso = (a: Float64Array) => Array.from(a, (v) => formatIso(v).slice(0, 16));
    assert.deepEqual(iso(dateRange(Date.UTC(2013, 3, 25), 4, parseFrequency('M'))).map((s) => s.slice(0, 10)), ['2013-04-30', '2013-05-31', '2013-06-30', '2013-07-31']);
    assert.deepEqual(iso(dateRange(Date.UTC(2013, 3, 30), 4, parseFrequency('MS'))).map((s) => s.slice(0, 10)), ['2013-05-01', '2013-06-01', '2013-07-01', '2013-08-01']);
    assert.deepEqual(iso(dateRange(Date.UTC(2013, 3, 25, 8), 3, parseFrequency('W'))), ['2013-04-28T08:00', '2013-05-05T08:00', '2013-05-12T08:00']);
  });
});

describe('Random', () => {
  it('repeats its stream for the same seed and differs for another', () => {
    const a = new Random(42);
    const b = new Random(42);
    const c = new Random(43);
    const draws = (r: Random) => [r.uniform(), r.normal(), r.laplace(1)];
    const first = draws(a);
    assert.deepEqual(draws(b), first);
    assert.notDeepEqual(draws(c), first);
  });

  it('draws standard normals and Laplace(0, b) with the right moments and tails (200 000 draws)', () => {
    const r = new Random(7);
    const n = 200_000;
    let s = 0;
    let ss = 0;
    let s4 = 0;
    let beyond80 = 0;
    let beyond3 = 0;
    let abs = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      ss += z * z;
      s4 += z ** 4;
      if (Math.abs(z) > 1.2815515655446004) beyond80++;
      if (Math.abs(z) > 3) beyond3++;
      abs += Math.abs(r.laplace(0.5));
    }
    assert.ok(Math.abs(s / n) < 0.01);
    assert.ok(Math.abs(ss / n - 1) < 0.01);
    assert.ok(Math.abs(s4 / n - 3) < 0.05);
    // Two-sided tails: 20% beyond the 80% interval, 0.27% beyond 3σ.
    assert.ok(Math.abs(beyond80 / n - 0.2) < 0.004);
    assert.ok(Math.abs(beyond3 / n - 0.0027) < 0.0005);
    // E|Laplace(0, b)| = b
    assert.ok(Math.abs(abs / n - 0.5) < 0.01);
  });
});

describe('percentilePairInPlace', () => {
  it('gives the same two percentiles as two separate np.percentile calls', () => {
    const make = () => Float64Array.from({ length: 1000 }, (_, i) => ((i * 7919) % 1009) * 0.37);
    for (const [lo, hi] of [[10, 90], [2.5, 97.5], [50, 50.05], [0, 100]] as const) {
      const pair = percentilePairInPlace(make(), 0, 1000, lo, hi);
      assert.deepEqual(pair, [percentileInPlace(make(), 0, 1000, lo), percentileInPlace(make(), 0, 1000, hi)]);
    }
  });
});
