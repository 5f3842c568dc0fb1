/**
 * Prophet's `performance_metrics` over cross-validation results: mse, rmse, mae, mape, mdape, smape and
 * coverage per horizon, averaged over right-aligned windows of `rolling_window` of the points
 * (`rolling_mean_by_h`, `rolling_median_by_h`).
 */
import { InvalidParameterError } from '../../errors.js';

export const VALID_METRICS = ['mse', 'rmse', 'mae', 'mape', 'mdape', 'smape', 'coverage'] as const;
export type MetricName = (typeof VALID_METRICS)[number];

/** The columns `performance_metrics` reads (a `crossValidation` result). */
export interface CrossValidationFrame {
  ds: Float64Array;
  cutoff: Float64Array;
  y: Float64Array;
  yhat: Float64Array;
  yhat_lower?: Float64Array;
  yhat_upper?: Float64Array;
}

/** One row per horizon: `horizon` (ms, or whole months with `monthly`) and one column per metric. */
export interface PerformanceMetrics {
  horizon: Float64Array;
  [metric: string]: Float64Array;
}

export interface PerformanceMetricsOptions {
  /** Metrics to compute. @default all of VALID_METRICS (coverage only with intervals, mape only when no |y| < 1e-8) */
  metrics?: MetricName[];
  /** Share of the points in each window; 0 gives one value per horizon, < 0 no aggregation. @default 0.1 */
  rolling_window?: number;
  /** Horizons in calendar months from the cutoff's month instead of time spans. @default false */
  monthly?: boolean;
}

/**
 * `performance_metrics`; null when no metric remains.
 *
 * Porting note: Prophet's `register_performance_metric` (user metrics by name) is not ported.
 */
export function performanceMetrics(df: CrossValidationFrame, options: PerformanceMetricsOptions = {}): PerformanceMetrics | null {
  let metrics: string[] = options.metrics ? [...options.metrics] : [...VALID_METRICS];
  const rolling_window = options.rolling_window ?? 0.1;
  if ((!df.yhat_lower || !df.yhat_upper) && metrics.includes('coverage')) metrics = metrics.filter((m) => m !== 'coverage');
  if (new Set(metrics).size !== metrics.length) {
    throw new InvalidParameterError([{ path: 'metrics', message: 'Input metrics must be a list of unique values' }]);
  }
  if (!metrics.every((m) => (VALID_METRICS as readonly string[]).includes(m))) {
    throw new InvalidParameterError([{ path: 'metrics', message: `Valid values for metrics are: ${JSON.stringify(VALID_METRICS)}` }]);
  }
  const n = df.ds.length;
  const rawHorizon = Float64Array.from({ length: n }, (_, i) => (options.monthly ? monthsBetween(df.cutoff[i]!, df.ds[i]!) : df.ds[i]! - df.cutoff[i]!));
  // Porting note: pandas sorts by horizon with an unstable quicksort; we sort stably (equal horizons keep row order).
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => rawHorizon[a]! - rawHorizon[b]!);
  const take = (column: Float64Array): Float64Array => Float64Array.from(order, (i) => column[i]!);
  const h = take(rawHorizon);
  const y = take(df.y);
  const yhat = take(df.yhat);
  const lower = df.yhat_lower && take(df.yhat_lower);
  const upper = df.yhat_upper && take(df.yhat_upper);
  if (metrics.includes('mape') && Math.min(...Array.from(y, Math.abs)) < 1e-8) metrics = metrics.filter((m) => m !== 'mape');
  if (metrics.length === 0) return null;
  let w = Math.trunc(rolling_window * n);
  if (w >= 0) w = Math.min(Math.max(w, 1), n);

  const pointwise: Record<string, (i: number) => number> = {
    mse: (i) => (y[i]! - yhat[i]!) ** 2,
    rmse: (i) => (y[i]! - yhat[i]!) ** 2,
    mae: (i) => Math.abs(y[i]! - yhat[i]!),
    mape: (i) => Math.abs((y[i]! - yhat[i]!) / y[i]!),
    mdape: (i) => Math.abs((y[i]! - yhat[i]!) / y[i]!),
    smape: (i) => {
      const v = Math.abs(y[i]! - yhat[i]!) / ((Math.abs(y[i]!) + Math.abs(yhat[i]!)) / 2);
      return Number.isNaN(v) ? 0 : v;
    },
    coverage: (i) => (y[i]! >= lower![i]! && y[i]! <= upper![i]! ? 1 : 0),
  };
  let result: PerformanceMetrics | undefined;
  for (const metric of metrics) {
    const x = Float64Array.from({ length: n }, (_, i) => pointwise[metric]!(i));
    let column: { horizon: Float64Array; values: Float64Array };
    if (w < 0) column = { horizon: h, values: x };
    else if (metric === 'mdape') column = rollingMedianByH(x, h, w);
    else column = rollingMeanByH(x, h, w);
    if (metric === 'rmse') column.values = column.values.map(Math.sqrt);
    result ??= { horizon: column.horizon };
    result[metric] = column.values;
  }
  return result!;
}

/** Whole calendar months from the month of `from` to the month of `to` (pandas `to_period('M')` difference). */
function monthsBetween(from: number, to: number): number {
  const a = new Date(from);
  const b = new Date(to);
  return (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + (b.getUTCMonth() - a.getUTCMonth());
}

/** Sorted unique horizons with the sum and count of x in each. */
function groupByH(x: Float64Array, h: Float64Array): { hs: number[]; xs: number[]; ns: number[] } {
  const groups = new Map<number, { sum: number; count: number }>();
  for (let i = 0; i < h.length; i++) {
    const g = groups.get(h[i]!);
    if (g) {
      g.sum += x[i]!;
      g.count++;
    } else {
      groups.set(h[i]!, { sum: x[i]!, count: 1 });
    }
  }
  const hs = [...groups.keys()].sort((a, b) => a - b);
  return { hs, xs: hs.map((k) => groups.get(k)!.sum), ns: hs.map((k) => groups.get(k)!.count) };
}

/**
 * `rolling_mean_by_h`: one mean per unique horizon over exactly w points, the window reaching back into
 * earlier horizons (the oldest horizon in a window counted pro rata). Horizons with fewer than w points
 * behind them are dropped.
 */
export function rollingMeanByH(x: Float64Array, h: Float64Array, w: number): { horizon: Float64Array; values: Float64Array } {
  const { hs, xs, ns } = groupByH(x, h);
  let trailing_i = hs.length - 1;
  let x_sum = 0;
  let n_sum = 0;
  const res_x = new Float64Array(hs.length);
  for (let i = hs.length - 1; i >= 0; i--) {
    x_sum += xs[i]!;
    n_sum += ns[i]!;
    while (n_sum >= w) {
      const excess_n = n_sum - w;
      const excess_x = (excess_n * xs[i]!) / ns[i]!;
      res_x[trailing_i] = (x_sum - excess_x) / w;
      x_sum -= xs[trailing_i]!;
      n_sum -= ns[trailing_i]!;
      trailing_i -= 1;
    }
  }
  return { horizon: Float64Array.from(hs.slice(trailing_i + 1)), values: res_x.slice(trailing_i + 1) };
}

/**
 * `rolling_median_by_h`: per unique horizon, the median of its points plus as many earlier points (in
 * sorted order, going back) as needed to reach w. Stops at the first horizon that cannot reach w.
 */
export function rollingMedianByH(x: Float64Array, h: Float64Array, w: number): { horizon: Float64Array; values: Float64Array } {
  const hs = [...new Set(h)].sort((a, b) => a - b);
  const res_h: number[] = [];
  const res_x: number[] = [];
  for (let i = hs.length - 1; i >= 0; i--) {
    const h_i = hs[i]!;
    const xs: number[] = [];
    for (let j = 0; j < h.length; j++) if (h[j] === h_i) xs.push(x[j]!);
    let next_idx_to_add = h.indexOf(h_i) - 1;
    while (xs.length < w && next_idx_to_add >= 0) {
      xs.push(x[next_idx_to_add]!);
      next_idx_to_add -= 1;
    }
    if (xs.length < w) break;
    res_h.push(h_i);
    res_x.push(median(xs));
  }
  return { horizon: Float64Array.from(res_h.reverse()), values: Float64Array.from(res_x.reverse()) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
