/**
 * Parquet as other tools write it — pandas, pyarrow with microsecond and zoned timestamps, Spark's INT96
 * timestamps, Polars — reads to the same table: timestamps in epoch ms, numbers as float64, text as text, and
 * the row and column counts its footer records.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { frameFromTable } from '../../shared/preprocess/columns.js';
import { readTableFile, tableShape } from '../../shared/table/read-table.js';
import { tempDir } from '../helpers/component.js';
import { pythonJson } from '../helpers/python.js';

const T0 = Date.UTC(2024, 0, 1);
const EXPECTED = { time: [T0, T0 + 60_000, T0 + 120_000], down: [1.5, NaN, -3e-7], up: [10, 11, 12] };

const WRITERS: Record<string, string> = {
  'pandas (datetime64[ns], NaN)': "df.to_parquet(path)",
  'pyarrow (timestamp[us, UTC], zstd)': "pq.write_table(pa.Table.from_pandas(df.assign(time=df.time.dt.tz_localize('UTC').astype('datetime64[us, UTC]'))), path, compression='zstd')",
  'pyarrow in Spark flavour (INT96 timestamps)': "pq.write_table(pa.Table.from_pandas(df, preserve_index=False), path, flavor='spark', use_deprecated_int96_timestamps=True)",
  'pyarrow with a zoned timestamp (+01:00) and int64 values': "pq.write_table(pa.Table.from_pandas(df.assign(time=df.time.dt.tz_localize('UTC').dt.tz_convert('Europe/Madrid'), up=df.up.astype('int64')), preserve_index=False), path)",
};

describe('Parquet from other writers', () => {
  let dir: string;
  let polars: boolean;
  before(async () => {
    dir = await tempDir();
    const written = await pythonJson<{ polars: boolean }>(`
import json, pandas as pd, pyarrow as pa, pyarrow.parquet as pq
df = pd.DataFrame({'time': pd.to_datetime(['2024-01-01 00:00', '2024-01-01 00:01', '2024-01-01 00:02']), 'down': [1.5, float('nan'), -3e-7], 'up': [10.0, 11.0, 12.0], 'cell': ['a', 'b', 'c']})
writers = ${JSON.stringify(Object.values(WRITERS))}
for i, code in enumerate(writers):
    path = ${JSON.stringify(dir)} + f'/{i}.parquet'
    exec(code)
try:
    import polars as plr
    plr.from_pandas(df).write_parquet(${JSON.stringify(join(dir, 'polars.parquet'))})
    print(json.dumps({'polars': True}))
except ImportError:
    print(json.dumps({'polars': False}))
`);
    polars = written.polars;
  });

  const check = async (path: string) => {
    const { table, format } = await readTableFile(path);
    assert.equal(format, 'parquet');
    const { frame } = frameFromTable(table, { timeColumn: 'time', targetColumn: 'down', featureColumns: ['up'] }, path);
    assert.deepEqual({ time: Array.from(frame.time), down: Array.from(frame.columns['down']!), up: Array.from(frame.columns['up']!) }, EXPECTED);
    assert.deepEqual(table.columns['cell'], { kind: 'text', values: ['a', 'b', 'c'] });
    const shape = await tableShape(path);
    assert.deepEqual([shape.rows, shape.columns], [3, 4]);
  };

  Object.keys(WRITERS).forEach((name, i) => it(name, () => check(join(dir, `${i}.parquet`))));

  it('Polars', async (t) => {
    if (!polars) return t.skip('the Python environment has no polars to write with');
    await check(join(dir, 'polars.parquet'));
  });
});
