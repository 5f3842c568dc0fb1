/**
 * The Parquet writer streams a row group at a time: a frame larger than one row group is written as several and read
 * back to the bit, and a frame made on demand (scaled a row group at a time) writes the same file as the whole frame.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import type { SeriesFrame } from '../../shared/series/frame.js';
import { fitScaler, scaledRows, scaleFrame } from '../../shared/series/scaler.js';
import { parquetBytes, readParquet, ROW_GROUP_ROWS, writeParquetFile } from '../../shared/table/parquet.js';
import { tempDir } from '../helpers/component.js';

const ROWS = ROW_GROUP_ROWS + 50_000;

function frameOf(rows: number): SeriesFrame {
  const time = new Float64Array(rows);
  const down = new Float64Array(rows);
  const up = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    time[i] = Date.UTC(2024, 0, 1) + i * 60_000;
    down[i] = 1e7 + 1e6 * Math.sin(i / 100) + (i % 7) / 3;
    up[i] = i % 11 === 0 ? NaN : Math.cos(i / 13);
  }
  return { time, names: ['down', 'up'], columns: { down, up } };
}

const bits = (values: Float64Array) => Buffer.from(values.buffer, values.byteOffset, values.byteLength);

describe('Parquet written a row group at a time', () => {
  const frame = frameOf(ROWS);

  it(`writes ${ROWS.toLocaleString('en')} rows (more than one row group) that read back to the bit, NaN included`, async () => {
    const path = join(await tempDir(), 'large.parquet');
    const size = await writeParquetFile(path, frame, { note: 'two row groups' });
    const bytes = await readFile(path);
    assert.equal(size, bytes.length);
    const { table, metadata } = readParquet(bytes, 'large.parquet');
    assert.equal(table.rows, ROWS);
    assert.equal(metadata.get('note'), 'two row groups');
    assert.deepEqual(bits(table.columns['time']!.values as Float64Array), bits(frame.time));
    for (const name of frame.names) assert.deepEqual(bits(table.columns[name]!.values as Float64Array), bits(frame.columns[name]!), name);
  });

  it('writes a frame scaled a row group at a time as the same file as the scaled frame written whole', async () => {
    const scaler = fitScaler('minmax', frame, frame.names);
    const whole = await parquetBytes(scaleFrame(scaler, frame), { k: 'v' });
    const streamed = await parquetBytes(scaledRows(scaler, frame), { k: 'v' });
    assert.ok(Buffer.from(whole).equals(Buffer.from(streamed)));
  });

  it('writes an empty frame as a file with the columns and no rows', async () => {
    const empty = { time: new Float64Array(0), names: ['down'], columns: { down: new Float64Array(0) } };
    const { table } = readParquet(await parquetBytes(empty, {}), 'empty.parquet');
    assert.equal(table.rows, 0);
    assert.deepEqual(table.names, ['time', 'down']);
  });
});
