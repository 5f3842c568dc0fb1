/**
 * Timestamps as epoch milliseconds (UTC). Accepts ISO 8601 dates and date-times with a space or "T",
 * optional fractional seconds and an optional zone (Z or ±HH:MM); a time without a zone is taken as UTC.
 */

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;

/** Milliseconds since the epoch, or NaN when `text` is not an ISO timestamp. */
export function parseTimestamp(text: string): number {
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
