import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatFrequency, inferFrequency, parseFrequency } from '../../shared/series/frequency.js';

describe('parseFrequency', () => {
  it('reads pandas-style intervals', () => {
    assert.deepEqual(['2min', '2T', '30s', '1h', 'H', '1d', '1w', '500ms'].map((text) => parseFrequency(text)), [
      120_000, 120_000, 30_000, 3_600_000, 3_600_000, 86_400_000, 604_800_000, 500,
    ]);
  });

  it('names the parameter and the accepted units on bad input', () => {
    assert.throws(() => parseFrequency('2 fortnights'), {
      name: 'InvalidParameterError',
      message: 'Parameter "frequency" must be a count and a unit such as "2min", "30s", "1h" or "1d" (units: ms, s, min, h, d, w); got "2 fortnights".',
    });
  });
});

describe('formatFrequency', () => {
  it('uses the largest whole unit', () => {
    assert.deepEqual([120_000, 90_000, 3_600_000, 86_400_000, 1500].map(formatFrequency), ['2min', '90s', '1h', '1d', '1500ms']);
  });
});

describe('inferFrequency', () => {
  it('takes the most common step, ignoring gaps and duplicates', () => {
    assert.equal(inferFrequency([0, 2, 4, 6, 6, 12, 14]), 2);
  });

  it('is undefined with fewer than two distinct timestamps', () => {
    assert.equal(inferFrequency([5, 5]), undefined);
  });
});
