/** The Parquet writer's typed columns: int32 and bool where a column holds whole numbers or flags, read back by pyarrow/pandas. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { SeriesFrame } from '../../shared/series/frame.js';
import { parquetBytes, readParquet, writeParquetFile } from '../../shared/table/parquet.js';
import { tempDir } from '../helpers/component.js';
import { pythonJson } from '../helpers/python.js';

const frame: SeriesFrame = {
  time: Float64Array.from([0, 60_000, 120_000, 180_000, 240_000, 300_000, 360_000, 420_000, 480_000]),
  names: ['step', 'forecast', 'is_future'],
  columns: {
    step: Float64Array.from([1, 2, 3, 1, 2, 3, -4, 2_147_483_647, 5]),
    forecast: Float64Array.from([0.5, 1.5, NaN, 1, 2, 3, 4, 5, 6]),
    is_future: Float64Array.from([0, 0, 0, 0, 0, 0, 1, 1, 1]),
  },
};
const typed = { int32Columns: ['step'], boolColumns: ['is_future'] };

describe('Parquet typed columns', () => {
  it('writes int32 and bool columns that pandas reads as int32 and bool, the others as float64', async () => {
    const path = join(await tempDir(), 'typed.parquet');
    await writeParquetFile(path, frame, {}, typed);
    const read = await pythonJson<{ dtypes: Record<string, string>; step: number[]; is_future: boolean[] }>(`
import json, pandas as pd
df = pd.read_parquet(${JSON.stringify(path)})
print(json.dumps({'dtypes': {c: str(t) for c, t in df.dtypes.items()}, 'step': df.step.tolist(), 'is_future': df.is_future.tolist()}))`);
    assert.deepEqual(read.dtypes, { time: 'datetime64[ms, UTC]', step: 'int32', forecast: 'float64', is_future: 'bool' });
    assert.deepEqual(read.step, Array.from(frame.columns['step']!));
    assert.deepEqual(read.is_future, Array.from(frame.columns['is_future']!, (v) => v === 1));
  });

  it('reads back as the same numbers (booleans as 0/1)', async () => {
    const { table } = readParquet(await parquetBytes(frame, {}, typed), 'typed.parquet');
    for (const name of frame.names) {
      const column = table.columns[name]!;
      assert.equal(column.kind, 'number');
      assert.deepEqual(Array.from(column.values as Float64Array), Array.from(frame.columns[name]!), name);
    }
  });

  it('refuses a value the column type cannot hold, naming the column and row', async () => {
    const bad = (name: string, value: number) => ({ ...frame, columns: { ...frame.columns, [name]: Float64Array.from(frame.columns[name]!, (v, i) => (i === 4 ? value : v)) } });
    await assert.rejects(parquetBytes(bad('step', 1.5), {}, typed), { name: 'DataError', message: 'Column "step" holds 1.5 at row 4, which its Parquet type cannot hold.' });
    await assert.rejects(parquetBytes(bad('step', 2 ** 31), {}, typed), { message: /Column "step" holds 2147483648 at row 4/ });
    await assert.rejects(parquetBytes(bad('is_future', NaN), {}, typed), { message: /Column "is_future" holds NaN at row 4/ });
  });
});
