/**
 * The fast path for reading CSV: Polars' multi-threaded reader (nodejs-polars) for the plain files most tools write.
 * It gives exactly the RawTable the streamed reader (csv.ts) gives, or `undefined` when the file is not plain, and
 * the streamed reader, which defines the behaviour (dialects, errors by line and column), reads it instead.
 * Plain: no BOM, no CR, no quote, no blank line; every line as many fields as the header; a one-byte delimiter and
 * "." decimals (given or sniffed as the streamed reader sniffs them); a unique, non-empty header with the time
 * column in it; ISO date-times without zone or fraction, all in one layout, with no `time_format`; every other
 * column numbers or our missing-value markers, none infinite. Each condition is checked, mostly by Polars.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type pl from 'nodejs-polars';
import { csvDialect, type CsvOptions } from './csv.js';
import { findColumn, MISSING_TEXTS, type RawColumn, type RawTable } from './raw-table.js';

/** The streamed reader sniffs the dialect from its first chunk; so do we, from the same bytes. */
const HEAD_BYTES = 4 * 1024 * 1024;
/** A column after the last, named so no header has it: a line with a field too many fills it. */
const EXTRA = '\u0000extra';
/** The parsed time column, named so no header has it. */
const PARSED = '\u0000time';

/**
 * Polars, loaded on first use (its native library is 111 MB, and most runs never read a large CSV); undefined
 * where it is not installed (another platform), and the streamed reader serves.
 */
async function loadPolars(): Promise<typeof import('nodejs-polars').default | undefined> {
  try {
    return (await import('nodejs-polars')).default;
  } catch {
    return undefined;
  }
}

/** The strptime layout of an ISO date-time without zone or fraction, as `text` has it; undefined for any other text. */
function timeLayout(text: string): { format: string; pattern: string } | undefined {
  const match = /^\d{4}-\d{2}-\d{2}([ T])\d{2}:\d{2}(:\d{2})?$/.exec(text);
  if (!match) return undefined;
  const seconds = match[2] !== undefined;
  return { format: `%Y-%m-%d${match[1]}%H:%M${seconds ? ':%S' : ''}`, pattern: `^\\d{4}-\\d{2}-\\d{2}${match[1]}\\d{2}:\\d{2}${seconds ? ':\\d{2}' : ''}$` };
}

/**
 * Files smaller than this are left to the streamed reader, which reads them faster than Polars starts (measured:
 * 30–100 ms against 90–250 ms for the 0.1–1 MB FLTS site files); below it the native library is not even loaded.
 */
export const POLARS_MIN_BYTES = 4 * 1024 * 1024;

/** The file at `path` read by Polars, or undefined when it is not plain (see the module comment) or smaller than `minBytes`. */
export async function readPlainCsvFile(path: string, options: CsvOptions = {}, minBytes = POLARS_MIN_BYTES): Promise<RawTable | undefined> {
  if ((options.timeFormat ?? '') !== '' || options.timeColumn === undefined) return undefined;
  const head = await plainHead(path, options, minBytes);
  if (!head) return undefined;
  const timeColumn = findColumn(head.header, options.timeColumn);
  const layout = timeColumn === undefined ? undefined : timeLayout(head.firstRow[head.header.indexOf(timeColumn)] ?? '');
  if (timeColumn === undefined || layout === undefined) return undefined;

  const pl = await loadPolars();
  if (!pl) return undefined;
  let frame: pl.DataFrame;
  try {
    frame = pl.readCSV(path, {
      sep: head.delimiter,
      hasHeader: false,
      skipRows: 1,
      // Quotes off: a quoted field then fails to parse, and the streamed reader (which unquotes) takes the file.
      quoteChar: '',
      inferSchemaLength: 0,
      schema: { ...Object.fromEntries(head.header.map((name) => [name, name === timeColumn ? pl.Utf8 : pl.Float64])), [EXTRA]: pl.Utf8 },
      nullValues: [...MISSING_TEXTS],
    });
    // One layout for every row, as the first row has it (checked exactly below): Polars parses it at full speed.
    frame = frame.withColumns(pl.col(timeColumn).str.strptime(pl.Datetime('ms'), layout.format).cast(pl.Datetime('ms')).cast(pl.Int64).alias(PARSED));
  } catch {
    return undefined; // a field that is not a number: the streamed reader makes the column text, or names the field
  }
  if (!allRowsPlain(pl, frame, timeColumn, layout.pattern, head.header.filter((name) => name !== timeColumn))) return undefined;
  // What Polars reads alike from different lines (too few fields, or a last field too many and empty) is told apart
  // by the lines themselves.
  const emptyLast = frame.getColumn(head.header[head.header.length - 1]!).isNull().argTrue().toTypedArray() as Uint32Array;
  if (!(await linesPlain(path, emptyLast, head.delimiter, head.header.length))) return undefined;

  // Epoch ms as float64, and null as NaN (as the streamed reader stores them) in the columns that have nulls; the
  // others are copied out as they are. One select, so Polars converts the columns in parallel.
  const nulls = frame.nullCount();
  const converted = frame.select(
    pl.col(PARSED).cast(pl.Float64).alias(timeColumn),
    ...head.header.filter((name) => name !== timeColumn && Number(nulls.getColumn(name).get(0)) > 0).map((name) => pl.col(name).fillNull(pl.lit(Number.NaN))),
  );
  const columns: Record<string, RawColumn> = {};
  for (const name of head.header) {
    const values = (converted.columns.includes(name) ? converted : frame).getColumn(name).toTypedArray() as Float64Array;
    columns[name] = { kind: name === timeColumn ? 'time' : 'number', values };
  }
  // No quotes and no blank lines: data row r is on line r + 2.
  return { names: head.header, columns, rows: frame.height, lineOf: (row) => row + 2 };
}

/**
 * Whether Polars' rows are plain so far, in one pass: no line with a field too many (the extra column empty), none
 * blank (Polars makes it a row of nulls: the time column has none), every time in the one layout exactly, whole
 * seconds (a leap second, which the two readers might place apart, is left to the streamed one), and no value NaN
 * or infinite: Polars reads "-nan", "nAn" and "inf", which the streamed reader, knowing only the markers "nan",
 * "NaN" and "NAN" (null here) and JavaScript's Number(), makes text.
 */
function allRowsPlain(pl: typeof import('nodejs-polars').default, frame: pl.DataFrame, timeColumn: string, timePattern: string, valueColumns: string[]): boolean {
  if (frame.height === 0) return false;
  const checks = frame.select(
    ...valueColumns.map((name, i) => pl.col(name).isNan().or(pl.col(name).isInfinite()).sum().alias(`\u0000odd${i}`)),
    pl.col(EXTRA).nullCount().alias('extra'),
    pl.col(timeColumn).nullCount().alias('time'),
    pl.col(PARSED).nullCount().alias('parsed'),
    // Polars' strptime is lenient (it reads "00:02:00.5" as 00:02:00, and "00:02:0"): every text must match exactly.
    pl.col(timeColumn).str.contains(timePattern).sum().alias('matching'),
    pl.col(PARSED).modulo(1000).abs().max().alias('fraction'),
  );
  const value = (name: string) => Number(checks.getColumn(name).get(0));
  return value('extra') === frame.height && value('time') === 0 && value('parsed') === 0 && value('fraction') === 0 &&
    value('matching') === frame.height && valueColumns.every((_, i) => value(`\u0000odd${i}`) === 0);
}

/**
 * Whether the lines agree with Polars' rows where Polars cannot tell: rows `emptyLast` (ascending; their last
 * column is empty, as a line with too few fields also leaves it) must have `width` fields, and no other line may
 * end with the delimiter (its last field would be empty, so it has a field too many, which Polars' extra column
 * reads as null). One pass, memchr for the line ends; only those rows are counted byte by byte.
 */
async function linesPlain(path: string, emptyLast: Uint32Array, delimiter: string, width: number): Promise<boolean> {
  const separator = delimiter.charCodeAt(0);
  let row = -1; // the header is row -1
  let next = 0; // index into emptyLast
  const plain = (bytes: Buffer, start: number, end: number): boolean => {
    if (row === emptyLast[next]) {
      next++;
      let fields = 1;
      for (let i = start; i < end; i++) if (bytes[i] === separator) fields++;
      return fields === width;
    }
    return row < 0 || end === start || bytes[end - 1] !== separator;
  };
  let carry: Buffer | undefined; // the start of a line cut by the chunk boundary
  for await (const chunk of createReadStream(path, { highWaterMark: 4 * 1024 * 1024 })) {
    const bytes = chunk as Buffer;
    let start = 0;
    if (carry && carry.length > 0) {
      // Only the cut line is joined, not the whole chunk.
      const end = bytes.indexOf(10);
      if (end < 0) {
        carry = Buffer.concat([carry, bytes]);
        continue;
      }
      const line = Buffer.concat([carry, bytes.subarray(0, end)]);
      if (!plain(line, 0, line.length)) return false;
      row++;
      start = end + 1;
    }
    for (let end = bytes.indexOf(10, start); end >= 0; end = bytes.indexOf(10, start)) {
      if (!plain(bytes, start, end)) return false;
      row++;
      start = end + 1;
    }
    carry = bytes.subarray(start);
  }
  if (carry && carry.length > 0 && !plain(carry, 0, carry.length)) return false;
  return next === emptyLast.length;
}

/** The header, dialect and first data row from the head of the file, when it is plain so far; undefined otherwise. */
async function plainHead(path: string, options: CsvOptions, minBytes: number): Promise<{ header: string[]; delimiter: string; firstRow: string[] } | undefined> {
  const file = await open(path);
  let bytes: Buffer;
  try {
    if ((await file.stat()).size < minBytes) return undefined;
    const { buffer, bytesRead } = await file.read(Buffer.alloc(HEAD_BYTES), 0, HEAD_BYTES, 0);
    bytes = buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return undefined;
  if (bytes.includes(13)) return undefined; // CR: CRLF or old Mac line ends
  const text = bytes.toString('utf8');
  let dialect: { delimiter: string; decimal: string };
  try {
    dialect = csvDialect(text, options);
  } catch {
    return undefined; // a bad csv_delimiter or decimal parameter: the streamed reader reports it
  }
  if (dialect.decimal !== '.' || Buffer.byteLength(dialect.delimiter) !== 1) return undefined;
  const [headerLine, firstLine] = text.split('\n', 2);
  if (!headerLine || firstLine === undefined || headerLine.includes('"')) return undefined;
  const header = headerLine.split(dialect.delimiter);
  if (header.some((name) => name.trim() === '') || new Set(header).size !== header.length) return undefined;
  return { header, delimiter: dialect.delimiter, firstRow: firstLine.split(dialect.delimiter) };
}
