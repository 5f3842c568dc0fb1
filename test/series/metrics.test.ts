import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mae, mape, mse, rmse, smape } from '../../shared/series/metrics.js';

// Five pairs by hand: errors a − f = −1, 0, 2, 0, −2.
const actual = [1, 2, 3, 4, 5];
const forecast = [2, 2, 1, 4, 7];

describe('metrics', () => {
  describe('on five hand-written pairs', () => {
    it('mse is the mean squared error: (1 + 0 + 4 + 0 + 4) / 5 = 1.8', () => {
      assert.equal(mse(actual, forecast), 1.8);
    });

    it('rmse is its square root', () => {
      assert.equal(rmse(actual, forecast), Math.sqrt(1.8));
    });

    it('mae is the mean absolute error: (1 + 0 + 2 + 0 + 2) / 5 = 1', () => {
      assert.equal(mae(actual, forecast), 1);
    });

    it('mape is 100 · mean(|e| / |a|) = 100 · (1 + 0 + 2/3 + 0 + 2/5) / 5', () => {
      const result = mape(actual, forecast);
      assert.ok(Math.abs(result.value! - (100 * (1 + 2 / 3 + 2 / 5)) / 5) < 1e-12);
      assert.deepEqual({ used: result.used, skipped: result.skipped }, { used: 5, skipped: 0 });
    });

    it('smape is 100 · mean(2|e| / (|a| + |f|)) = 100 · (2/3 + 0 + 1 + 0 + 1/3) / 5 = 40', () => {
      assert.ok(Math.abs(smape(actual, forecast).value! - 40) < 1e-12);
    });
  });

  describe('when an actual value is zero', () => {
    it('mape skips the pair and says so', () => {
      assert.deepEqual(mape([0, 2], [1, 3]), { value: 50, used: 1, skipped: 1 });
    });

    it('smape keeps it (2·1 / (0 + 1) = 200 %) and skips only a pair of zeros', () => {
      assert.deepEqual(smape([0, 2, 0], [1, 2, 0]), { value: 100, used: 2, skipped: 1 });
    });

    it('mape is null when every actual is zero', () => {
      assert.deepEqual(mape([0, 0], [1, 2]), { value: null, used: 0, skipped: 2 });
    });
  });

  it('gives NaN for no pairs, not a misleading 0', () => {
    assert.ok(Number.isNaN(rmse([], [])));
  });

  it('refuses arrays of different lengths', () => {
    assert.throws(() => mae([1, 2], [1]), { name: 'DataError', message: 'Cannot compare 2 actual values with 1 forecasts; the lengths must match.' });
  });
});
