/**
 * The linear autoregressive baseline: ridge regression of the target h steps ahead on its last p values and a
 * constant, one direct model per step h = 1 … H, fitted on the training split only. It is what a user gets from a
 * linear model in a second; every trainer reports its skill against it and eval can gate on it.
 *
 * p = min(10, input_length), so the baseline never reads further back than the models may. Windows that span a gap
 * in time are not fitted on. The ridge penalty is λ = 10⁻⁴ · trace(XᵀX) / (p + 1): scale-free, small enough to
 * change nothing on well-conditioned data, large enough to keep a near-constant series solvable.
 *
 * As an option (issue 16), the regression also reads other columns' values at the origin (`features`): the
 * recurrent models' linear highway uses it with the series' own measured features (linear-blend.ts); the shared
 * evaluation protocol's baseline reads the target alone.
 */
import { CholeskyDecomposition, Matrix } from 'ml-matrix';
import { DataError } from '../errors.js';
import type { SeriesFrame } from './frame.js';

export const LINEAR_BASELINE_MAX_LAGS = 10;
const RIDGE = 1e-4;

export interface LinearAutoregression {
  /** Lags of the target read, most recent last. */
  lags: number;
  horizon: number;
  /** Other columns read at the origin (their latest value only), after the target's lags. @default [] */
  features?: string[];
  /** (lags + features + 1) × horizon: column h − 1 holds step h's weights (target lags, features, the constant last). */
  weights: Float64Array;
  /** Training windows fitted on. */
  windows: number;
}

/**
 * Fits the baseline on `frame`'s `target` (scaled), and optionally on `features`' values at the origin. Throws a
 * DataError when the frame has no gap-free window of lags + horizon rows.
 */
export function fitLinearAutoregression(
  frame: SeriesFrame,
  target: string,
  inputLength: number,
  horizon: number,
  frequencyMs: number,
  features: readonly string[] = [],
): LinearAutoregression {
  const lags = Math.min(LINEAR_BASELINE_MAX_LAGS, inputLength);
  const y = frame.columns[target]!;
  const extra = features.map((name) => frame.columns[name]!);
  const width = lags + extra.length + 1;
  const rows: number[] = [];
  for (let t = lags - 1; t + horizon < y.length; t++) {
    if (frame.time[t + horizon]! - frame.time[t - lags + 1]! !== (lags + horizon - 1) * frequencyMs) continue;
    let finite = extra.every((column) => Number.isFinite(column[t]!));
    for (let k = t - lags + 1; k <= t + horizon && finite; k++) finite = Number.isFinite(y[k]!);
    if (finite) rows.push(t);
  }
  if (rows.length === 0) throw new DataError(`The training split has no gap-free window of ${lags} + ${horizon} rows to fit the linear baseline on.`);
  const gram = new Matrix(width, width);
  const moments = new Matrix(width, horizon);
  const x = new Float64Array(width);
  for (const t of rows) {
    for (let k = 0; k < lags; k++) x[k] = y[t - lags + 1 + k]!;
    extra.forEach((column, j) => (x[lags + j] = column[t]!));
    x[width - 1] = 1;
    for (let i = 0; i < width; i++) {
      for (let j = 0; j < width; j++) gram.set(i, j, gram.get(i, j) + x[i]! * x[j]!);
      for (let h = 1; h <= horizon; h++) moments.set(i, h - 1, moments.get(i, h - 1) + x[i]! * y[t + h]!);
    }
  }
  let trace = 0;
  for (let i = 0; i < width; i++) trace += gram.get(i, i);
  const lambda = (RIDGE * trace) / width;
  for (let i = 0; i < width; i++) gram.set(i, i, gram.get(i, i) + lambda);
  const solution = new CholeskyDecomposition(gram).solve(moments);
  return { lags, horizon, ...(features.length > 0 && { features: [...features] }), weights: Float64Array.from(solution.to1DArray()), windows: rows.length };
}

/**
 * Scaled forecasts (origins.length, H) row-major from the last `lags` target values up to each origin (and the
 * model's features at the origin, from `columns`, when it reads any).
 */
export function linearForecasts(model: LinearAutoregression, target: Float64Array, origins: Int32Array, columns: Record<string, Float64Array> = {}): Float64Array {
  const { lags, horizon, weights } = model;
  const extra = (model.features ?? []).map((name) => columns[name]!);
  const constant = (lags + extra.length) * horizon;
  const out = new Float64Array(origins.length * horizon);
  for (let i = 0; i < origins.length; i++) {
    const origin = origins[i]!;
    for (let h = 0; h < horizon; h++) {
      let value = weights[constant + h]!;
      for (let k = 0; k < lags; k++) value += weights[k * horizon + h]! * target[origin - lags + 1 + k]!;
      extra.forEach((column, j) => (value += weights[(lags + j) * horizon + h]! * column[origin]!));
      out[i * horizon + h] = value;
    }
  }
  return out;
}
