/**
 * Reads CSV text into a RawTable with d3-dsv, column by column: fields are converted to numbers as they are
 * read (no string kept per numeric cell, which keeps memory and garbage collection low), and a column falls
 * back to text at its first field that is neither a number nor a missing-value marker. Duplicate or empty
 * column names are rejected by name.
 */
import { csvParseRows } from 'd3-dsv';
import { DataError } from '../errors.js';
import { isMissingText, type RawColumn, type RawTable } from './raw-table.js';

export function readCsv(text: string, source: string): RawTable {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const newline = body.indexOf('\n');
  const header = csvParseRows(newline === -1 ? body : body.slice(0, newline))[0];
  if (!header || header.length === 0 || (header.length === 1 && header[0]!.trim() === '')) {
    throw new DataError(`${source} is empty: no header row.`);
  }
  const seen = new Set<string>();
  for (const [i, name] of header.entries()) {
    if (name.trim() === '') throw new DataError(`${source}: column ${i + 1} of the header has no name.`);
    if (seen.has(name)) throw new DataError(`${source}: the column name "${name}" appears more than once in the header.`);
    seen.add(name);
  }
  const width = header.length;
  const builders = header.map(() => new ColumnBuilder());
  csvParseRows(newline === -1 ? '' : body.slice(newline + 1), (row, index) => {
    if (row.length === 1 && row[0] === '') return null;
    if (row.length !== width) throw new DataError(`${source}: row ${index + 1} has ${row.length} field(s), the header has ${width}.`);
    for (let j = 0; j < width; j++) builders[j]!.push(row[j]!);
    return null;
  });
  const columns: Record<string, RawColumn> = {};
  header.forEach((name, j) => (columns[name] = builders[j]!.build()));
  return { names: [...header], columns, rows: builders[0]!.length };
}

/** Accumulates one column as numbers until a field proves it is text. */
class ColumnBuilder {
  length = 0;
  #numbers = new Float64Array(1024);
  #texts: string[] | undefined;

  push(field: string): void {
    if (this.#texts) {
      this.#texts.push(field);
      this.length++;
      return;
    }
    let value = NaN;
    // Fast path: unary + is Number(); a leading character above space rules out "" and whitespace (which + reads as 0).
    if (field.charCodeAt(0) > 32) value = +field;
    if (value !== value && !isMissingText(field)) {
      value = Number(field);
      if (value !== value) {
        this.#texts = Array.from(this.#numbers.subarray(0, this.length), (n) => (Number.isNaN(n) ? '' : String(n)));
        this.#texts.push(field);
        this.length++;
        return;
      }
    }
    if (this.length === this.#numbers.length) {
      const grown = new Float64Array(this.#numbers.length * 2);
      grown.set(this.#numbers);
      this.#numbers = grown;
    }
    this.#numbers[this.length++] = value;
  }

  build(): RawColumn {
    if (this.#texts) return { kind: 'text', values: this.#texts };
    return { kind: 'number', values: this.#numbers.slice(0, this.length) };
  }
}
