import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTimestamp, parseTimestamp } from '../../shared/series/timestamps.js';

describe('parseTimestamp', () => {
  it('reads naive date-times as UTC, with a space or a T', () => {
    assert.equal(parseTimestamp('2018-03-28 15:56:00'), Date.UTC(2018, 2, 28, 15, 56));
    assert.equal(parseTimestamp('2018-03-28T15:56:00'), Date.UTC(2018, 2, 28, 15, 56));
  });

  it('applies a zone offset', () => {
    assert.equal(parseTimestamp('2018-03-28T17:56:00+02:00'), Date.UTC(2018, 2, 28, 15, 56));
    assert.equal(parseTimestamp('2018-03-28T15:56:00Z'), Date.UTC(2018, 2, 28, 15, 56));
    assert.equal(parseTimestamp('2018-03-28T10:56:00-0500'), Date.UTC(2018, 2, 28, 15, 56));
  });

  it('keeps milliseconds and accepts plain dates', () => {
    assert.equal(parseTimestamp('2018-03-28 15:56:00.250'), Date.UTC(2018, 2, 28, 15, 56, 0, 250));
    assert.equal(parseTimestamp('2018-03-28'), Date.UTC(2018, 2, 28));
  });

  it('rejects what is not a real ISO date-time', () => {
    for (const text of ['', 'yesterday', '28/03/2018 15:56', '2018-02-31 00:00:00', '2018-13-01', '2018-03-28 25:00:00']) {
      assert.ok(Number.isNaN(parseTimestamp(text)), text);
    }
  });
});

describe('formatTimestamp', () => {
  it('reads the years 0001–0099 as themselves, not as 1901–1999 (as Date.UTC would)', () => {
    assert.equal(parseTimestamp('0099-03-01 00:00:00'), -59037897600000);
    assert.equal(parseTimestamp('0001-01-01'), -62135596800000);
    assert.equal(formatTimestamp(parseTimestamp('0050-06-15 12:30:00')), '0050-06-15T12:30:00Z');
    assert.ok(Number.isNaN(parseTimestamp('0099-02-29')), 'no 29 February in the year 99');
  });

  it('writes ISO 8601 UTC without zero milliseconds', () => {
    assert.equal(formatTimestamp(Date.UTC(2018, 2, 28, 15, 56)), '2018-03-28T15:56:00Z');
    assert.equal(formatTimestamp(Date.UTC(2018, 2, 28, 15, 56, 0, 5)), '2018-03-28T15:56:00.005Z');
  });
});
