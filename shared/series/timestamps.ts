/**
 * Timestamps as epoch milliseconds (UTC). Accepts ISO 8601 dates and date-times with a space or "T",
 * optional fractional seconds and an optional zone (Z or ±HH:MM); a time without a zone is taken as UTC.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

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
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31 || Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return NaN;
  const ms = Number(fraction.padEnd(3, '0').slice(0, 3));
  let value = Date.UTC(Number(y), month - 1, day, Number(h), Number(mi), Number(s), ms);
  // Date.UTC rolls 31 February over into March; a real calendar date must survive the round trip.
  if (new Date(value).getUTCDate() !== day) return NaN;
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    value -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return value;
}

/** ISO 8601 text of an epoch-milliseconds timestamp, without milliseconds when they are zero. */
export function formatTimestamp(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}
