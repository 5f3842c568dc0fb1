/**
 * Turns a raw table into a SeriesFrame: finds the time column and parses it, checks the target, and picks the
 * feature columns (the requested ones, or every numeric column), with errors that name the column and show
 * the first bad value.
 */
import { DataError, InvalidParameterError } from '../errors.js';
import type { SeriesFrame } from '../series/frame.js';
import { parseTimestamp } from '../series/timestamps.js';
import { numericValues, type RawColumn, type RawTable } from '../table/raw-table.js';

export interface ColumnChoice {
  timeColumn: string;
  targetColumn: string;
  /** Requested feature columns; empty means every numeric column. */
  featureColumns: string[];
}

export interface FrameFromTable {
  frame: SeriesFrame;
  /** Non-numeric columns left out because no features were requested. */
  skipped: string[];
}

/** `table` as a frame with the target first, then the features in file (or requested) order. */
export function frameFromTable(table: RawTable, choice: ColumnChoice, source: string): FrameFromTable {
  const available = () => table.names.join(', ');
  const timeColumn = table.columns[choice.timeColumn];
  if (!timeColumn) throw new DataError(`${source} has no time column "${choice.timeColumn}"; its columns are: ${available()}.`);
  const targetColumn = table.columns[choice.targetColumn];
  if (!targetColumn) throw new DataError(`${source} has no target column "${choice.targetColumn}"; its columns are: ${available()}.`);

  const time = parseTimeColumn(timeColumn, choice.timeColumn, source);
  const target = requireNumeric(targetColumn, choice.targetColumn, 'Target column', source);

  const skipped: string[] = [];
  let featureNames: string[];
  if (choice.featureColumns.length > 0) {
    const missing = choice.featureColumns.filter((name) => !table.columns[name]);
    if (missing.length > 0) {
      throw new DataError(`${source} has no feature column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}; its columns are: ${available()}.`);
    }
    const repeated = choice.featureColumns.find((name, i) => choice.featureColumns.indexOf(name) !== i);
    if (repeated) throw new InvalidParameterError(`Parameter "feature_columns" names "${repeated}" more than once.`);
    featureNames = choice.featureColumns.filter((name) => name !== choice.targetColumn && name !== choice.timeColumn);
  } else {
    featureNames = table.names.filter((name) => {
      if (name === choice.timeColumn || name === choice.targetColumn) return false;
      if (numericValues(table.columns[name]!)) return true;
      skipped.push(name);
      return false;
    });
  }

  const columns: Record<string, Float64Array> = { [choice.targetColumn]: target };
  for (const name of featureNames) columns[name] = requireNumeric(table.columns[name]!, name, 'Feature column', source);
  return { frame: { time, names: [choice.targetColumn, ...featureNames], columns }, skipped };
}

function parseTimeColumn(column: RawColumn, name: string, source: string): Float64Array {
  if (column.kind === 'time') {
    const bad = column.values.findIndex(Number.isNaN);
    if (bad >= 0) throw new DataError(`${source}: time column "${name}" is empty in row ${bad + 1}.`);
    return column.values;
  }
  if (column.kind === 'number') {
    throw new DataError(`${source}: time column "${name}" holds numbers, not timestamps; expected ISO 8601 text such as "2018-03-28 15:56:00".`);
  }
  const values = new Float64Array(column.values.length);
  for (let i = 0; i < values.length; i++) {
    const text = column.values[i] ?? '';
    values[i] = parseTimestamp(text);
    if (Number.isNaN(values[i]!)) {
      throw new DataError(
        `${source}: time column "${name}" has an unparseable timestamp in row ${i + 1}: ${JSON.stringify(text)}; expected ISO 8601 such as "2018-03-28 15:56:00" (naive times are UTC).`,
      );
    }
  }
  return values;
}

function requireNumeric(column: RawColumn, name: string, what: string, source: string): Float64Array {
  const values = numericValues(column);
  if (values) return values;
  if (column.kind === 'text') {
    const row = column.values.findIndex((text) => text !== null && text.trim() !== '' && Number.isNaN(Number(text)));
    const shown = JSON.stringify(column.values[row]);
    throw new DataError(`${source}: ${what.toLowerCase()} "${name}" is not numeric: row ${row + 1} holds ${shown}.`);
  }
  throw new DataError(`${source}: ${what.toLowerCase()} "${name}" holds timestamps, not numbers.`);
}
