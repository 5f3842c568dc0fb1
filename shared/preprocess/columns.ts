/**
 * Turns a raw table into a SeriesFrame: finds the time column and parses it, checks the target, and picks the
 * feature columns (the requested ones, or every numeric column), with errors that name the column and show
 * the first bad value and its row (and line). A requested column is found by its exact name, else ignoring case
 * and surrounding spaces (`findColumn`); the frame calls it by the requested name.
 */
import { DataError, InvalidParameterError } from '../errors.js';
import type { SeriesFrame } from '../series/frame.js';
import { timeParser } from '../series/timestamps.js';
import { findColumn, numericValues, rowLabel, unparseableTimestamp, type RawColumn, type RawTable } from '../table/raw-table.js';

export interface ColumnChoice {
  timeColumn: string;
  targetColumn: string;
  /** Requested feature columns; empty means every numeric column. */
  featureColumns: string[];
  /** strftime-style layout of a text time column; empty or absent: ISO 8601. */
  timeFormat?: string;
}

export interface FrameFromTable {
  frame: SeriesFrame;
  /** Non-numeric columns left out because no features were requested. */
  skipped: string[];
}

/** `table` as a frame with the target first, then the features in file (or requested) order. */
export function frameFromTable(table: RawTable, choice: ColumnChoice, source: string): FrameFromTable {
  const available = () => table.names.join(', ');
  const timeName = findColumn(table.names, choice.timeColumn);
  if (timeName === undefined) throw new DataError(`${source} has no time column "${choice.timeColumn}"; its columns are: ${available()}.`);
  const targetName = findColumn(table.names, choice.targetColumn);
  if (targetName === undefined) throw new DataError(`${source} has no target column "${choice.targetColumn}"; its columns are: ${available()}.`);

  const time = parseTimeColumn(table, timeName, source, choice.timeFormat ?? '');
  const target = requireNumeric(table, targetName, 'Target column', source);

  const skipped: string[] = [];
  let featureNames: string[];
  if (choice.featureColumns.length > 0) {
    const missing = choice.featureColumns.filter((name) => findColumn(table.names, name) === undefined);
    if (missing.length > 0) {
      throw new DataError(`${source} has no feature column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')}; its columns are: ${available()}.`);
    }
    const repeated = choice.featureColumns.find((name, i) => choice.featureColumns.indexOf(name) !== i);
    if (repeated) throw new InvalidParameterError(`Parameter "feature_columns" names "${repeated}" more than once.`);
    featureNames = choice.featureColumns.filter((name) => ![timeName, targetName].includes(findColumn(table.names, name)!));
  } else {
    featureNames = table.names.filter((name) => {
      if (name === timeName || name === targetName) return false;
      if (numericValues(table.columns[name]!)) return true;
      skipped.push(name);
      return false;
    });
  }

  const columns: Record<string, Float64Array> = { [choice.targetColumn]: target };
  for (const name of featureNames) columns[name] = requireNumeric(table, findColumn(table.names, name)!, 'Feature column', source);
  return { frame: { time, names: [choice.targetColumn, ...featureNames], columns }, skipped };
}

function parseTimeColumn(table: RawTable, name: string, source: string, format: string): Float64Array {
  const column = table.columns[name]!;
  if (column.kind === 'time') {
    let bad = -1;
    for (let i = 0; i < column.values.length && bad < 0; i++) if (Number.isNaN(column.values[i]!)) bad = i;
    if (bad >= 0) throw new DataError(`${source}: time column "${name}" is empty in ${rowLabel(table, bad)}.`);
    return column.values;
  }
  if (column.kind === 'number') {
    throw new DataError(`${source}: time column "${name}" holds numbers, not timestamps; expected ISO 8601 text such as "2018-03-28 15:56:00".`);
  }
  const parse = timeParser(format);
  const values = new Float64Array(column.values.length);
  for (let i = 0; i < values.length; i++) {
    const text = column.values[i] ?? '';
    values[i] = parse(text);
    if (Number.isNaN(values[i]!)) throw unparseableTimestamp(source, name, rowLabel(table, i), text, format);
  }
  return values;
}

function requireNumeric(table: RawTable, name: string, what: string, source: string): Float64Array {
  const column: RawColumn = table.columns[name]!;
  const values = numericValues(column);
  if (values) return values;
  if (column.kind === 'text') {
    const row = column.values.findIndex((text) => text !== null && text.trim() !== '' && Number.isNaN(Number(text)));
    const shown = JSON.stringify(column.values[row]);
    throw new DataError(`${source}: ${what.toLowerCase()} "${name}" is not numeric: ${rowLabel(table, row)} holds ${shown}.`);
  }
  throw new DataError(`${source}: ${what.toLowerCase()} "${name}" holds timestamps, not numbers.`);
}
