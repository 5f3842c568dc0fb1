/**
 * Timestamps as epoch milliseconds (UTC). Accepts ISO 8601 dates and date-times with a space or "T",
 * optional fractional seconds and an optional zone (Z, ±HH:MM, ±HHMM or ±HH); a time without a zone is taken
 * as UTC. Other layouts are read with a strftime-style format (`timeParser`).
 */
import { InvalidParameterError } from '../errors.js';

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/;

const dayCache = new Map<string, number>();

/** Milliseconds since the epoch, or NaN when `text` is not an ISO timestamp. */
export function parseTimestamp(text: string): number {
  return parseCommonLayout(text) ?? parseIso(text);
}

/**
 * Fast path for the layout data files use most, "YYYY-MM-DD HH:MM:SS" (or with "T"), with no zone: the date
 * part is looked up once per day, the time of day read digit by digit.
 */
function parseCommonLayout(text: string): number | undefined {
  if (text.length !== 19) return undefined;
  const separator = text.charCodeAt(10);
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58 || (separator !== 32 && separator !== 84)) return undefined;
  const h = twoDigits(text, 11);
  const m = twoDigits(text, 14);
  const s = twoDigits(text, 17);
  if (h > 23 || m > 59 || s > 59) return undefined;
  const date = text.slice(0, 10);
  let day = dayCache.get(date);
  if (day === undefined) {
    day = parseIso(date);
    if (dayCache.size > 100_000) dayCache.clear();
    dayCache.set(date, day);
  }
  return day + ((h * 60 + m) * 60 + s) * 1000;
}

/** Two ASCII digits at `at` as a number, or 99 (out of every range) when they are not digits. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : 99;
}

function parseIso(text: string): number {
  const match = ISO.exec(text.trim());
  if (!match) return NaN;
  const [, y, mo, d, h = '0', mi = '0', s = '0', fraction = '', zone] = match;
  return fromParts(Number(y), Number(mo), Number(d), Number(h), Number(mi), Number(s), fraction, zone);
}

/** Epoch ms of calendar fields, NaN when they are out of range or not a real date. */
function fromParts(y: number, month: number, day: number, h: number, mi: number, s: number, fraction: string, zone: string | undefined): number {
  if (month < 1 || month > 12 || day < 1 || day > 31 || h > 23 || mi > 59 || s > 60) return NaN;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  const value = utcMs(y, month - 1, day, h, mi, s, ms);
  // A day past the month's end rolls over into the next; a real calendar date must survive the round trip.
  if (new Date(value).getUTCDate() !== day) return NaN;
  const offset = zoneOffsetMs(zone);
  return value - offset;
}

/** The offset from UTC of Z, ±HH:MM, ±HHMM or ±HH, in ms (0 for none); NaN when malformed. */
function zoneOffsetMs(zone: string | undefined): number {
  if (!zone || zone === 'Z' || zone === 'z') return 0;
  const digits = zone.slice(1).replace(':', '');
  if (!/^\d{2}(\d{2})?$/.test(digits)) return NaN;
  const sign = zone.startsWith('-') ? -1 : 1;
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || '0')) * 60_000;
}

/** What each strftime directive of a `time_format` matches, and which field it sets. */
const DIRECTIVES: Record<string, { pattern: string; field: 'y' | 'Y' | 'm' | 'd' | 'H' | 'M' | 'S' | 'f' | 'z' }> = {
  Y: { pattern: '(\\d{4})', field: 'Y' },
  y: { pattern: '(\\d{2})', field: 'y' },
  m: { pattern: '(\\d{1,2})', field: 'm' },
  d: { pattern: '(\\d{1,2})', field: 'd' },
  H: { pattern: '(\\d{1,2})', field: 'H' },
  M: { pattern: '(\\d{2})', field: 'M' },
  S: { pattern: '(\\d{2})', field: 'S' },
  f: { pattern: '(\\d{1,9})', field: 'f' },
  z: { pattern: '(Z|z|[+-]\\d{2}(?::?\\d{2})?)', field: 'z' },
};

/**
 * A parser of timestamps: ISO 8601 (`parseTimestamp`) when `format` is empty, else the strftime-style `format`
 * with %Y %y %m %d %H %M %S %f (fraction of a second) %z (Z, ±HH:MM, ±HHMM, ±HH) and %%; a time without %z is UTC.
 * Returns NaN for text that does not match. An unknown directive is an error naming the `time_format` parameter.
 */
export function timeParser(format = ''): (text: string) => number {
  if (format === '') return parseTimestamp;
  const fields: (typeof DIRECTIVES)[string]['field'][] = [];
  let pattern = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i]!;
    if (c !== '%') {
      pattern += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      continue;
    }
    const directive = format[++i];
    if (directive === '%') {
      pattern += '%';
      continue;
    }
    const known = directive === undefined ? undefined : DIRECTIVES[directive];
    if (!known) {
      throw new InvalidParameterError(
        `Parameter "time_format" has an unknown directive "%${directive ?? ''}" in ${JSON.stringify(format)}; known: %Y %y %m %d %H %M %S %f %z %%.`,
      );
    }
    pattern += known.pattern;
    fields.push(known.field);
  }
  if (!fields.includes('Y') && !fields.includes('y')) throw new InvalidParameterError(`Parameter "time_format" ${JSON.stringify(format)} has no year (%Y or %y).`);
  const regex = new RegExp(`^\\s*${pattern}\\s*$`);
  return (text) => {
    const match = regex.exec(text);
    if (!match) return NaN;
    const parts: Partial<Record<(typeof fields)[number], string>> = {};
    fields.forEach((field, i) => (parts[field] = match[i + 1]));
    const year = parts.Y !== undefined ? Number(parts.Y) : 2000 + Number(parts.y);
    const n = (value: string | undefined, fallback: number) => (value === undefined ? fallback : Number(value));
    return fromParts(year, n(parts.m, 1), n(parts.d, 1), n(parts.H, 0), n(parts.M, 0), n(parts.S, 0), parts.f ?? '', parts.z);
  };
}

/** ISO 8601 text of an epoch-milliseconds timestamp, without milliseconds when they are zero. */
/**
 * Date.UTC for every year: Date.UTC reads years 0–99 as 1900–1999, so "0099-03-01" would be 1999. Fields out of
 * range roll over as in Date.UTC.
 */
export function utcMs(year: number, monthIndex: number, day = 1, hours = 0, minutes = 0, seconds = 0, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, monthIndex, day);
  return date.setUTCHours(hours, minutes, seconds, ms);
}

export function formatTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}
