/** Reads CSV text into a RawTable (csv-parse), rejecting duplicate or empty column names by name. */
import { parse } from 'csv-parse/sync';
import { DataError } from '../errors.js';
import type { RawTable } from './raw-table.js';

export function readCsv(text: string, source: string): RawTable {
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false, trim: false }) as string[][];
  } catch (cause) {
    throw new DataError(`${source} is not a readable CSV file: ${(cause as Error).message}`, { cause });
  }
  const header = records[0];
  if (!header || header.length === 0) throw new DataError(`${source} is empty: no header row.`);
  const seen = new Set<string>();
  for (const [i, name] of header.entries()) {
    if (name.trim() === '') throw new DataError(`${source}: column ${i + 1} of the header has no name.`);
    if (seen.has(name)) throw new DataError(`${source}: the column name "${name}" appears more than once in the header.`);
    seen.add(name);
  }
  const rows = records.length - 1;
  const columns: RawTable['columns'] = {};
  for (const [j, name] of header.entries()) {
    const values = new Array<string | null>(rows);
    for (let i = 0; i < rows; i++) values[i] = records[i + 1]![j] ?? null;
    columns[name] = { kind: 'text', values };
  }
  return { names: [...header], columns, rows };
}
