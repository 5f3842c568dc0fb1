/**
 * Point-forecast error metrics as pure functions over paired arrays (actual, forecast): MSE, RMSE, MAE, and the
 * percentage errors MAPE and sMAPE, which are undefined for some pairs and say how many they skipped.
 */
import { DataError } from '../errors.js';

/** A percentage error together with how many pairs it was defined for. */
export interface PercentageError {
  /** In percent (100 = 100 %); null when no pair is defined. */
  value: number | null;
  /** Pairs the mean is taken over. */
  used: number;
  /** Pairs left out because the metric is undefined for them (MAPE: actual = 0; sMAPE: actual = forecast = 0). */
  skipped: number;
}

/** Mean squared error; NaN for empty input. */
export function mse(actual: ArrayLike<number>, forecast: ArrayLike<number>): number {
  checkPaired(actual, forecast);
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += (actual[i]! - forecast[i]!) ** 2;
  return sum / actual.length;
}

/** Root mean squared error; NaN for empty input. */
export function rmse(actual: ArrayLike<number>, forecast: ArrayLike<number>): number {
  return Math.sqrt(mse(actual, forecast));
}

/** Mean absolute error; NaN for empty input. */
export function mae(actual: ArrayLike<number>, forecast: ArrayLike<number>): number {
  checkPaired(actual, forecast);
  let sum = 0;
  for (let i = 0; i < actual.length; i++) sum += Math.abs(actual[i]! - forecast[i]!);
  return sum / actual.length;
}

/**
 * Mean absolute percentage error, 100 · mean(|a − f| / |a|), over the pairs with a ≠ 0 (the others are counted in
 * `skipped`). Only meaningful in original units: scaling shifts the zero.
 */
export function mape(actual: ArrayLike<number>, forecast: ArrayLike<number>): PercentageError {
  checkPaired(actual, forecast);
  let sum = 0;
  let used = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    if (a === 0) continue;
    sum += Math.abs(a - forecast[i]!) / Math.abs(a);
    used++;
  }
  return percentage(sum, used, actual.length);
}

/**
 * Symmetric MAPE, 100 · mean(2|a − f| / (|a| + |f|)), ranging 0..200, over the pairs where |a| + |f| > 0
 * (Hyndman & Koehler's definition; a pair of zeros is a perfect forecast of nothing and is skipped).
 */
export function smape(actual: ArrayLike<number>, forecast: ArrayLike<number>): PercentageError {
  checkPaired(actual, forecast);
  let sum = 0;
  let used = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const f = forecast[i]!;
    const denominator = Math.abs(a) + Math.abs(f);
    if (denominator === 0) continue;
    sum += (2 * Math.abs(a - f)) / denominator;
    used++;
  }
  return percentage(sum, used, actual.length);
}

function percentage(sum: number, used: number, total: number): PercentageError {
  return { value: used > 0 ? (100 * sum) / used : null, used, skipped: total - used };
}

function checkPaired(actual: ArrayLike<number>, forecast: ArrayLike<number>): void {
  if (actual.length !== forecast.length) {
    throw new DataError(`Cannot compare ${actual.length} actual values with ${forecast.length} forecasts; the lengths must match.`);
  }
}
