/**
 * A table as read from a file, before any time-series meaning is given to it: named columns that are
 * numbers, timestamps or text. CSV gives text columns whose numeric ones are recognised here; Parquet gives
 * typed columns.
 */

export type RawColumn =
  | { kind: 'number'; values: Float64Array }
  | { kind: 'time'; values: Float64Array /* epoch ms, NaN when null */ }
  | { kind: 'text'; values: (string | null)[] };

export interface RawTable {
  /** Column names in file order. */
  names: string[];
  columns: Record<string, RawColumn>;
  rows: number;
}

/** Texts a CSV writer uses for a missing number (pandas writes "", numpy "nan"). */
const MISSING = new Set(['', 'nan', 'NaN', 'NAN', 'null', 'NULL', 'None', 'NA', 'N/A', '#N/A']);

/** A text column as numbers when every present value parses as one; undefined otherwise. */
export function asNumbers(values: readonly (string | null)[]): Float64Array | undefined {
  const out = new Float64Array(values.length);
  let present = 0;
  for (let i = 0; i < values.length; i++) {
    const text = values[i];
    if (text === null || text === undefined || MISSING.has(text.trim())) {
      out[i] = NaN;
      continue;
    }
    const value = Number(text);
    if (Number.isNaN(value) && text.trim() !== '') return undefined;
    out[i] = value;
    present++;
  }
  return present > 0 || values.length === 0 ? out : out;
}

/** The values of a column as numbers, or undefined when the column is not numeric. */
export function numericValues(column: RawColumn): Float64Array | undefined {
  if (column.kind === 'number') return column.values;
  if (column.kind === 'text') return asNumbers(column.values);
  return undefined;
}
