import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { validateWindowShape, windowInputs, windowOrigins, windowTargets } from '../../shared/series/windows.js';

const shape = { inputLength: 3, horizon: 2 };

describe('windowOrigins', () => {
  it('takes every row with L rows up to it and H rows after it: rows 2 … 7 of 10 for L = 3, H = 2', () => {
    assert.deepEqual(Array.from(windowOrigins(10, shape)), [2, 3, 4, 5, 6, 7]);
  });

  it('gives n − L − H + 1 windows, as upstream window_data (15 927 PobleSec rows, L = 10, H = 1 → 15 917)', () => {
    assert.equal(windowOrigins(15_927, { inputLength: 10, horizon: 1 }).length, 15_917);
  });

  it('with firstTarget keeps only origins whose targets all lie at or after it, the input may reach back', () => {
    assert.deepEqual(Array.from(windowOrigins(10, shape, { firstTarget: 6 })), [5, 6, 7]);
  });

  it('leaves out windows that span a gap in the time index', () => {
    // Row 5 comes two steps after row 4: the step 4 → 5 lies in the windows of origins 3, 4, 5 and 6.
    const time = [0, 1, 2, 3, 4, 6, 7, 8, 9, 10];
    assert.deepEqual(Array.from(windowOrigins(10, shape, { time, frequencyMs: 1 })), [2, 7]);
  });

  it('is empty when the data is shorter than one window', () => {
    assert.equal(windowOrigins(4, shape).length, 0);
  });
});

describe('windowInputs', () => {
  it('lays out (n, L, F): rows origin − L + 1 … origin, features in the given order', () => {
    const a = [0, 1, 2, 3, 4, 5, 6];
    const b = [100, 101, 102, 103, 104, 105, 106];
    const x = windowInputs([a, b], [2, 5], 3);
    // prettier-ignore
    assert.deepEqual(Array.from(x), [
      0, 100, 1, 101, 2, 102,
      3, 103, 4, 104, 5, 105,
    ]);
  });
});

describe('windowTargets', () => {
  it('lays out (n, H): the target at rows origin + 1 … origin + H', () => {
    const y = [10, 11, 12, 13, 14, 15, 16, 17];
    assert.deepEqual(Array.from(windowTargets(y, [2, 5], 2)), [13, 14, 16, 17]);
  });
});

describe('validateWindowShape', () => {
  it('reports every length that is not a positive integer, by parameter name', () => {
    assert.throws(() => validateWindowShape({ inputLength: 0, horizon: -3 }), {
      name: 'InvalidParameterError',
      message: 'Parameter "input_length" must be a positive integer; got 0. Parameter "horizon" must be a positive integer; got -3.',
    });
  });
});
