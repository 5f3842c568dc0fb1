/**
 * CSV as other tools write it: one small series written in many dialects reads back to the same table; the
 * reader streams a file in chunks with the same result as reading it whole; and what cannot be read is one
 * error naming the file, the line and the column.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InvalidParameterError } from '../../shared/errors.js';
import { frameFromTable } from '../../shared/preprocess/columns.js';
import { csvDialect, readCsv, readCsvFile } from '../../shared/table/csv.js';
import type { RawTable } from '../../shared/table/raw-table.js';
import { tempDir } from '../helpers/component.js';

const T0 = Date.UTC(2024, 0, 1);
const MINUTE = 60_000;
/** The series every dialect below writes: three rows, the second with a missing `up`. */
const EXPECTED = { time: [T0, T0 + MINUTE, T0 + 2 * MINUTE], down: [1.5, 2.25, -3e-7], up: [10, NaN, 12] };
const choice = { timeColumn: 'time', targetColumn: 'down', featureColumns: ['up'] };

/** The table as the preprocess frame: timestamps and both value columns. */
function series(table: RawTable, timeFormat = '') {
  const { frame } = frameFromTable(table, { ...choice, timeFormat }, 'raw.csv');
  return { time: Array.from(frame.time), down: Array.from(frame.columns['down']!), up: Array.from(frame.columns['up']!) };
}

const DIALECTS: Record<string, { text: string; options?: Parameters<typeof readCsv>[2] }> = {
  'commas and LF': { text: 'time,down,up\n2024-01-01 00:00:00,1.5,10\n2024-01-01 00:01:00,2.25,\n2024-01-01 00:02:00,-3e-7,12\n' },
  'a byte-order mark and CRLF': { text: '\ufefftime,down,up\r\n2024-01-01 00:00:00,1.5,10\r\n2024-01-01 00:01:00,2.25,\r\n2024-01-01 00:02:00,-3e-7,12\r\n' },
  'CR line ends and no final line end': { text: 'time,down,up\r2024-01-01 00:00:00,1.5,10\r2024-01-01 00:01:00,2.25,\r2024-01-01 00:02:00,-3e-7,12' },
  'semicolons and decimal commas (sniffed)': { text: 'time;down;up\n2024-01-01 00:00:00;1,5;10\n2024-01-01 00:01:00;2,25;\n2024-01-01 00:02:00;-3e-7;12\n' },
  'tabs': { text: 'time\tdown\tup\n2024-01-01 00:00:00\t1.5\t10\n2024-01-01 00:01:00\t2.25\tNA\n2024-01-01 00:02:00\t-3e-7\t12\n' },
  'pipes and quoted numbers': { text: '"time"|"down"|"up"\n"2024-01-01 00:00:00"|"1.5"|"10"\n"2024-01-01 00:01:00"|"2.25"|""\n"2024-01-01 00:02:00"|"-3e-7"|"12"\n' },
  'quoted decimal commas with comma delimiters (given)': {
    text: 'time,down,up\n2024-01-01 00:00:00,"1,5",10\n2024-01-01 00:01:00,"2,25",\n2024-01-01 00:02:00,-3e-7,12\n',
    options: { decimal: ',' },
  },
  'timestamps with offsets': { text: 'time,down,up\n2024-01-01T01:00:00+01:00,1.5,10\n2023-12-31 19:01:00-0500,2.25,\n2024-01-01T00:02:00Z,-3e-7,12\n' },
  'a header in other case, with spaces': { text: 'Time, Down ,UP\n2024-01-01 00:00:00,1.5,10\n2024-01-01 00:01:00,2.25,\n2024-01-01 00:02:00,-3e-7,12\n' },
  'a given delimiter (semicolon) with decimal points': { text: 'time;down;up\n2024-01-01 00:00:00;1.5;10\n2024-01-01 00:01:00;2.25;\n2024-01-01 00:02:00;-3e-7;12\n', options: { delimiter: ';' } },
};

describe('CSV dialects read to the same series', () => {
  for (const [name, { text, options }] of Object.entries(DIALECTS)) {
    it(name, () => {
      assert.deepEqual(series(readCsv(text, 'raw.csv', options)), EXPECTED);
      // The component's way: the time column parsed while reading.
      assert.deepEqual(series(readCsv(text, 'raw.csv', { ...options, timeColumn: 'time' })), EXPECTED);
    });
  }

  it('sniffs from the first 50 lines, however long they are and however much text follows', () => {
    // 60 lines of 3 KB with ";" and decimal commas (the first 50 end past the first 64 KB of text), then a megabyte
    // of "," lines, which are not among the first 50.
    const long = Array.from({ length: 60 }, (_, i) => `2024-01-01 ${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00;${Array.from({ length: 300 }, (_, k) => `${k},5`).join(';')}`);
    const header = `time;${Array.from({ length: 300 }, (_, k) => `c${k}`).join(';')}`;
    const later = Array.from({ length: 20_000 }, (_, i) => `2024-01-02 00:00:${i % 60},1.5,2.5`);
    assert.deepEqual(csvDialect([header, ...long, ...later].join('\n')), { delimiter: ';', decimal: ',' });
  });

  it('timestamps in a given time_format, in the reader and in the frame', () => {
    const text = 'time,down,up\n01/01/2024 00:00,1.5,10\n01/01/2024 00:01,2.25,\n01/01/2024 00:02,-3e-7,12\n';
    assert.deepEqual(series(readCsv(text, 'raw.csv', { timeColumn: 'time', timeFormat: '%d/%m/%Y %H:%M' })), EXPECTED);
    assert.deepEqual(series(readCsv(text, 'raw.csv'), '%d/%m/%Y %H:%M'), EXPECTED);
  });

  it('quoted fields keep delimiters, doubled quotes and line breaks', () => {
    const table = readCsv('time,note,down\n2024-01-01 00:00:00,"a, ""b""\nc",1\n2024-01-01 00:01:00,plain,2\n', 'raw.csv');
    assert.deepEqual(table.columns['note'], { kind: 'text', values: ['a, "b"\nc', 'plain'] });
    assert.deepEqual(table.lineOf && [table.lineOf(0), table.lineOf(1)], [2, 4]);
  });

  it('sniffs the delimiter and decimal separator from the first lines', () => {
    assert.deepEqual(csvDialect('a;b\n1,5;2\n'), { delimiter: ';', decimal: ',' });
    assert.deepEqual(csvDialect('a;b\n1.5;2\n'), { delimiter: ';', decimal: '.' });
    assert.deepEqual(csvDialect('a\tb\n1,5\t2\n'), { delimiter: '\t', decimal: ',' });
    assert.deepEqual(csvDialect('a,b\n1,2\n'), { delimiter: ',', decimal: '.' });
    assert.deepEqual(csvDialect('"a;x",b\n"1;2",3\n'), { delimiter: ',', decimal: '.' }, 'delimiters inside quotes do not count');
    assert.deepEqual(csvDialect('only\n1\n'), { delimiter: ',', decimal: '.' }, 'one column');
  });
});

describe('CSV streamed from a file', () => {
  it('reads a file of many chunks, with quoted line breaks and CRLF across chunk boundaries, as it reads the text whole', async () => {
    const lines = ['time,note,down,up'];
    for (let i = 0; i < 200_000; i++) {
      const time = new Date(T0 + i * MINUTE).toISOString().slice(0, 19).replace('T', ' ');
      lines.push(`${time},"row ${i}\r\nsaid ""hi"", twice",${(i * 0.37).toFixed(3)},${i % 7 === 0 ? '' : i}`);
    }
    const text = `${lines.join('\r\n')}\r\n`;
    assert.ok(text.length > 3 * 4 * 1024 * 1024, 'several 4 MiB chunks');
    const path = join(await tempDir(), 'big.csv');
    await writeFile(path, text);
    const streamed = await readCsvFile(path, 'big.csv', { timeColumn: 'time' });
    const whole = readCsv(text, 'big.csv', { timeColumn: 'time' });
    assert.equal(streamed.rows, 200_000);
    assert.deepEqual(streamed.columns, whole.columns);
    assert.equal(streamed.lineOf!(199_999), 2 + 2 * 199_999);
    assert.equal((streamed.columns['note'] as { values: string[] }).values[5], 'row 5\r\nsaid "hi", twice');
  });
});

describe('CSV that cannot be read: one error naming the line and column', () => {
  const fails = (text: string, message: string | RegExp, options = {}) =>
    assert.throws(() => series(readCsv(text, 'raw.csv', options)), { message });

  it('a row with too many or too few fields', () => {
    fails('time,down,up\n2024-01-01 00:00:00,1,2\n2024-01-01 00:01:00,1\n', 'raw.csv: row 2 (line 3) has 2 field(s), the header has 3.');
  });

  it('a quoted field that is never closed', () => {
    fails('time,down,up\n2024-01-01 00:00:00,1,2\n2024-01-01 00:01:00,"1,2\n', 'raw.csv: line 3, column 2 ("down"): a quoted field is not closed before the end of the file.');
  });

  it('text after a closing quote', () => {
    fails('time,down,up\n2024-01-01 00:00:00,"1"x,2\n', /^raw\.csv: line 2, column 2 \("down"\): text after the closing quote of a quoted field/);
  });

  it('a value that is not a number, on the line after a quoted line break', () => {
    fails(
      'time,note,down\n2024-01-01 00:00:00,"two\nlines",1\n2024-01-01 00:01:00,x,high\n',
      'raw.csv: target column "down" is not numeric: row 2 (line 4) holds "high".',
    );
  });

  it('a timestamp that does not match the time_format, while reading', () => {
    fails(
      'time,down,up\n01/01/2024 00:00,1,2\n2024-01-01 00:01,1,2\n',
      'raw.csv: time column "time" has an unparseable timestamp in row 2 (line 3): "2024-01-01 00:01"; expected the time_format "%d/%m/%Y %H:%M".',
      { timeColumn: 'time', timeFormat: '%d/%m/%Y %H:%M' },
    );
  });

  it('an empty time field', () => {
    fails('time,down,up\n2024-01-01 00:00:00,1,2\n,1,2\n', 'raw.csv: time column "time" is empty in row 2 (line 3).', { timeColumn: 'time' });
  });

  it('a delimiter or decimal separator that cannot be', () => {
    assert.throws(() => readCsv('a,b\n1,2\n', 'raw.csv', { delimiter: ';;' }), InvalidParameterError);
    assert.throws(() => readCsv('a,b\n1,2\n', 'raw.csv', { decimal: ';' }), /Parameter "decimal" must be "\." or ","/);
    assert.throws(() => readCsv('time,down\n2024-01-01,1\n', 'raw.csv', { timeColumn: 'time', timeFormat: '%d/%q' }), /Parameter "time_format" has an unknown directive "%q"/);
  });
});
