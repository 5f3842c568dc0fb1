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
