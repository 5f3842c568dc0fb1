/**
 * Holiday features from a user-supplied holidays table (`construct_holiday_dataframe`,
 * `make_holiday_features`): one indicator column per holiday and day offset in its window, sorted by name.
 *
 * Porting note: Prophet's built-in country holidays (the Python `holidays` package) are not ported.
 */
import { InvalidParameterError } from '../../errors.js';
import { DAY_MS, floorDay } from './dates.js';
import type { HolidaysTable } from './types.js';

/** One row of the holidays table, after `construct_holiday_dataframe`. */
export interface HolidayRow {
  holiday: string;
  /** Epoch ms, or NaN for a training holiday that is absent at prediction time. */
  ds: number;
  lower_window: number;
  upper_window: number;
  /** NaN when the table has no prior scale for the row. */
  prior_scale: number;
}

/**
 * The rows of `holidays`, restricted to the holidays seen in training when `train_holiday_names` is set
 * (those absent from the table get a row with a NaN date, so their columns still exist).
 */
export function constructHolidayRows(holidays: HolidaysTable | null, train_holiday_names: readonly string[] | null): HolidayRow[] {
  let rows: HolidayRow[] = [];
  if (holidays) {
    for (let i = 0; i < holidays.holiday.length; i++) {
      rows.push({
        holiday: holidays.holiday[i]!,
        ds: holidays.ds[i]!,
        lower_window: holidays.lower_window?.[i] ?? 0,
        upper_window: holidays.upper_window?.[i] ?? 0,
        prior_scale: holidays.prior_scale?.[i] ?? NaN,
      });
    }
  }
  if (train_holiday_names) {
    const trained = new Set(train_holiday_names);
    rows = rows.filter((row) => trained.has(row.holiday));
    const present = new Set(rows.map((row) => row.holiday));
    for (const name of train_holiday_names) {
      if (!present.has(name)) rows.push({ holiday: name, ds: NaN, lower_window: NaN, upper_window: NaN, prior_scale: NaN });
    }
  }
  return rows;
}

/** Holiday features: column names (sorted), their values, each column's prior scale, and the holiday names in table order. */
export interface HolidayFeatures {
  names: string[];
  columns: Float64Array[];
  prior_scales: number[];
  holiday_names: string[];
}

/**
 * `make_holiday_features`: for each row and each offset in its window, a column `{holiday}_delim_{±offset}`
 * that is 1 on every row whose calendar day is the holiday's day plus the offset (all intraday rows of it).
 */
export function makeHolidayFeatures(ds: ArrayLike<number>, rows: readonly HolidayRow[], holidays_prior_scale: number): HolidayFeatures {
  const rowsByDay = new Map<number, number[]>();
  for (let i = 0; i < ds.length; i++) {
    const day = floorDay(ds[i]!);
    const list = rowsByDay.get(day);
    if (list) list.push(i);
    else rowsByDay.set(day, [i]);
  }
  const expanded = new Map<string, Float64Array>();
  const prior_scales = new Map<string, number>();
  for (const row of rows) {
    // int(NaN) fails in Prophet, which then uses a window of 0..0.
    const windowOk = Number.isFinite(row.lower_window) && Number.isFinite(row.upper_window);
    const lw = windowOk ? Math.trunc(row.lower_window) : 0;
    const uw = windowOk ? Math.trunc(row.upper_window) : 0;
    const ps = Number.isNaN(row.prior_scale) ? holidays_prior_scale : row.prior_scale;
    const known = prior_scales.get(row.holiday);
    if (known !== undefined && known !== ps) {
      throw new InvalidParameterError([
        { path: 'holidays.prior_scale', message: `Holiday '${row.holiday}' does not have consistent prior scale specification.` },
      ]);
    }
    if (ps <= 0) throw new InvalidParameterError([{ path: 'holidays.prior_scale', message: 'Prior scale must be > 0' }]);
    prior_scales.set(row.holiday, ps);
    const day = floorDay(row.ds);
    for (let offset = lw; offset <= uw; offset++) {
      const key = `${row.holiday}_delim_${offset >= 0 ? '+' : '-'}${Math.abs(offset)}`;
      let column = expanded.get(key);
      if (!column) expanded.set(key, (column = new Float64Array(ds.length)));
      for (const i of rowsByDay.get(day + offset * DAY_MS) ?? []) column[i] = 1;
    }
  }
  // Python's sorted() on the names: plain code-point order.
  const names = [...expanded.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    names,
    columns: names.map((n) => expanded.get(n)!),
    prior_scales: names.map((n) => prior_scales.get(n.split('_delim_')[0]!)!),
    holiday_names: [...prior_scales.keys()],
  };
}
