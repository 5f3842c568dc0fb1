/**
 * Cyclical time features, as upstream FLTS's `time_to_feature` (reference/upstream-flts.md §2.2 step 7):
 * minute of day (period 1440), day of week with Monday = 0 (period 7) and day of year 1..366 (period 365.25),
 * each as a sin/cos pair, computed in UTC.
 */

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
      dayOfYear = day - Math.floor(Date.UTC(new Date(t).getUTCFullYear(), 0, 1) / DAY_MS) + 1;
    }
    setPair(out.min_of_day_sin, out.min_of_day_cos, i, minuteOfDay, 1440);
    setPair(out.day_of_week_sin, out.day_of_week_cos, i, dayOfWeek, 7);
    setPair(out.day_of_year_sin, out.day_of_year_cos, i, dayOfYear, 365.25);
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

function setPair(sin: Float64Array, cos: Float64Array, i: number, value: number, period: number): void {
  const angle = value * ((2 * Math.PI) / period);
  sin[i] = Math.sin(angle);
  cos[i] = Math.cos(angle);
}
