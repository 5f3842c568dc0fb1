/**
 * A table as read from a file, before any time-series meaning is given to it: named columns that are
 * numbers, timestamps or text. CSV gives text columns whose numeric ones are recognised here; Parquet gives
 * typed columns.
 */
import { DataError } from '../errors.js';

export type RawColumn =
  | { kind: 'number'; values: Float64Array }
  | { kind: 'time'; values: Float64Array /* epoch ms, NaN when null */ }
  | { kind: 'text'; values: (string | null)[] };

export interface RawTable {
  /** Column names in file order. */
  names: string[];
  columns: Record<string, RawColumn>;
  rows: number;
  /** For text files: the line (1-based) on which data row `row` (0-based) starts, for errors. */
  lineOf?: (row: number) => number;
}

/** "row 4 (line 5)" for data row index 3: the row as errors name it, with its line when the file has lines. */
export function rowLabel(table: Pick<RawTable, 'lineOf'>, row: number): string {
  return table.lineOf ? `row ${row + 1} (line ${table.lineOf(row)})` : `row ${row + 1}`;
}

/**
 * The column of `names` that a parameter's `wanted` names: the exact name, else the one name that equals it
 * ignoring case and surrounding spaces (a header written "Time" or " down" by another tool); undefined otherwise.
 */
export function findColumn(names: readonly string[], wanted: string): string | undefined {
  if (names.includes(wanted)) return wanted;
  const key = wanted.trim().toLowerCase();
  const matches = names.filter((name) => name.trim().toLowerCase() === key);
  return matches.length === 1 ? matches[0] : undefined;
}

/** Texts a CSV writer uses for a missing number (pandas writes "", numpy "nan"). */
export const MISSING_TEXTS = ['', 'nan', 'NaN', 'NAN', 'null', 'NULL', 'None', 'NA', 'N/A', '#N/A'] as const;
const MISSING = new Set<string>(MISSING_TEXTS);

/** True for the texts that mean "no value". */
export function isMissingText(text: string): boolean {
  return MISSING.has(text.trim());
}

/** A text column as numbers when every present value parses as one; undefined otherwise. */
export function asNumbers(values: readonly (string | null)[]): Float64Array | undefined {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const text = values[i];
    // Fast path: a non-empty field that does not start with whitespace and parses (unary + is Number()).
    if (text && text.charCodeAt(0) > 32) {
      const value = +text;
      if (value === value) {
        out[i] = value;
        continue;
      }
    }
    if (text === null || text === undefined || MISSING.has(text.trim())) {
      out[i] = NaN;
      continue;
    }
    const value = Number(text);
    if (Number.isNaN(value)) return undefined;
    out[i] = value;
  }
  return out;
}

const converted = new WeakMap<RawColumn, Float64Array | null>();

/** The values of a column as numbers, or undefined when the column is not numeric (computed once per column). */
export function numericValues(column: RawColumn): Float64Array | undefined {
  if (column.kind === 'number') return column.values;
  if (column.kind === 'time') return undefined;
  let values = converted.get(column);
  if (values === undefined) {
    values = asNumbers(column.values) ?? null;
    converted.set(column, values);
  }
  return values ?? undefined;
}

/** The error for a time column field that is not a timestamp, at `label` (see `rowLabel`). */
export function unparseableTimestamp(source: string, column: string, label: string, text: string, format: string): DataError {
  const expected = format === '' ? 'ISO 8601 such as "2018-03-28 15:56:00" (naive times are UTC), or set "time_format"' : `the time_format ${JSON.stringify(format)}`;
  return new DataError(`${source}: time column "${column}" has an unparseable timestamp in ${label}: ${JSON.stringify(text)}; expected ${expected}.`);
}
