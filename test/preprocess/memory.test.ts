/**
 * Bounded memory: the preprocess bundle, run as a child process with a small memory limit, processes a CSV larger
 * than that limit (the file is streamed, the values held as float64 columns off the JavaScript heap), and refuses
 * up front, with one clear error and nothing written, a file whose preprocessing would not fit.
 */
import assert from 'node:assert/strict';
import { createWriteStream, existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { preprocessSpec } from '../../components/preprocess/spec.js';
import { BASE_BYTES, checkMemory, memoryLimit, memoryNeeded, PARQUET_BYTES_PER_CELL, PEAK_BYTES_PER_CELL, POLARS_BYTES_PER_CELL, WRITER_BYTES_PER_CELL } from '../../shared/preprocess/memory.js';
import { ROW_GROUP_ROWS } from '../../shared/table/parquet.js';
import { tableShape } from '../../shared/table/read-table.js';
import { artifactOf, runLocally, tempDir } from '../helpers/component.js';

const ROWS = 1_100_000;
const HEAP_MIB = 80;

/** ROWS one-minute rows of six columns, about 90 bytes a row, written as a stream. */
async function writeLargeCsv(path: string): Promise<void> {
  const out = createWriteStream(path);
  out.write('time,down,up,rnti_count,mcs_down,mcs_up\n');
  const t0 = Date.UTC(2024, 0, 1);
  for (let i = 0; i < ROWS; i++) {
    const time = new Date(t0 + i * 60_000).toISOString().slice(0, 19).replace('T', ' ');
    const line = `${time},${(1e7 + 1e6 * Math.sin(i / 100)).toFixed(6)},${(5e6 + i % 977).toFixed(6)},${i % 53},${Math.cos(i / 7).toFixed(12)},${Math.sin(i / 9).toFixed(12)}\n`;
    if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise((resolve, reject) => out.end((error?: Error) => (error ? reject(error) : resolve(undefined))));
}

describe('preprocess within a memory limit', () => {
  let path: string;
  before(async () => {
    path = join(await tempDir(), 'large.csv');
    await writeLargeCsv(path);
  });

  it(`processes a CSV larger than the ${HEAP_MIB} MiB JavaScript heap the child process is limited to`, async () => {
    assert.ok((await stat(path)).size > HEAP_MIB * 2 ** 20, 'the file is larger than the heap limit');
    const run = await runLocally(preprocessSpec, join(await tempDir(), 'task'), { data_uri: path }, {}, { NODE_OPTIONS: `--max-old-space-size=${HEAP_MIB}` });
    assert.equal(run.code, 0, run.stderr);
    const rows = ['training_data', 'validation_data', 'inference_data'].map((name) => artifactOf(run, name).metadata!['rows'] as number);
    assert.equal(rows.reduce((a, b) => a + b), ROWS);
  });

  it('refuses up front a file whose preprocessing needs more than the memory limit, naming it and the limit', async () => {
    const run = await runLocally(preprocessSpec, join(await tempDir(), 'task'), { data_uri: path }, {}, { FLTS_MEMORY_LIMIT: '256M' });
    assert.equal(run.code, 2, run.stderr);
    const written = existsSync(run.taskRoot) ? await readdir(run.taskRoot) : [];
    assert.deepEqual(written, [], 'nothing written');
    assert.match(
      run.stderr,
      /DataError: Too much data for the memory available: data_uri .*large\.csv \(about [\d,]+ rows × 6 columns\) need about 0\.\d\d GiB to preprocess, more than FLTS_MEMORY_LIMIT allows \(0\.25 GiB\)\./,
    );
  });

  it('estimates the rows of a CSV from its first lines, and a Parquet file exactly from its footer', async () => {
    const shape = await tableShape(path);
    assert.equal(shape.columns, 6);
    assert.ok(Math.abs(shape.rows - ROWS) / ROWS < 0.05, `${shape.rows} rows estimated`);
  });
});

describe('the memory estimate and limit', () => {
  it('counts every output cell, time features and lags included, and the Parquet writer\'s row group', () => {
    assert.equal(memoryNeeded([{ rows: 1000, columns: 4 }], { timeFeatures: true, lags: 2 }), BASE_BYTES + 1000 * 12 * (PEAK_BYTES_PER_CELL + WRITER_BYTES_PER_CELL));
    assert.equal(memoryNeeded([{ rows: 1000, columns: 4 }, { rows: 10, columns: 4 }], { timeFeatures: false, lags: 0 }), BASE_BYTES + 1010 * 4 * (PEAK_BYTES_PER_CELL + WRITER_BYTES_PER_CELL));
    const large = memoryNeeded([{ rows: 20_000_000, columns: 12 }], { timeFeatures: true, lags: 0 });
    assert.equal(large, BASE_BYTES + 20e6 * 18 * PEAK_BYTES_PER_CELL + ROW_GROUP_ROWS * 18 * WRITER_BYTES_PER_CELL, 'the writer holds one row group, not the file');
  });

  it('counts what reading a Parquet file holds besides the columns', () => {
    const options = { timeFeatures: false, lags: 0 };
    const csv = memoryNeeded([{ rows: 1000, columns: 4, format: 'csv' }], options);
    assert.equal(memoryNeeded([{ rows: 1000, columns: 4, format: 'parquet' }], options) - csv, 4000 * PARQUET_BYTES_PER_CELL);
  });

  it('lets Polars read a plain CSV only where its own copy of the data fits as well', () => {
    const table = { rows: 1_000_000, columns: 12, source: 'a.csv' };
    const options = { timeFeatures: true, lags: 0 };
    const streamed = memoryNeeded([table], options);
    const polars = memoryNeeded([table], options, true);
    assert.equal(polars - streamed, 12e6 * POLARS_BYTES_PER_CELL);
    assert.deepEqual(checkMemory([table], options, { bytes: polars, from: 'x' }), { polars: true });
    assert.deepEqual(checkMemory([table], options, { bytes: polars - 1, from: 'x' }), { polars: false }, 'the streamed reader, within the limit');
    assert.throws(() => checkMemory([table], options, { bytes: streamed - 1, from: 'x' }), { name: 'DataError' });
  });

  it('reads FLTS_MEMORY_LIMIT in bytes or with a suffix, and refuses a malformed one', () => {
    assert.deepEqual(memoryLimit({ FLTS_MEMORY_LIMIT: '512M' }), { bytes: 512 * 2 ** 20, from: 'FLTS_MEMORY_LIMIT' });
    assert.equal(memoryLimit({ FLTS_MEMORY_LIMIT: '2GiB' }).bytes, 2 * 2 ** 30);
    assert.equal(memoryLimit({ FLTS_MEMORY_LIMIT: '1000000' }).bytes, 1e6);
    assert.throws(() => memoryLimit({ FLTS_MEMORY_LIMIT: 'lots' }), /FLTS_MEMORY_LIMIT must be a size such as "512M"/);
    assert.ok(memoryLimit({}).bytes > 0);
  });

  it('passes what fits', () => {
    assert.doesNotThrow(() => checkMemory([{ rows: 1000, columns: 4, source: 'a.csv' }], { timeFeatures: true, lags: 0 }, { bytes: 2 ** 30, from: 'x' }));
  });
});
