import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SeriesFrame } from '../../shared/series/frame.js';
import { fitScaler, scaleFrame, unscaleValues } from '../../shared/series/scaler.js';

const train: SeriesFrame = {
  time: Float64Array.from([0, 1, 2, 3, 4]),
  names: ['y', 'flat'],
  columns: { y: Float64Array.from([2, 4, 6, 8, 10]), flat: Float64Array.from([7, 7, 7, 7, 7]) },
};

describe('fitScaler', () => {
  it('minmax maps the training range to [0, 1]', () => {
    assert.deepEqual(fitScaler('minmax', train, ['y']).columns['y'], { center: 2, scale: 8 });
  });

  it('standard uses the population standard deviation, as scikit-learn', () => {
    // mean 6, squared deviations 16+4+0+4+16 = 40, /5 = 8.
    assert.deepEqual(fitScaler('standard', train, ['y']).columns['y'], { center: 6, scale: Math.sqrt(8) });
  });

  it('robust uses the median and the interquartile range', () => {
    assert.deepEqual(fitScaler('robust', train, ['y']).columns['y'], { center: 6, scale: 4 });
  });

  it('gives a constant column scale 1, so it scales to 0', () => {
    const scaler = fitScaler('minmax', train, ['flat']);
    assert.deepEqual(scaler.columns['flat'], { center: 7, scale: 1 });
    assert.deepEqual(Array.from(scaleFrame(scaler, train).columns['flat']!), [0, 0, 0, 0, 0]);
  });

  it('applies the training fit to other data, which may leave [0, 1]', () => {
    const scaler = fitScaler('minmax', train, ['y']);
    const test: SeriesFrame = { time: Float64Array.from([5]), names: ['y'], columns: { y: Float64Array.from([14]) } };
    assert.deepEqual(Array.from(scaleFrame(scaler, test).columns['y']!), [1.5]);
    assert.deepEqual(Array.from(unscaleValues([1.5], scaler.columns['y']!)), [14]);
  });
});
