/**
 * The fast path for reading CSV: Polars' multi-threaded reader (nodejs-polars) for the plain files most tools write.
 * It gives exactly the RawTable the streamed reader (csv.ts) gives, or `undefined` when the file is not plain, and
 * the streamed reader, which defines the behaviour (dialects, errors by line and column), reads it instead.
 * Plain: no BOM, no CR, no quote, no blank line; every line as many fields as the header; a one-byte delimiter and
 * "." decimals (given or sniffed as the streamed reader sniffs them); a unique, non-empty header with the time
 * column in it; ISO date-times without zone or fraction, all in one layout, with no `time_format`; every other
 * column numbers or our missing-value markers, none infinite. Polars reads the numbers and checks them; one pass
 * over the lines here checks what Polars cannot tell apart and parses the time column (exactly one layout, a valid
 * date and time), faster than Polars' strptime and its exactness checks took.
 */
import { open } from 'node:fs/promises';
import type pl from 'nodejs-polars';
import { csvDialect, type CsvOptions } from './csv.js';
import { findColumn, MISSING_TEXTS, type RawColumn, type RawTable } from './raw-table.js';

/** The streamed reader sniffs the dialect from its first chunk; so do we, from the same bytes. */
const HEAD_BYTES = 4 * 1024 * 1024;
/** A column after the last, named so no header has it: a line with a field too many fills it. */
const EXTRA = '\u0000extra';

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

/** An ISO date-time layout without zone or fraction: "YYYY-MM-DD", then `separator`, then "HH:MM" and maybe ":SS". */
interface TimeLayout {
  separator: number;
  seconds: boolean;
}

/** The layout `text` has; undefined for any other text. */
function timeLayout(text: string): TimeLayout | undefined {
  const match = /^\d{4}-\d{2}-\d{2}([ T])\d{2}:\d{2}(:\d{2})?$/.exec(text);
  return match ? { separator: match[1]!.charCodeAt(0), seconds: match[2] !== undefined } : undefined;
}

/**
 * Files smaller than this are left to the streamed reader, which reads them faster than Polars starts (measured:
 * 30–100 ms against 90–250 ms for the 0.1–1 MB FLTS site files); below it the native library is not even loaded.
 */
export const POLARS_MIN_BYTES = 4 * 1024 * 1024;

/** Bytes of a file read at a time where Polars' copy of the whole would not fit in memory: it holds a chunk's. */
export const CHUNK_BYTES = 64 * 1024 * 1024;

/**
 * The file at `path` read by Polars, whole (from its path: mapped, parsed on every core) or `chunkBytes` of whole
 * lines at a time (its memory then bounded by a chunk's); undefined when it is not plain (see the module comment) or
 * smaller than `minBytes`.
 */
export async function readPlainCsvFile(path: string, options: CsvOptions = {}, minBytes = POLARS_MIN_BYTES, chunkBytes = Infinity): Promise<RawTable | undefined> {
  if ((options.timeFormat ?? '') !== '' || options.timeColumn === undefined) return undefined;
  const head = await plainHead(path, options, minBytes);
  if (!head) return undefined;
  const timeColumn = findColumn(head.header, options.timeColumn);
  const layout = timeColumn === undefined ? undefined : timeLayout(head.firstRow[head.header.indexOf(timeColumn)] ?? '');
  if (timeColumn === undefined || layout === undefined) return undefined;

  const pl = await loadPolars();
  if (!pl) return undefined;
  const valueColumns = head.header.filter((name) => name !== timeColumn);
  const read: PolarsReading = {
    pl,
    rules: { delimiter: head.delimiter, width: head.header.length, timeField: head.header.indexOf(timeColumn), layout },
    readOptions: {
      sep: head.delimiter,
      hasHeader: false,
      // Quotes off: a quoted field then fails to parse, and the streamed reader (which unquotes) takes the file.
      quoteChar: '',
      inferSchemaLength: 0,
      schema: { ...Object.fromEntries(head.header.map((name) => [name, name === timeColumn ? pl.Utf8 : pl.Float64])), [EXTRA]: pl.Utf8 },
      // The time column is parsed from the lines (scanLines), not by Polars.
      columns: [...valueColumns, EXTRA],
    },
    timeColumn,
    valueColumns,
    lastColumn: head.header[head.header.length - 1]!,
  };
  const columns = new GrowingColumns([timeColumn, ...valueColumns]);
  if (chunkBytes >= head.size) {
    // The whole file at once: Polars reads it from its path (mapped, on every core); its lines are checked as read.
    const whole = await plainColumns(read, path, 1, () => dataLines(path));
    if (!whole) return undefined;
    columns.append(whole.columns, whole.rows);
  } else {
    let first = true;
    for await (const chunk of lineChunks(path, chunkBytes)) {
      // The header is the first chunk's first line.
      const lines = first ? chunk.subarray(chunk.indexOf(10) + 1) : chunk;
      if (first) columns.expectedRows = Math.ceil((head.size / chunk.length) * 1.02 * countLines(lines));
      first = false;
      if (lines.length === 0) continue;
      const values = await plainColumns(read, lines, 0, () => [lines]);
      if (!values) return undefined;
      columns.append(values.columns, values.rows);
    }
  }
  if (columns.rows === 0) return undefined;
  const values = columns.values();
  const table: Record<string, RawColumn> = {};
  for (const name of head.header) table[name] = { kind: name === timeColumn ? 'time' : 'number', values: values[name]! };
  // No quotes and no blank lines: data row r is on line r + 2.
  return { names: head.header, columns: table, rows: columns.rows, lineOf: (row) => row + 2 };
}

interface PolarsReading {
  pl: typeof import('nodejs-polars').default;
  rules: Omit<LineRules, 'emptyLast' | 'rows'>;
  readOptions: Record<string, unknown>;
  timeColumn: string;
  valueColumns: string[];
  lastColumn: string;
}

/**
 * Polars' frame of `source` (a path, or a chunk of whole data lines), or undefined when it is not plain as far as
 * Polars can tell: a field that is not a number, or a line with a field too many (the extra column not empty).
 */
function polarsFrame(read: PolarsReading, source: string | Buffer, skipRows: number): pl.DataFrame | undefined {
  let frame: pl.DataFrame;
  try {
    frame = read.pl.readCSV(source, { ...read.readOptions, skipRows });
  } catch {
    return undefined; // a field that is not a number: the streamed reader makes the column text, or names the field
  }
  return frame.height > 0 && frame.getColumn(EXTRA).nullCount() === frame.height ? frame : undefined;
}

/** The rules for `frame`'s lines: its rows, and those whose last column Polars read as null (see scanLines). */
function lineRules(read: PolarsReading, frame: pl.DataFrame): LineRules {
  const emptyLast = frame.getColumn(read.lastColumn).isNull().argTrue().toTypedArray() as Uint32Array;
  return { ...read.rules, emptyLast, rows: frame.height };
}

/**
 * The columns of `source` (the file's path, or a chunk of whole data lines) and their row count, its `lines` checked
 * and their times parsed; undefined when not plain. Polars reads a field as null where it is empty; the other texts
 * that mean "no value" (MISSING_TEXTS) are asked for only when a read without them fails (a field such as "NA" is not
 * a number) or finds a NaN where no null was ("nan"): matching each field against them costs a fifth of Polars' read.
 */
async function plainColumns(
  read: PolarsReading,
  source: string | Buffer,
  skipRows: number,
  lines: () => AsyncIterable<Buffer> | Iterable<Buffer>,
): Promise<{ columns: Record<string, Float64Array>; rows: number } | undefined> {
  for (const nullValues of [undefined, [...MISSING_TEXTS]]) {
    const reading = nullValues ? { ...read, readOptions: { ...read.readOptions, nullValues } } : read;
    const frame = polarsFrame(reading, source, skipRows);
    if (!frame) continue;
    const rules = lineRules(reading, frame);
    const time = new Float64Array(frame.height);
    const at = { row: 0, next: 0 };
    let plain = true;
    for await (const piece of lines()) if (!(plain = scanLines(piece, rules, at, time))) break;
    const columns = plain && scanned(rules, at) ? frameColumns(reading, frame, time) : undefined;
    if (columns) return { columns, rows: frame.height };
  }
  return undefined;
}

/** The file's data lines (the header left out), a few MiB at a time. */
async function* dataLines(path: string): AsyncGenerator<Buffer> {
  let first = true;
  for await (const chunk of lineChunks(path, 4 * 1024 * 1024)) {
    yield first ? chunk.subarray(chunk.indexOf(10) + 1) : chunk;
    first = false;
  }
}

/** Whether the lines were as many as Polars' rows, and every row with a null last column was seen. */
function scanned(rules: LineRules, at: { row: number; next: number }): boolean {
  return at.row === rules.rows && at.next === rules.emptyLast.length;
}

/**
 * The frame's columns as float64, the time column given: null as NaN (as the streamed reader stores them) in the
 * columns that have nulls, the others copied out as they are (one select, so Polars converts the columns in
 * parallel); undefined when a value is NaN or infinite where no null was (onlyMissingNaN).
 */
function frameColumns(read: PolarsReading, frame: pl.DataFrame, time: Float64Array): Record<string, Float64Array> | undefined {
  const { pl } = read;
  // nodejs-polars wraps each Series and expression in a large object, costly to make: one row of null counts and one
  // expression for every column with nulls, rather than a wrapper per column for each.
  const counts = frame.nullCount().row(0) as number[];
  const nulls = new Map(frame.columns.map((name, i) => [name, Number(counts[i])]));
  const withNulls = read.valueColumns.filter((name) => nulls.get(name)! > 0);
  const converted = withNulls.length > 0 ? frame.select(pl.col(withNulls).fillNull(pl.lit(Number.NaN))) : frame;
  const columns: Record<string, Float64Array> = { [read.timeColumn]: time };
  for (const name of read.valueColumns) {
    const values = (nulls.get(name)! > 0 ? converted : frame).getColumn(name).toTypedArray() as Float64Array;
    if (!onlyMissingNaN(values, nulls.get(name)!)) return undefined;
    columns[name] = values;
  }
  return columns;
}

/**
 * Float64 columns appended a chunk at a time: the first chunk's arrays are kept as they are (a file read in one
 * chunk is never copied); later chunks go into arrays sized for `expectedRows` (grown by a quarter when short).
 */
class GrowingColumns {
  rows = 0;
  expectedRows = 0;
  #arrays: Record<string, Float64Array> = {};
  constructor(readonly names: readonly string[]) {}

  append(chunk: Record<string, Float64Array>, rows: number): void {
    if (this.rows === 0) {
      this.#arrays = { ...chunk };
      this.rows = rows;
      return;
    }
    if (this.rows + rows > this.#arrays[this.names[0]!]!.length) {
      const size = Math.max(this.expectedRows, Math.ceil((this.rows + rows) * 1.25));
      for (const name of this.names) {
        const grown = new Float64Array(size);
        grown.set(this.#arrays[name]!.subarray(0, this.rows));
        this.#arrays[name] = grown;
      }
    }
    for (const name of this.names) this.#arrays[name]!.set(chunk[name]!.subarray(0, rows), this.rows);
    this.rows += rows;
  }

  /** The columns, `rows` long: views of the arrays (a short tail left unused rather than copied). */
  values(): Record<string, Float64Array> {
    return Object.fromEntries(this.names.map((name) => [name, this.#arrays[name]!.subarray(0, this.rows)]));
  }
}

/** The file in chunks of whole lines (the last may lack its line break), about `chunkBytes` each. */
async function* lineChunks(path: string, chunkBytes: number): AsyncGenerator<Buffer> {
  const file = await open(path);
  try {
    let carry = Buffer.alloc(0); // the start of a line cut by the previous read
    for (;;) {
      const buffer = Buffer.allocUnsafe(carry.length + chunkBytes);
      carry.copy(buffer);
      const { bytesRead } = await file.read(buffer, carry.length, chunkBytes, null);
      const filled = buffer.subarray(0, carry.length + bytesRead);
      if (bytesRead === 0) {
        if (filled.length > 0) yield filled;
        return;
      }
      const end = filled.lastIndexOf(10) + 1;
      carry = Buffer.from(filled.subarray(end));
      if (end > 0) yield filled.subarray(0, end);
    }
  } finally {
    await file.close();
  }
}

function countLines(bytes: Buffer): number {
  let lines = 0;
  for (let at = bytes.indexOf(10); at >= 0; at = bytes.indexOf(10, at + 1)) lines++;
  return Math.max(1, lines);
}

/**
 * Whether the NaN in `values` are the `missing` values (nulls, made NaN) and none is infinite: Polars reads "-nan",
 * "nAn" and "inf" as numbers, which the streamed reader, knowing only the markers "nan", "NaN" and "NAN" and
 * JavaScript's Number(), makes text.
 */
function onlyMissingNaN(values: Float64Array, missing: number): boolean {
  let nan = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (value - value !== 0) {
      if (value === value) return false; // ±Infinity (Infinity − Infinity is NaN; NaN is not itself)
      nan++;
    }
  }
  return nan === missing;
}

interface LineRules {
  /** Rows whose last column Polars read as null (ascending): an empty last field, or too few fields. */
  emptyLast: Uint32Array;
  delimiter: string;
  /** Fields per line (the header's). */
  width: number;
  /** Polars' row count: the lines must be as many. */
  rows: number;
  /** Which field holds the time. */
  timeField: number;
  layout: TimeLayout;
}

/**
 * The time of every line of `lines` (whole lines, the last may lack its line break) into `time` from row `at.row`
 * on, parsed in `rules.layout` exactly (a valid date, whole seconds below 60); false when a line is not plain where
 * Polars cannot tell: rows `emptyLast` must have `width` fields, no other line may end with the delimiter (its last
 * field would be empty, so it has a field too many, which Polars' extra column reads as null), no line may be blank,
 * and there are no more lines than Polars' rows (as many: `scanned`, once all are seen). `at` moves on, so lines
 * can come in pieces. memchr for the line ends; only the `emptyLast` rows are counted byte by byte.
 */
function scanLines(lines: Buffer, rules: LineRules, at: { row: number; next: number }, time: Float64Array): boolean {
  const { emptyLast, width, rows, timeField, layout } = rules;
  const separator = rules.delimiter.charCodeAt(0);
  const day = { date: -1, days: 0 };
  let { row, next } = at; // next: index into emptyLast
  for (let start = 0; start < lines.length; row++) {
    const newline = lines.indexOf(10, start);
    const end = newline < 0 ? lines.length : newline;
    if (row >= rows) return false;
    if (row === emptyLast[next]) {
      next++;
      let fields = 1;
      for (let i = start; i < end; i++) if (lines[i] === separator) fields++;
      if (fields !== width) return false;
    } else if (end === start || lines[end - 1] === separator) return false;
    let field = start;
    for (let skipped = 0; skipped < timeField; skipped++) {
      field = lines.indexOf(separator, field) + 1;
      if (field === 0 || field > end) return false;
    }
    const ms = parseTime(lines, field, end, separator, layout, day);
    if (ms !== ms) return false; // NaN
    time[row] = ms;
    start = end + 1;
  }
  at.row = row;
  at.next = next;
  return true;
}

/**
 * Epoch milliseconds (UTC) of the time field at `at` in `layout`, the field ending at the delimiter or `end`; NaN
 * when it is not exactly that layout or not a valid date and time (a leap second included: the streamed reader
 * decides where to put it). `day` caches the last date's days since 1970: rows come a day at a time.
 */
function parseTime(bytes: Buffer, at: number, end: number, separator: number, layout: TimeLayout, day: { date: number; days: number }): number {
  const fieldEnd = at + (layout.seconds ? 19 : 16);
  if (fieldEnd > end || (fieldEnd < end && bytes[fieldEnd] !== separator)) return NaN;
  if (bytes[at + 4] !== 45 || bytes[at + 7] !== 45 || bytes[at + 10] !== layout.separator || bytes[at + 13] !== 58) return NaN;
  if (layout.seconds && bytes[at + 16] !== 58) return NaN;
  // Each digit as an unsigned number: above 9 unless the byte is a digit. Written out, as a closure per call cost 2×.
  const y0 = digit(bytes, at), y1 = digit(bytes, at + 1), y2 = digit(bytes, at + 2), y3 = digit(bytes, at + 3);
  const mo0 = digit(bytes, at + 5), mo1 = digit(bytes, at + 6), d0 = digit(bytes, at + 8), d1 = digit(bytes, at + 9);
  const h0 = digit(bytes, at + 11), h1 = digit(bytes, at + 12), mi0 = digit(bytes, at + 14), mi1 = digit(bytes, at + 15);
  const s0 = layout.seconds ? digit(bytes, at + 17) : 0;
  const s1 = layout.seconds ? digit(bytes, at + 18) : 0;
  if (Math.max(y0, y1, y2, y3, mo0, mo1, d0, d1, h0, h1, mi0, mi1, s0, s1) > 9) return NaN;
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = mo0 * 10 + mo1;
  const date = (year * 100 + month) * 100 + d0 * 10 + d1;
  if (date !== day.date) {
    const dayOfMonth = d0 * 10 + d1;
    if (!(month >= 1 && month <= 12 && dayOfMonth >= 1 && dayOfMonth <= daysInMonth(year, month))) return NaN;
    day.date = date;
    day.days = daysFromCivil(year, month, dayOfMonth);
  }
  const hour = h0 * 10 + h1;
  const minute = mi0 * 10 + mi1;
  const second = s0 * 10 + s1;
  if (hour > 23 || minute > 59 || second > 59) return NaN;
  return ((day.days * 24 + hour) * 60 + minute) * 60_000 + second * 1000;
}

function digit(bytes: Buffer, at: number): number {
  return (bytes[at]! - 48) >>> 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** The header, dialect and first data row from the head of the file, when it is plain so far; undefined otherwise. */
async function plainHead(path: string, options: CsvOptions, minBytes: number): Promise<{ header: string[]; delimiter: string; firstRow: string[]; size: number } | undefined> {
  const file = await open(path);
  let bytes: Buffer;
  let size: number;
  try {
    size = (await file.stat()).size;
    if (size < minBytes) return undefined;
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
  return { header, delimiter: dialect.delimiter, firstRow: firstLine.split(dialect.delimiter), size };
}
