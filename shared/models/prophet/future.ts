/**
 * Future dates to forecast on (`make_future_dataframe`): `periods` steps of `freq` after the last history
 * date, optionally after all history dates (including those whose y was NaN).
 */
import { InvalidParameterError, ModelStateError } from '../../errors.js';
import { dateRange, inferFrequency, parseFrequency, type Frequency } from './dates.js';

/**
 * The dates of `make_future_dataframe`.
 * @param history_dates sorted unique history dates (epoch ms)
 * @param periods number of future dates
 * @param freq pandas frequency alias (see `parseFrequency`); null infers it from the last five history dates
 */
export function makeFutureDates(
  history_dates: Float64Array,
  periods: number,
  freq: string | null = 'D',
  include_history = true,
): Float64Array {
  if (!Number.isInteger(periods) || periods < 0) {
    throw new InvalidParameterError([{ path: 'periods', message: `periods must be a non-negative integer; got ${periods}.` }]);
  }
  let frequency: Frequency;
  if (freq === null) {
    const inferred = inferFrequency(history_dates.subarray(Math.max(0, history_dates.length - 5)));
    if (!inferred) throw new ModelStateError('Unable to infer `freq`');
    frequency = inferred;
  } else {
    frequency = parseFrequency(freq);
  }
  const last_date = history_dates[history_dates.length - 1]!;
  const dates = Array.from(dateRange(last_date, periods + 1, frequency)).filter((d) => d > last_date).slice(0, periods);
  if (!include_history) return Float64Array.from(dates);
  const out = new Float64Array(history_dates.length + dates.length);
  out.set(history_dates);
  out.set(dates, history_dates.length);
  return out;
}
