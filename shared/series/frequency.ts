/**
 * Sampling intervals: parsing pandas-style frequency strings ("2min", "1h", "30s", "1d", "15T"), writing them
 * back, and inferring the interval of a series as its most common step.
 */
import { InvalidParameterError } from '../errors.js';

const UNITS: Record<string, number> = {
  ms: 1,
  l: 1,
  s: 1_000,
  sec: 1_000,
  min: 60_000,
  t: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** Milliseconds of a frequency string; throws InvalidParameterError naming `parameter`. */
export function parseFrequency(text: string, parameter = 'frequency'): number {
  const match = /^\s*(\d+(?:\.\d+)?)?\s*([a-zA-Z]+)\s*$/.exec(text);
  const unit = match ? UNITS[match[2]!.toLowerCase()] : undefined;
  const count = match?.[1] === undefined ? 1 : Number(match[1]);
  if (!match || unit === undefined || !(count > 0)) {
    throw new InvalidParameterError(
      `Parameter "${parameter}" must be a count and a unit such as "2min", "30s", "1h" or "1d" (units: ms, s, min, h, d, w); got ${JSON.stringify(text)}.`,
    );
  }
  return Math.round(count * unit);
}

/** The shortest pandas-style text for an interval: 120000 → "2min". */
export function formatFrequency(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['min', 60_000], ['s', 1_000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** The most common positive step between consecutive sorted timestamps (ties: the smaller step). */
export function inferFrequency(time: ArrayLike<number>): number | undefined {
  const counts = new Map<number, number>();
  for (let i = 1; i < time.length; i++) {
    const step = time[i]! - time[i - 1]!;
    if (step > 0) counts.set(step, (counts.get(step) ?? 0) + 1);
  }
  let best: number | undefined;
  let bestCount = 0;
  for (const [step, count] of counts) {
    if (count > bestCount || (count === bestCount && step < best!)) {
      best = step;
      bestCount = count;
    }
  }
  return best;
}
