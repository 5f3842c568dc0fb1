/**
 * Dates as Prophet sees them, held as epoch milliseconds UTC (naive datetimes are read as UTC): parsing
 * and ISO formatting, calendar days, pandas-style time deltas ("365 days") and date ranges by frequency.
 */
import { InvalidParameterError } from '../../errors.js';
import { utcMs } from '../../series/timestamps.js';

export const SECOND_MS = 1000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?(Z|[+-]00:?00)?$/;

/**
 * Epoch milliseconds of an ISO date or datetime ("2017-01-19", "2017-01-19 08:30:00", "…T…Z"); a number
 * is taken as epoch milliseconds already. NaN for an empty or unparseable value.
 */
export function toEpochMs(value: string | number | Date | null | undefined): number {
  if (value === null || value === undefined) return NaN;
  if (typeof value === 'number') return value;
  if (value instanceof Date) return value.getTime();
  const match = ISO.exec(value.trim());
  if (!match) return NaN;
  const [, y, mo, d, h, mi, s, frac] = match;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  return utcMs(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), ms);
}

/** Epoch milliseconds of many values (see `toEpochMs`). */
export function toEpochMsArray(values: ArrayLike<string | number | Date | null | undefined>): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = toEpochMs(values[i]);
  return out;
}

/** pandas' ISO form of a naive timestamp, as `to_json(date_format='iso')` writes it: `2017-01-19T00:00:00.000`. */
export function formatIso(ms: number): string {
  return new Date(ms).toISOString().slice(0, 23);
}

/** The date part ("2017-01-19"). */
export function formatDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** Midnight of the calendar day of `ms` (pandas `dt.normalize()`). */
export function floorDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

const DELTA_UNITS: Record<string, number> = {
  w: WEEK_MS, week: WEEK_MS, weeks: WEEK_MS,
  d: DAY_MS, day: DAY_MS, days: DAY_MS,
  h: HOUR_MS, hr: HOUR_MS, hour: HOUR_MS, hours: HOUR_MS,
  m: MINUTE_MS, min: MINUTE_MS, minute: MINUTE_MS, minutes: MINUTE_MS, t: MINUTE_MS,
  s: SECOND_MS, sec: SECOND_MS, second: SECOND_MS, seconds: SECOND_MS,
  ms: 1, millisecond: 1, milliseconds: 1, l: 1,
};

/**
 * A time span in milliseconds from a pandas `Timedelta` string ("365 days", "4 d", "3 hours", "90min");
 * a number is taken as milliseconds already.
 */
export function parseTimedelta(value: string | number, name = 'timedelta'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidParameterError([{ path: name, message: `${name} must be a finite number of milliseconds; got ${value}.` }]);
    return value;
  }
  const match = /^\s*(-?\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*$/.exec(value);
  const unit = match ? DELTA_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined) {
    throw new InvalidParameterError([{ path: name, message: `${name} must be a time span such as "365 days", "12 hours" or "30 min"; got ${JSON.stringify(value)}.` }]);
  }
  return Number(match[1]) * unit;
}

/** A pandas-style frequency: a fixed step, or a calendar anchor (week ends on Sunday, month start/end, year start/end). */
export type Frequency =
  | { kind: 'fixed'; step: number }
  | { kind: 'week' | 'month-start' | 'month-end' | 'year-start' | 'year-end'; every: number };

/**
 * Parses a pandas frequency alias: `D`, `h`/`H`, `min`/`T`, `s`/`S`, `ms`/`L` (each with an optional
 * multiple, e.g. `3D`, `30min`), `W` (weekly, on Sundays as pandas' `W-SUN`), `MS`, `M`/`ME`, `YS`/`AS`, `Y`/`YE`/`A`.
 *
 * Porting note: pandas knows many more aliases (business days, quarters, …); these are the ones a forecast
 * horizon usually needs.
 */
export function parseFrequency(freq: string): Frequency {
  const match = /^(\d*)([A-Za-z]+)$/.exec(freq.trim());
  const every = match && match[1] ? Number(match[1]) : 1;
  const alias = match ? match[2]! : '';
  const fixed: Record<string, number> = {
    D: DAY_MS, h: HOUR_MS, H: HOUR_MS, min: MINUTE_MS, T: MINUTE_MS, s: SECOND_MS, S: SECOND_MS, ms: 1, L: 1,
  };
  if (match && fixed[alias] !== undefined) return { kind: 'fixed', step: every * fixed[alias] };
  const anchored: Record<string, Frequency['kind']> = {
    W: 'week', 'W-SUN': 'week', MS: 'month-start', M: 'month-end', ME: 'month-end',
    YS: 'year-start', AS: 'year-start', Y: 'year-end', YE: 'year-end', A: 'year-end',
  };
  const kind = match ? anchored[alias] : undefined;
  if (kind === undefined || kind === 'fixed') {
    throw new InvalidParameterError([{ path: 'freq', message: `freq must be a pandas frequency such as "D", "h", "30min", "W", "MS" or "M"; got ${JSON.stringify(freq)}.` }]);
  }
  return { kind, every } as Frequency;
}

/**
 * pandas `date_range(start, periods=n, freq)`: `n` dates from `start`, anchored frequencies first rolling
 * `start` forward onto the anchor (keeping its time of day).
 */
export function dateRange(start: number, periods: number, freq: Frequency): Float64Array {
  const out = new Float64Array(periods);
  if (freq.kind === 'fixed') {
    for (let i = 0; i < periods; i++) out[i] = start + i * freq.step;
    return out;
  }
  const timeOfDay = start - floorDay(start);
  let day = new Date(floorDay(start));
  day = rollForward(day, freq.kind);
  for (let i = 0; i < periods; i++) {
    out[i] = day.getTime() + timeOfDay;
    day = advance(day, freq.kind, freq.every);
  }
  return out;
}

function rollForward(day: Date, kind: Exclude<Frequency['kind'], 'fixed'>): Date {
  const y = day.getUTCFullYear();
  const m = day.getUTCMonth();
  const d = day.getUTCDate();
  switch (kind) {
    case 'week':
      return new Date(day.getTime() + ((7 - day.getUTCDay()) % 7) * DAY_MS);
    case 'month-start':
      return d === 1 ? day : new Date(Date.UTC(y, m + 1, 1));
    case 'month-end':
      return new Date(Date.UTC(y, m + 1, 0));
    case 'year-start':
      return m === 0 && d === 1 ? day : new Date(Date.UTC(y + 1, 0, 1));
    case 'year-end':
      return new Date(Date.UTC(y, 12, 0));
  }
}

function advance(day: Date, kind: Exclude<Frequency['kind'], 'fixed'>, every: number): Date {
  const y = day.getUTCFullYear();
  const m = day.getUTCMonth();
  switch (kind) {
    case 'week':
      return new Date(day.getTime() + every * WEEK_MS);
    case 'month-start':
      return new Date(Date.UTC(y, m + every, 1));
    case 'month-end':
      return new Date(Date.UTC(y, m + every + 1, 0));
    case 'year-start':
      return new Date(Date.UTC(y + every, 0, 1));
    case 'year-end':
      return new Date(Date.UTC(y + every, 12, 0));
  }
}

/**
 * A stand-in for `pd.infer_freq` on a few sorted dates: a constant step, or month starts / month ends.
 * Undefined when no rule fits.
 *
 * Porting note: pandas also infers business-day, weekly-anchored and quarterly frequencies.
 */
export function inferFrequency(dates: ArrayLike<number>): Frequency | undefined {
  if (dates.length < 3) return undefined;
  const step = dates[1]! - dates[0]!;
  let constant = step > 0;
  for (let i = 2; i < dates.length && constant; i++) constant = dates[i]! - dates[i - 1]! === step;
  if (constant) return { kind: 'fixed', step };
  const all = (test: (d: Date) => boolean): boolean => Array.from({ length: dates.length }, (_, i) => new Date(dates[i]!)).every(test);
  const monthly = (): boolean => {
    for (let i = 1; i < dates.length; i++) {
      const a = new Date(dates[i - 1]!);
      const b = new Date(dates[i]!);
      if ((b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth() !== 1) return false;
    }
    return true;
  };
  if (!monthly()) return undefined;
  if (all((d) => d.getUTCDate() === 1 && d.getTime() === floorDay(d.getTime()))) return { kind: 'month-start', every: 1 };
  if (all((d) => new Date(d.getTime() + DAY_MS).getUTCDate() === 1 && d.getTime() === floorDay(d.getTime()))) return { kind: 'month-end', every: 1 };
  return undefined;
}
