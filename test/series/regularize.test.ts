import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SeriesFrame } from '../../shared/series/frame.js';
import { regularize, sortAndDeduplicate } from '../../shared/series/regularize.js';

const frame = (time: number[], y: number[]): SeriesFrame => ({ time: Float64Array.from(time), names: ['y'], columns: { y: Float64Array.from(y) } });

describe('sortAndDeduplicate', () => {
  it('sorts by time and keeps the first row of each timestamp', () => {
    const result = sortAndDeduplicate(frame([20, 0, 10, 10], [3, 1, 2, 9]));
    assert.deepEqual(Array.from(result.frame.time), [0, 10, 20]);
    assert.deepEqual(Array.from(result.frame.columns['y']!), [1, 2, 3]);
    assert.equal(result.duplicates, 1);
  });
});

describe('regularize', () => {
  it('inserts NaN rows for missing grid points and reports the gap', () => {
    const result = regularize(frame([0, 10, 40], [1, 2, 5]), 10);
    assert.deepEqual(Array.from(result.frame.time), [0, 10, 20, 30, 40]);
    assert.deepEqual(Array.from(result.frame.columns['y']!), [1, 2, NaN, NaN, 5]);
    assert.deepEqual(result.gaps, [{ after: 10, before: 40, missing: 2 }]);
    assert.equal(result.inserted, 2);
  });

  it('drops rows off the grid and counts them', () => {
    const result = regularize(frame([0, 10, 15, 20], [1, 2, 9, 3]), 10);
    assert.deepEqual(Array.from(result.frame.columns['y']!), [1, 2, 3]);
    assert.equal(result.offGrid, 1);
  });
});
