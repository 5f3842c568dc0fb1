/**
 * Reads CSV into a RawTable column by column, from text or streamed from a file a chunk at a time (no more than
 * a chunk of text is held; values go straight into typed arrays, so memory is about 8 bytes a cell). The dialect
 * — field delimiter and decimal separator — is given or sniffed from the first lines; a BOM, CRLF or CR line
 * ends, quoted fields (with doubled quotes, delimiters or line breaks inside) and quoted numbers are read as
 * RFC 4180 has them. A column is float64 until a field is neither a number nor a missing-value marker, then text;
 * the time column, when named, is parsed into epoch ms as it is read. Errors name the file, line and column.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { DataError, InvalidParameterError } from '../errors.js';
import { timeParser } from '../series/timestamps.js';
import { findColumn, isMissingText, rowLabel, unparseableTimestamp, type RawColumn, type RawTable } from './raw-table.js';

export interface CsvOptions {
  /** Field delimiter, one character; empty or absent: sniffed from the first lines. */
  delimiter?: string;
  /** Decimal separator of numbers, "." or ","; empty or absent: sniffed. */
  decimal?: string;
  /** The time column as a parameter names it (header case and spaces aside): parsed to timestamps as it is read. */
  timeColumn?: string;
  /** strftime-style layout of the time column; empty: ISO 8601 (see shared/series/timestamps.ts). */
  timeFormat?: string;
}

/** Delimiters the sniffer tries, in order of preference on a tie. */
const DELIMITERS = [',', ';', '\t', '|'];
/** How much text the dialect is sniffed from. */
const SNIFF_CHARS = 64 * 1024;
/** Bytes read from a file at a time. */
const CHUNK_BYTES = 4 * 1024 * 1024;

const QUOTE = 34;
const LF = 10;
const CR = 13;

/** CSV `text` as a table; `source` names it in errors. */
export function readCsv(text: string, source: string, options: CsvOptions = {}): RawTable {
  const reader = new CsvReader(source, options);
  reader.push(text);
  return reader.finish();
}

/** The CSV file at `path` as a table, read in chunks. */
export async function readCsvFile(path: string, source: string, options: CsvOptions = {}): Promise<RawTable> {
  const reader = new CsvReader(source, options, (await stat(path)).size);
  // A string stream decodes UTF-8 across chunk boundaries.
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: CHUNK_BYTES })) reader.push(chunk as string);
  return reader.finish();
}

/** The delimiter and decimal separator of a CSV sample: given ones checked, missing ones sniffed. */
export function csvDialect(sample: string, options: Pick<CsvOptions, 'delimiter' | 'decimal'> = {}): { delimiter: string; decimal: string } {
  const given = options.delimiter ?? '';
  if (given !== '' && (given.length !== 1 || given === '"' || given === '\n' || given === '\r')) {
    throw new InvalidParameterError(`Parameter "csv_delimiter" must be one character other than a quote or line break (such as "," ";" "\\t" "|"); got ${JSON.stringify(given)}.`);
  }
  const decimal = options.decimal ?? '';
  if (decimal !== '' && decimal !== '.' && decimal !== ',') throw new InvalidParameterError(`Parameter "decimal" must be "." or "," (or empty: sniffed); got ${JSON.stringify(decimal)}.`);
  const lines = sampleLines(sample);
  // A decimal comma with comma delimiters is readable when the numbers are quoted, as some tools write them.
  const delimiter = given || sniffDelimiter(lines);
  return { delimiter, decimal: decimal || sniffDecimal(lines, delimiter) };
}

/** Up to 50 complete lines of the sample, split quote-aware into rows of fields per delimiter later. */
function sampleLines(sample: string): string[] {
  const complete = sample.length >= SNIFF_CHARS ? sample.slice(0, sample.lastIndexOf('\n') + 1) : sample;
  // Only the first 50 lines count: a growing prefix of whole lines is split, not a sample of megabytes.
  for (let size = SNIFF_CHARS; ; size *= 4) {
    const prefix = size >= complete.length ? complete : complete.slice(0, complete.lastIndexOf('\n', size) + 1);
    const lines = prefix.split(/\r\n|\n|\r/).filter((line) => line.trim() !== '').slice(0, 50);
    if (lines.length === 50 || prefix === complete) return lines;
  }
}

/** Fields of one line split on `delimiter`, outside quotes, unquoted. */
function splitLine(line: string, delimiter: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '"') quoted = !quoted;
    else if (c === delimiter && !quoted) {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}

/**
 * The candidate that splits the header into the most fields and every sampled line into as many; a comma when
 * none splits the lines evenly (a one-column file, or ragged lines, which the reader then reports by line).
 */
function sniffDelimiter(lines: string[]): string {
  let best = ',';
  let bestFields = 1;
  for (const delimiter of DELIMITERS) {
    const counts = lines.map((line) => splitLine(line, delimiter).length);
    if (counts.length > 0 && counts[0]! > bestFields && counts.every((count) => count === counts[0])) {
      best = delimiter;
      bestFields = counts[0]!;
    }
  }
  return best;
}

const COMMA_DECIMAL = /^\s*[-+]?\d+,\d+(?:[eE][-+]?\d+)?\s*$/;
const POINT_DECIMAL = /^\s*[-+]?\d*\.\d+(?:[eE][-+]?\d+)?\s*$/;

/** "," when the delimiter is not a comma and the sampled fields hold decimal commas but no decimal points. */
function sniffDecimal(lines: string[], delimiter: string): string {
  if (delimiter === ',') return '.';
  const fields = lines.slice(1).flatMap((line) => splitLine(line, delimiter));
  return fields.some((field) => COMMA_DECIMAL.test(field)) && !fields.some((field) => POINT_DECIMAL.test(field)) ? ',' : '.';
}

/** Incremental CSV parsing: `push` text as it comes, `finish` at the end. */
class CsvReader {
  readonly #source: string;
  readonly #options: CsvOptions;
  #pending = '';
  #started = false;
  #delimiter = -1;
  #comma = false;
  #header: string[] | undefined;
  #builders: ColumnBuilder[] = [];
  #time: TimeBuilder | undefined;
  #timeIndex = -1;
  readonly #fields: string[] = [];
  #rows = 0;
  /** The line the pending text starts on. */
  #line = 1;
  /** Rows from which `line - row` changes (a quoted line break, a blank line), and that difference. */
  readonly #breakRows: number[] = [];
  readonly #breakOffsets: number[] = [];

  /** The file's size in bytes, when it is read from a file: the columns are sized for the rows it likely holds. */
  readonly #bytes: number | undefined;

  constructor(source: string, options: CsvOptions, bytes?: number) {
    this.#source = source;
    this.#options = options;
    this.#bytes = bytes;
  }

  push(chunk: string, final = false): void {
    this.#pending = this.#pending.length > 0 ? this.#pending + chunk : chunk;
    if (!this.#started) {
      if (this.#pending.charCodeAt(0) === 0xfeff) this.#pending = this.#pending.slice(1);
      this.#started = true;
    }
    if (this.#delimiter < 0) {
      if (!final && this.#pending.length < SNIFF_CHARS) return;
      const dialect = csvDialect(this.#pending, this.#options);
      this.#delimiter = dialect.delimiter.charCodeAt(0);
      this.#comma = dialect.decimal === ',';
    }
    const consumed = this.#parse(this.#pending, final);
    this.#pending = consumed === this.#pending.length ? '' : this.#pending.slice(consumed);
  }

  finish(): RawTable {
    this.push('', true);
    if (!this.#header) throw new DataError(`${this.#source} is empty: no header row.`);
    const columns: Record<string, RawColumn> = {};
    this.#header.forEach((name, j) => (columns[name] = j === this.#timeIndex ? this.#time!.build() : this.#builders[j]!.build()));
    const rows = this.#rows;
    const breakRows = this.#breakRows;
    const breakOffsets = this.#breakOffsets;
    const lineOf = (row: number): number => {
      // The last change at or before `row` gives its offset (binary search).
      let low = 0;
      let high = breakRows.length - 1;
      while (low < high) {
        const middle = (low + high + 1) >> 1;
        if (breakRows[middle]! <= row) low = middle;
        else high = middle - 1;
      }
      return row + (breakOffsets[low] ?? 2);
    };
    return { names: [...this.#header], columns, rows, lineOf };
  }

  /** Parses the complete rows of `text` (all of it when `final`); returns where the first incomplete row starts. */
  #parse(text: string, final: boolean): number {
    const n = text.length;
    const delimiter = this.#delimiter;
    const fields = this.#fields;
    let i = 0;
    while (i < n) {
      const rowStart = i;
      const rowLine = this.#line;
      let line = rowLine;
      let count = 0;
      let quotedRow = false;
      for (;;) {
        let value: string;
        if (text.charCodeAt(i) === QUOTE) {
          quotedRow = true;
          const fieldLine = line;
          value = '';
          let from = i + 1;
          for (;;) {
            const q = text.indexOf('"', from);
            if (q < 0 || (q + 1 >= n && !final)) {
              if (!final) return rowStart;
              throw new DataError(`${this.#source}: line ${fieldLine}, ${this.#columnName(count)}: a quoted field is not closed before the end of the file.`);
            }
            if (text.charCodeAt(q + 1) === QUOTE) {
              value += text.slice(from, q + 1);
              from = q + 2;
              continue;
            }
            value += text.slice(from, q);
            i = q + 1;
            break;
          }
          for (let k = value.indexOf('\n'); k >= 0; k = value.indexOf('\n', k + 1)) line++;
          const next = text.charCodeAt(i);
          if (i < n && next !== delimiter && next !== LF && next !== CR) {
            throw new DataError(`${this.#source}: line ${line}, ${this.#columnName(count)}: text after the closing quote of a quoted field; a quote inside a field is written twice ("").`);
          }
        } else {
          let j = i;
          while (j < n) {
            const c = text.charCodeAt(j);
            if (c === delimiter || c === LF || c === CR) break;
            j++;
          }
          if (j >= n && !final) return rowStart;
          value = text.slice(i, j);
          i = j;
        }
        fields[count++] = value;
        const c = text.charCodeAt(i);
        if (i < n && c === delimiter) {
          i++;
          continue;
        }
        if (c === CR) {
          if (i + 1 >= n && !final) return rowStart;
          i += text.charCodeAt(i + 1) === LF ? 2 : 1;
        } else if (c === LF) {
          i++;
        }
        break;
      }
      this.#line = line + 1;
      this.#row(count, rowLine, quotedRow);
    }
    return i;
  }

  /** One complete row of `count` fields (in `#fields`) that started on `line`. */
  #row(count: number, line: number, quoted: boolean): void {
    const fields = this.#fields;
    if (!this.#header) {
      this.#startColumns(fields.slice(0, count));
      return;
    }
    if (count === 1 && fields[0] === '' && !quoted) return;
    const width = this.#header.length;
    const row = this.#rows;
    if (count !== width) throw new DataError(`${this.#source}: row ${row + 1} (line ${line}) has ${count} field(s), the header has ${width}.`);
    if (line - row !== this.#breakOffsets[this.#breakOffsets.length - 1]) {
      this.#breakRows.push(row);
      this.#breakOffsets.push(line - row);
    }
    for (let j = 0; j < width; j++) {
      if (j === this.#timeIndex) {
        if (!this.#time!.push(fields[j]!)) {
          const label = rowLabel({ lineOf: () => line }, row);
          throw unparseableTimestamp(this.#source, this.#header[j]!, label, fields[j]!, this.#options.timeFormat ?? '');
        }
      } else {
        this.#builders[j]!.push(fields[j]!);
      }
    }
    this.#rows++;
  }

  #startColumns(header: string[]): void {
    if (header.length === 0 || (header.length === 1 && header[0]!.trim() === '')) throw new DataError(`${this.#source} is empty: no header row.`);
    const seen = new Set<string>();
    for (const [i, name] of header.entries()) {
      if (name.trim() === '') throw new DataError(`${this.#source}: column ${i + 1} of the header has no name.`);
      if (seen.has(name)) throw new DataError(`${this.#source}: the column name "${name}" appears more than once in the header.`);
      seen.add(name);
    }
    this.#header = header;
    // Columns sized for the rows the file likely holds (estimated from the text read so far), so that a large file's
    // columns are neither copied as they grow nor twice their size.
    const rows = this.#bytes === undefined ? 0 : csvShape(this.#pending.slice(0, SNIFF_CHARS), this.#bytes, this.#options).rows;
    const capacity = Math.ceil(rows * 1.08); // the estimate is within a few per cent on files of like lines
    const time = this.#options.timeColumn === undefined ? undefined : findColumn(header, this.#options.timeColumn);
    this.#timeIndex = time === undefined ? -1 : header.indexOf(time);
    if (time !== undefined) this.#time = new TimeBuilder(timeParser(this.#options.timeFormat ?? ''), capacity);
    this.#builders = header.map((_, j) => new ColumnBuilder(this.#comma, j === this.#timeIndex ? 0 : capacity));
  }

  #columnName(index: number): string {
    const name = this.#header?.[index];
    return name === undefined ? `field ${index + 1}` : `column ${index + 1} ("${name}")`;
  }
}

/** A growable float64 column, sized for `capacity` values from the start (then grown by a quarter, not doubled). */
class Float64Builder {
  length = 0;
  #values: Float64Array;
  readonly #growth: number;

  constructor(capacity = 0) {
    this.#values = new Float64Array(Math.max(1024, capacity));
    this.#growth = capacity > 1024 ? 1.25 : 2;
  }

  add(value: number): void {
    if (this.length === this.#values.length) {
      const grown = new Float64Array(Math.ceil(this.#values.length * this.#growth));
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.length++] = value;
  }

  get values(): Float64Array {
    return this.#values.subarray(0, this.length);
  }

  /** The values: a view when little of the storage is unused (no second copy of a large column), else a copy. */
  build(): Float64Array {
    const unused = this.#values.length - this.length;
    return unused <= this.#values.length / 8 ? this.#values.subarray(0, this.length) : this.#values.slice(0, this.length);
  }
}

/** Accumulates one column as numbers until a field proves it is text. */
class ColumnBuilder {
  #numbers: Float64Builder;
  readonly #comma: boolean;
  #texts: string[] | undefined;

  /** `comma`: numbers are written with a decimal comma; `capacity`: the rows expected. */
  constructor(comma: boolean, capacity: number) {
    this.#comma = comma;
    this.#numbers = new Float64Builder(capacity);
  }

  push(field: string): void {
    if (this.#texts) {
      this.#texts.push(field);
      return;
    }
    const text = this.#comma && field.includes(',') ? field.replace(',', '.') : field;
    let value = NaN;
    // Fast path: unary + is Number(); a leading character above space rules out "" and whitespace (which + reads as 0).
    if (text.charCodeAt(0) > 32) value = +text;
    if (value !== value && !isMissingText(text)) {
      value = Number(text);
      if (value !== value) {
        this.#texts = Array.from(this.#numbers.values, (n) => (Number.isNaN(n) ? '' : String(n)));
        this.#texts.push(field);
        this.#numbers = new Float64Builder(); // its storage, sized for the whole file, is not needed any more
        return;
      }
    }
    this.#numbers.add(value);
  }

  build(): RawColumn {
    if (this.#texts) return { kind: 'text', values: this.#texts };
    return { kind: 'number', values: this.#numbers.build() };
  }
}

/** The time column as epoch ms (NaN for a missing field); `push` is false for a field that is not a timestamp. */
class TimeBuilder {
  readonly #times: Float64Builder;
  readonly #parse: (text: string) => number;

  constructor(parse: (text: string) => number, capacity: number) {
    this.#parse = parse;
    this.#times = new Float64Builder(capacity);
  }

  push(field: string): boolean {
    const value = this.#parse(field);
    if (value !== value && !isMissingText(field)) return false;
    this.#times.add(value);
    return true;
  }

  build(): RawColumn {
    return { kind: 'time', values: this.#times.build() };
  }
}

/**
 * The columns of a CSV file and its rows estimated from the first lines' length, from `sample` (its first
 * 64 KiB) and its size in bytes: enough to tell, before reading it, whether it can fit in memory.
 */
export function csvShape(sample: string, size: number, options: Pick<CsvOptions, 'delimiter' | 'decimal'> = {}): { columns: number; rows: number } {
  const text = sample.charCodeAt(0) === 0xfeff ? sample.slice(1) : sample;
  const { delimiter } = csvDialect(text, options);
  const lines = sampleLines(text);
  if (lines.length === 0) return { columns: 0, rows: 0 };
  const columns = splitLine(lines[0]!, delimiter).length;
  const headerBytes = Buffer.byteLength(lines[0]!) + 1;
  const dataBytes = lines.slice(1).reduce((sum, line) => sum + Buffer.byteLength(line) + 1, 0);
  const rows = lines.length > 1 ? Math.ceil(((size - headerBytes) * (lines.length - 1)) / dataBytes) : 0;
  return { columns, rows };
}
