/**
 * The values preprocess accepts, checked on the raw table before any transform: a file with a header and no rows
 * is refused as such, and a number that is infinite or beyond `value_bound` in magnitude (a sensor's overflow,
 * "Infinity" in a cell, 1e308) is either an error naming the column, row and file, or — with
 * `invalid_values="gap"` — a missing value that imputation fills like any other. Never an infinity in a split.
 */
import { DataError } from '../../shared/errors.js';
import type { Logger } from '../../shared/log.js';
import { numericValues, type RawTable } from '../../shared/table/raw-table.js';

export interface ValueRules {
  /** "error" refuses the file; "gap" turns each bad value into a missing one. */
  mode: 'error' | 'gap';
  /** Largest magnitude accepted. */
  bound: number;
  /** The time column, which is not checked here. */
  timeColumn: string;
}

/** Checks (and with "gap", blanks) the numbers of every column but the time column of `table`, read from `source`. */
export function checkValues(table: RawTable, source: string, rules: ValueRules, log: Logger): void {
  if (table.rows === 0) throw new DataError(`${source} has a header but no data rows.`);
  for (const name of table.names) {
    if (name === rules.timeColumn) continue;
    const values = numericValues(table.columns[name]!);
    if (!values) continue;
    let blanked = 0;
    for (let row = 0; row < values.length; row++) {
      const value = values[row]!;
      if (Number.isNaN(value) || Math.abs(value) <= rules.bound) continue;
      if (rules.mode === 'error') {
        throw new DataError(
          `Column "${name}" of ${source} holds ${value} in data row ${row + 1}; values must be finite and within ±${rules.bound} (value_bound). ` +
            'Correct the data, or set invalid_values="gap" to treat such values as missing.',
        );
      }
      values[row] = Number.NaN;
      blanked += 1;
    }
    if (blanked > 0) log.warn(`Column "${name}" of ${source}: ${blanked} infinite or out-of-range value(s) (beyond ±${rules.bound}) treated as missing (invalid_values="gap").`);
  }
}
