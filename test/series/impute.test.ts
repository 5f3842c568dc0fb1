import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dropMissingRows, fillForward, interpolateTime } from '../../shared/series/impute.js';

describe('interpolateTime', () => {
  it('interpolates linearly in time, not in position', () => {
    // At t = 1 between (0, 0) and (4, 8) the line gives 2, even though the row is in the middle by index.
    assert.deepEqual(Array.from(interpolateTime([0, 1, 4], Float64Array.from([0, NaN, 8]))), [0, 2, 8]);
  });

  it('carries the nearest known value to the edges', () => {
    assert.deepEqual(Array.from(interpolateTime([0, 1, 2, 3], Float64Array.from([NaN, 5, 7, NaN]))), [5, 5, 7, 7]);
  });

  it('leaves an all-missing column missing', () => {
    assert.ok(interpolateTime([0, 1], Float64Array.from([NaN, NaN])).every(Number.isNaN));
  });
});

describe('fillForward', () => {
  it('carries the last value forward and backfills a leading gap', () => {
    assert.deepEqual(Array.from(fillForward(Float64Array.from([NaN, 1, NaN, 3, NaN]))), [1, 1, 1, 3, 3]);
  });
});

describe('dropMissingRows', () => {
  it('removes the rows where any column is missing', () => {
    const { frame, dropped } = dropMissingRows({
      time: Float64Array.from([0, 1, 2]),
      names: ['a', 'b'],
      columns: { a: Float64Array.from([1, NaN, 3]), b: Float64Array.from([4, 5, NaN]) },
    });
    assert.deepEqual(Array.from(frame.time), [0]);
    assert.equal(dropped, 2);
  });
});
