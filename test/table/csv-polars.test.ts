/**
 * The Polars fast path for CSV (shared/table/csv-polars.ts) gives exactly what the streamed reader gives — every
 * value, bit for bit, and so every value of the three splits after preprocessing — or leaves the file to the
 * streamed reader. Checked on generated data (gaps, duplicates, missing values in every column, values written to
 * 17 digits), on the project's sample, and on ElBorn and LesCorts from ../shared when it is there.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { preprocessTables, type PreprocessOptions } from '../../shared/preprocess/pipeline.js';
import { createRandom } from '../../shared/models/recurrent/random.js';
import { readPlainCsvFile } from '../../shared/table/csv-polars.js';
import { readCsvFile, type CsvOptions } from '../../shared/table/csv.js';
import { MISSING_TEXTS, type RawTable } from '../../shared/table/raw-table.js';
import { tempDir } from '../helpers/component.js';
import { PREPROCESS_OPTIONS } from '../helpers/preprocess-options.js';
import { sampleData } from '../helpers/sample-data.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared-data.js';

const CSV: CsvOptions = { timeColumn: 'time' };


const SETTINGS: Record<string, Partial<PreprocessOptions>> = {
  defaults: {},
  'ffill, lags 3 × 2, standard scaling': { imputation: 'ffill', lags: 3, lagStep: 2, scaler: 'standard' },
  'mean, percentile clipping, no time features': { imputation: 'mean', outlierMethod: 'percentile', outlierFactor: 0.01, timeFeatures: false },
  'drop, tail sampling, robust scaling': { imputation: 'drop', sampleTrainRows: 2000, sampleStrategy: 'tail', lags: 2, scaler: 'robust' },
};

/**
 * A cell-traffic-like CSV of `rows` rows at 2-minute steps: some rows out of order, some duplicated, some steps
 * missing, every column with missing values (written as "", "nan" or "NA"), numbers as JavaScript writes them
 * (17 significant digits, exponents) and as integers.
 */
function syntheticCsv(rows: number, seed: number, separator = ' ', delimiter = ','): string {
  const next = createRandom(seed); // seeded, so that a failure can be replayed
  const start = Date.UTC(2024, 0, 30, 22, 0, 0);
  const missing = () => ['', 'nan', 'NA'][Math.floor(next() * 3)]!;
  const value = (v: number) => (next() < 0.01 ? missing() : String(v));
  const lines: string[] = [];
  for (let i = 0; i < rows; i++) {
    if (next() < 0.005) continue; // a missing step
    const t = new Date(start + i * 120_000).toISOString().slice(0, 19).replace('T', separator);
    const line = [t, value(1e7 * (1 + Math.sin(i / 360)) + next() * 1e6), value(Math.round(next() * 5000)), value(next() * 1e-8), value(-next() * 3)].join(delimiter);
    lines.push(line);
    if (next() < 0.003) lines.push(line); // a duplicated timestamp
  }
  for (let i = 0; i + 1 < lines.length; i += 997) [lines[i], lines[i + 1]] = [lines[i + 1]!, lines[i]!]; // out of order
  return `${['time', 'down', 'up', 'tiny', 'negative'].join(delimiter)}\n${lines.join('\n')}\n`;
}

async function fileWith(text: string, name = 'data.csv'): Promise<string> {
  const path = join(await tempDir('flts-csv-polars-'), name);
  await writeFile(path, text);
  return path;
}

/**
 * Both readers on `path`: the fast path must read it (not defer), and give the same table, whether it reads the
 * file whole or in chunks of a few kilobytes (lines cut everywhere, and every check made chunk by chunk).
 */
async function readBoth(path: string): Promise<{ fast: RawTable; streamed: RawTable }> {
  const fast = await readPlainCsvFile(path, CSV, 0);
  assert.ok(fast, `${path} should be read by the Polars path`);
  const chunked = await readPlainCsvFile(path, CSV, 0, 4099);
  assert.ok(chunked, `${path} should be read by the Polars path in chunks`);
  assertSameTable(chunked, fast);
  return { fast, streamed: await readCsvFile(path, path, CSV) };
}

function assertSameTable(fast: RawTable, streamed: RawTable): void {
  assert.deepEqual(fast.names, streamed.names);
  assert.equal(fast.rows, streamed.rows);
  for (const name of streamed.names) {
    const a = fast.columns[name]!;
    const b = streamed.columns[name]!;
    assert.equal(a.kind, b.kind, `column ${name}: kind`);
    assert.deepEqual(bytes(a.values as Float64Array), bytes(b.values as Float64Array), `column ${name}: values differ`);
  }
  for (const row of [0, 1, streamed.rows - 1]) assert.equal(fast.lineOf!(row), streamed.lineOf!(row), `line of row ${row}`);
}

function bytes(values: Float64Array): Buffer {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/** Every value of the three splits, the timestamps included, equal to the last bit. */
function assertSameSplits(fast: RawTable, streamed: RawTable, test: { fast: RawTable; streamed: RawTable } | undefined, settings: Partial<PreprocessOptions>): void {
  const run = (train: RawTable, held?: RawTable) =>
    preprocessTables({ train: { table: train, source: 'train.csv' }, ...(held ? { test: { table: held, source: 'test.csv' } } : {}) }, { ...PREPROCESS_OPTIONS, ...settings });
  const a = run(fast, test?.fast);
  const b = run(streamed, test?.streamed);
  assert.deepEqual(a.scaler, b.scaler);
  assert.deepEqual(a.summary, b.summary);
  for (const split of ['train', 'validation', 'test'] as const) {
    assert.deepEqual(a.splits[split].names, b.splits[split].names);
    assert.deepEqual(bytes(a.splits[split].time), bytes(b.splits[split].time), `${split}: time`);
    for (const name of b.splits[split].names) assert.deepEqual(bytes(a.splits[split].columns[name]!), bytes(b.splits[split].columns[name]!), `${split}: ${name}`);
  }
}

describe('the Polars CSV path', () => {
  it('reads generated data exactly as the streamed reader does: every value, missing values as NaN, the line of every row', async () => {
    for (const [seed, separator] of [[1, ' '], [2, 'T']] as const) {
      const { fast, streamed } = await readBoth(await fileWith(syntheticCsv(30_000, seed, separator)));
      assertSameTable(fast, streamed);
    }
  });

  it('reads the other delimiters the streamed reader sniffs (";", tab, "|") the same way', async () => {
    for (const [seed, delimiter] of [[5, ';'], [6, '\t'], [7, '|']] as const) {
      const { fast, streamed } = await readBoth(await fileWith(syntheticCsv(5_000, seed, ' ', delimiter)));
      assertSameTable(fast, streamed);
    }
  });

  it('gives the same three splits as the streamed reader, to the last bit, under every imputation and scaler', async () => {
    const train = await readBoth(await fileWith(syntheticCsv(20_000, 3)));
    for (const [name, settings] of Object.entries(SETTINGS)) {
      await it(name, () => assertSameSplits(train.fast, train.streamed, undefined, settings));
    }
  });

  it('gives the same splits on the project sample (a training and a held-out file)', async () => {
    const files = await sampleData();
    const train = await readBoth(files.train);
    const test = await readBoth(files.test);
    assertSameTable(train.fast, train.streamed);
    for (const settings of Object.values(SETTINGS)) assertSameSplits(train.fast, train.streamed, test, { ...settings, testFile: 'test.csv' });
  });

  for (const site of ['ElBorn', 'LesCorts']) {
    it(`gives the same splits on ${site} and ${site}_test`, { skip: skipWithoutShared(`data/flts/${site}.csv`) }, async () => {
      const train = await readBoth(sharedPath(`data/flts/${site}.csv`)!);
      const test = await readBoth(sharedPath(`data/flts/${site}_test.csv`)!);
      assertSameTable(train.fast, train.streamed);
      assertSameTable(test.fast, test.streamed);
      for (const settings of Object.values(SETTINGS)) assertSameSplits(train.fast, train.streamed, undefined, settings);
      assertSameSplits(train.fast, train.streamed, test, { testFile: `${site}_test.csv` });
    });
  }

  it('leaves every file that is not plain to the streamed reader', async () => {
    const header = 'time,down,up\n';
    const row = (t: string, ...rest: string[]) => [`2024-01-01 ${t}`, ...rest].join(',');
    const cases: Record<string, string> = {
      'a BOM': `\ufeff${header}${row('00:00:00', '1', '2')}\n`,
      'CRLF line ends': `${header.replace('\n', '\r\n')}${row('00:00:00', '1', '2')}\r\n`,
      'a quoted number': `${header}${row('00:00:00', '"1.5"', '2')}\n`,
      'a row with a field too many': `${header}${row('00:00:00', '1', '2')}\n${row('00:02:00', '1', '2', '3')}\n`,
      'a row with a field too few': `${header}${row('00:00:00', '1', '2')}\n${row('00:02:00', '1')}\n`,
      'a row with an empty field too many (a trailing delimiter)': `${header}${row('00:00:00', '1', '2')},\n${row('00:02:00', '1', '2')}\n`,
      'the last row with an empty field too many, without a final line break': `${header}${row('00:00:00', '1', '2')}\n${row('00:02:00', '1', '2')},`,
      'a row with two empty fields too many': `${header}${row('00:00:00', '1', '')},,\n`,
      'a blank line': `${header}${row('00:00:00', '1', '2')}\n\n${row('00:02:00', '1', '2')}\n`,
      'a text column': `${header}${row('00:00:00', 'high', '2')}\n`,
      '"inf", which JavaScript does not read': `${header}${row('00:00:00', 'inf', '2')}\n`,
      '"-nan", which is no missing-value marker of ours': `${header}${row('00:00:00', '-nan', '2')}\n`,
      'decimal commas': `time;down;up\n2024-01-01 00:00:00;1,5;2,25\n`,
      'a timestamp with an offset': `${header}2024-01-01 00:00:00+01:00,1,2\n`,
      'a timestamp in another layout later': `${header}${row('00:00:00', '1', '2')}\n2024/01/01 00:02:00,1,2\n`,
      'a fraction of a second': `${header}${row('00:00:00', '1', '2')}\n${row('00:02:00.5', '1', '2')}\n`,
      'a timestamp of the right length but not the layout': `${header}${row('00:00:00', '1', '2')}\n 2024-01-01 00:02:0,1,2\n`,
      'an hour out of range': `${header}${row('00:00:00', '1', '2')}\n${row('24:00:00', '1', '2')}\n`,
      'a minute out of range': `${header}${row('00:00:00', '1', '2')}\n${row('00:60:00', '1', '2')}\n`,
      'a leap second': `${header}${row('00:00:00', '1', '2')}\n${row('23:59:60', '1', '2')}\n`,
      'February 30': `${header}${row('00:00:00', '1', '2')}\n2024-02-30 00:00:00,1,2\n`,
      'February 29 of a year that has none': `${header}2023-02-28 00:00:00,1,2\n2023-02-29 00:00:00,1,2\n`,
      'month 13': `${header}${row('00:00:00', '1', '2')}\n2024-13-01 00:00:00,1,2\n`,
      'a letter among the digits': `${header}${row('00:00:00', '1', '2')}\n2O24-01-01 00:02:00,1,2\n`,
      'a timestamp with seconds after one without': `${header}2024-01-01 00:00,1,2\n${row('00:02:00', '1', '2')}\n`,
      'a missing timestamp': `${header}${row('00:00:00', '1', '2')}\n,1,2\n`,
      'a duplicated column name': `time,down,down\n${row('00:00:00', '1', '2')}\n`,
      'only a header': header,
    };
    for (const [what, text] of Object.entries(cases)) {
      const path = await fileWith(text);
      assert.equal(await readPlainCsvFile(path, CSV, 0), undefined, what);
      assert.equal(await readPlainCsvFile(path, CSV, 0, 7), undefined, `${what}, read in chunks of a line or less`);
    }
    assert.equal(await readPlainCsvFile(await fileWith(`${header}${row('00:00:00', '1', '2')}\n`), { ...CSV, timeFormat: '%Y-%m-%d %H:%M:%S' }, 0), undefined, 'a time_format');
  });

  it('parses the time column wherever it is, in every layout it takes, on any date of the calendar', async () => {
    const times = ['1969-12-31 23:59:59', '2000-02-29 12:00:00', '2024-02-29 00:01:00', '2100-03-01 00:00:00', '0001-01-01 00:00:00'];
    for (const [layout, shown] of [['space', (t: string) => t], ['T', (t: string) => t.replace(' ', 'T')], ['no seconds', (t: string) => t.slice(0, 16)]] as const) {
      const lines = times.map((t, i) => [String(i), shown(t), String(i / 3)].join(','));
      const { fast, streamed } = await readBoth(await fileWith(`down,time,up\n${lines.join('\n')}\n`));
      assertSameTable(fast, streamed);
      assert.deepEqual(Array.from(fast.columns['time']!.values as Float64Array), times.map((t) => Date.parse(`${shown(t).replace(' ', 'T')}Z`)), layout);
    }
  });

  it('reads an empty last field as missing, and a file without a final line break', async () => {
    const text = 'time,down,up\n2024-01-01 00:00:00,1,\n2024-01-01 00:02:00,2,3\n2024-01-01 00:04:00,,4';
    const { fast, streamed } = await readBoth(await fileWith(text));
    assertSameTable(fast, streamed);
    assert.ok(Number.isNaN((fast.columns['up']!.values as Float64Array)[0]));
  });

  it('reads every missing-value text as missing, in any column, the last included; a file with none of them too', async () => {
    const rows = MISSING_TEXTS.map((text, i) => `2024-01-01 00:${String(2 * i).padStart(2, '0')}:00,${text},${MISSING_TEXTS.at(-1 - i)}`);
    for (const text of [`time,down,up\n${rows.join('\n')}\n`, 'time,down,up\n2024-01-01 00:00:00,1,2\n2024-01-01 00:02:00,3,4.5\n']) {
      const { fast, streamed } = await readBoth(await fileWith(text));
      assertSameTable(fast, streamed);
    }
  });

  it('checks a line cut by its read chunks as any other: a field too many or too few there is refused, an empty last field read', async () => {
    const CHUNK = 4 * 1024 * 1024;
    /** Plain lines past the first chunk's end, with `special` starting 5 bytes before it (so the chunk cuts it). */
    const fileAround = (special: string) => {
      const lines = ['time,down,up'];
      let bytes = lines[0]!.length + 1;
      const at = (i: number) => new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString().slice(0, 19).replace('T', ' ');
      let i = 0;
      for (; bytes < CHUNK - 200; i++) {
        lines.push(`${at(i)},${i % 97},${i % 89}`);
        bytes += lines[lines.length - 1]!.length + 1;
      }
      // A filler line whose value has as many leading zeros as make it end 5 bytes before the chunk does.
      const filler = `${at(i)},,${i % 89}`;
      lines.push(filler.replace(',,', `,${'0'.repeat(CHUNK - 5 - bytes - filler.length - 2)}1,`));
      bytes += lines[lines.length - 1]!.length + 1;
      i++;
      assert.equal(bytes, CHUNK - 5, 'the special line starts 5 bytes before the chunk ends');
      lines.push(special.replace('T', at(i)));
      for (let j = i + 1; j < i + 1000; j++) lines.push(`${at(j)},${j % 97},${j % 89}`);
      return fileWith(`${lines.join('\n')}\n`);
    };
    assert.equal(await readPlainCsvFile(await fileAround('T,1,2,'), CSV, 0, CHUNK), undefined, 'a trailing delimiter');
    assert.equal(await readPlainCsvFile(await fileAround('T,1'), CSV, 0, CHUNK), undefined, 'a field too few');
    const path = await fileAround('T,1,');
    const { fast, streamed } = await readBoth(path);
    assertSameTable(fast, streamed);
    assertSameTable((await readPlainCsvFile(path, CSV, 0, CHUNK))!, streamed);
  });

  it('leaves files smaller than its threshold to the streamed reader', async () => {
    assert.equal(await readPlainCsvFile(await fileWith(syntheticCsv(100, 4)), CSV), undefined);
  });
});
