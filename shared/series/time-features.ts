/**
 * Cyclical time features, as upstream FLTS's `time_to_feature` (reference/upstream-flts.md §2.2 step 7):
 * minute of day (period 1440), day of week with Monday = 0 (period 7) and day of year 1..366 (period 365.25),
 * each as a sin/cos pair, computed in UTC.
 */

import { utcMs } from './timestamps.js';

export const TIME_FEATURE_NAMES = [
  'min_of_day_sin',
  'min_of_day_cos',
  'day_of_week_sin',
  'day_of_week_cos',
  'day_of_year_sin',
  'day_of_year_cos',
] as const;

export type TimeFeatureName = (typeof TIME_FEATURE_NAMES)[number];

const DAY_MS = 86_400_000;

export function timeFeatures(time: ArrayLike<number>): Record<TimeFeatureName, Float64Array> {
  const n = time.length;
  const out = Object.fromEntries(TIME_FEATURE_NAMES.map((name) => [name, new Float64Array(n)])) as Record<TimeFeatureName, Float64Array>;
  const minute = cycle(1440, 1440);
  const week = cycle(7, 7);
  const year = cycle(366, 365.25);
  let cachedDay = NaN;
  let dayOfYear = 0;
  for (let i = 0; i < n; i++) {
    const t = time[i]!;
    const day = Math.floor(t / DAY_MS);
    const minuteOfDay = Math.floor((t - day * DAY_MS) / 60_000);
    // Porting note: pandas' dayofweek has Monday = 0; 1970-01-01 (day 0) was a Thursday, i.e. 3.
    const dayOfWeek = (((day + 3) % 7) + 7) % 7;
    if (day !== cachedDay) {
      cachedDay = day;
      dayOfYear = day - Math.floor(utcMs(new Date(t).getUTCFullYear(), 0) / DAY_MS) + 1;
    }
    out.min_of_day_sin[i] = minute.sin[minuteOfDay]!;
    out.min_of_day_cos[i] = minute.cos[minuteOfDay]!;
    out.day_of_week_sin[i] = week.sin[dayOfWeek]!;
    out.day_of_week_cos[i] = week.cos[dayOfWeek]!;
    out.day_of_year_sin[i] = year.sin[dayOfYear]!;
    out.day_of_year_cos[i] = year.cos[dayOfYear]!;
  }
  return out;
}

/** The period of each time feature's cycle in milliseconds (day of year: 365.25 days). */
export const TIME_FEATURE_PERIOD_MS: Record<TimeFeatureName, number> = {
  min_of_day_sin: DAY_MS,
  min_of_day_cos: DAY_MS,
  day_of_week_sin: 7 * DAY_MS,
  day_of_week_cos: 7 * DAY_MS,
  day_of_year_sin: 365.25 * DAY_MS,
  day_of_year_cos: 365.25 * DAY_MS,
};

/**
 * The time features among `names` whose cycle a series spanning `spanMs` has not seen once: a model fitted on it
 * would meet values of them it never saw (ElBorn's 6 training days give the held-out days day-of-week and
 * day-of-year values outside the training range), so what it learnt from them is a trend in disguise.
 */
export function uncoveredTimeFeatures(names: readonly string[], spanMs: number): TimeFeatureName[] {
  return names.filter((name): name is TimeFeatureName => name in TIME_FEATURE_PERIOD_MS && spanMs < TIME_FEATURE_PERIOD_MS[name as TimeFeatureName]);
}

/**
 * sin and cos of value · 2π / period for every whole value below `values` (each feature takes whole values only),
 * computed once: the same arithmetic as per row, so the same bits, without two calls to Math per value and row.
 */
function cycle(values: number, period: number): { sin: Float64Array; cos: Float64Array } {
  const key = `${values}/${period}`;
  let table = cycles.get(key);
  if (!table) {
    table = { sin: new Float64Array(values + 1), cos: new Float64Array(values + 1) };
    for (let value = 0; value <= values; value++) {
      const angle = value * ((2 * Math.PI) / period);
      table.sin[value] = Math.sin(angle);
      table.cos[value] = Math.cos(angle);
    }
    cycles.set(key, table);
  }
  return table;
}

const cycles = new Map<string, { sin: Float64Array; cos: Float64Array }>();
