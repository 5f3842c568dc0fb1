/** Reads a holidays table for Prophet (its `holidays` DataFrame) from a CSV or Parquet file at a path or URI. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../../errors.js';
import { parseTimestamp } from '../../series/timestamps.js';
import { defaultObjectStore, parseLocation } from '../../store/index.js';
import { numericValues } from '../../table/raw-table.js';
import { readTableFile } from '../../table/read-table.js';
import type { HolidaysTable } from './index.js';

/** A holidays CSV (holiday, ds, optional lower_window, upper_window, prior_scale) from a path or URI. */
export async function readHolidays(uri: string): Promise<HolidaysTable> {
  const location = parseLocation(uri);
  const path = location.kind === 'local' ? location.path : join(await mkdtemp(join(tmpdir(), 'flts-holidays-')), 'holidays.csv');
  if (location.kind !== 'local') await defaultObjectStore().download(uri, path);
  const { table } = await readTableFile(path, `holidays_uri ${uri}`);
  const need = ['holiday', 'ds'].filter((name) => !table.columns[name]);
  if (need.length > 0) throw new DataError(`The holidays table ${uri} lacks column(s) ${need.join(', ')}; it has: ${table.names.join(', ')}.`);
  const names = table.columns['holiday']!;
  const dates = table.columns['ds']!;
  const holiday = names.kind === 'text' ? names.values.map((v) => v ?? '') : Array.from(numericValues(names)!, String);
  const ds = dates.kind === 'time' ? dates.values : Float64Array.from(dates.kind === 'text' ? dates.values : [], (v) => parseTimestamp(v ?? ''));
  const bad = Array.from(ds).findIndex(Number.isNaN);
  if (bad >= 0) throw new DataError(`The holidays table ${uri} has an unparseable date in row ${bad + 1}.`);
  const optional = (name: string) => (table.columns[name] ? numericValues(table.columns[name]!) : undefined);
  const holidays: HolidaysTable = { holiday, ds };
  const lower = optional('lower_window');
  const upper = optional('upper_window');
  const prior = optional('prior_scale');
  if (lower) holidays.lower_window = lower;
  if (upper) holidays.upper_window = upper;
  if (prior) holidays.prior_scale = prior;
  return holidays;
}
