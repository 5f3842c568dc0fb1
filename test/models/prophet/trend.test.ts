/** Prophet's trend functions, with the unit values of Prophet's `TestProphetTrendComponent`. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { flatTrend, logisticGammas, piecewiseLinear, piecewiseLogistic } from '../../../shared/models/prophet/trend.js';

const t = Float64Array.from({ length: 11 }, (_, i) => i);
const deltas = [0.5];
const changepoint_ts = [5];

describe('piecewiseLinear', () => {
  it('bends by δ at the changepoint and stays continuous (k = 1, m = 0, δ = 0.5 at t = 5)', () => {
    assert.deepEqual(Array.from(piecewiseLinear(t, deltas, 1, 0, changepoint_ts)), [0, 1, 2, 3, 4, 5, 6.5, 8, 9.5, 11, 12.5]);
  });

  it('gives the same values on a tail of the times', () => {
    assert.deepEqual(Array.from(piecewiseLinear(t.subarray(8), deltas, 1, 0, changepoint_ts)), [9.5, 11, 12.5]);
  });
});

describe('piecewiseLogistic', () => {
  const expected = [5.0, 7.310586, 8.807971, 9.525741, 9.820138, 9.933071, 9.984988, 9.996646, 9.999252, 9.999833, 9.999963];
  const cap = new Float64Array(11).fill(10);

  it('matches Prophet to 1e-6 with cap 10 (k = 1, m = 0, δ = 0.5 at t = 5)', () => {
    const y = piecewiseLogistic(t, cap, deltas, 1, 0, changepoint_ts);
    y.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-6, `t=${i}: ${v} vs ${expected[i]}`));
  });

  it('gives the same values on a tail of the times (sum of differences within 1e-5)', () => {
    const y = piecewiseLogistic(t.subarray(8), cap.subarray(8), deltas, 1, 0, changepoint_ts);
    const diff = y.reduce((s, v, i) => s + v - expected[8 + i]!, 0);
    assert.ok(Math.abs(diff) < 1e-5);
  });

  it('offsets each segment by γ so the curve is continuous at the changepoint', () => {
    const gammas = logisticGammas(deltas, 1, 0, changepoint_ts);
    // γ = (s − m) · (1 − k / (k + δ)) = 5 · (1 − 1/1.5)
    assert.ok(Math.abs(gammas[0]! - 5 / 3) < 1e-15);
    const below = piecewiseLogistic([5 - 1e-9], [10], deltas, 1, 0, changepoint_ts)[0]!;
    const at = piecewiseLogistic([5], [10], deltas, 1, 0, changepoint_ts)[0]!;
    assert.ok(Math.abs(at - below) < 1e-8);
  });
});

describe('flatTrend', () => {
  it('is m everywhere', () => {
    assert.deepEqual(Array.from(flatTrend(t, 0.5)), new Array(11).fill(0.5));
  });
});
