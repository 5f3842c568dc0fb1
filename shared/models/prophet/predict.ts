/**
 * The point forecast (`predict_trend`, `predict_seasonal_components`, `predict`): the trend on the original
 * scale, each component as `X·(β ∘ columns)` (additive ones times y_scale), and
 * `yhat = trend·(1 + multiplicative_terms) + additive_terms`, in Prophet's column order.
 */
import { piecewiseLinear, piecewiseLogistic, flatTrend } from './trend.js';
import type { ComponentColumns, ComponentModes, Growth, ModelParams, PreparedFrame, SeasonalFeatures } from './types.js';

/**
 * A forecast, column by column in Prophet's order: `ds`, `trend`, [`cap`], [`floor`], [`yhat_lower`,
 * `yhat_upper`, `trend_lower`, `trend_upper`], then per component (sorted) `<c>`, [`<c>_lower`, `<c>_upper`],
 * then `yhat`. Interval columns are absent when uncertainty is off.
 */
export interface Forecast {
  ds: Float64Array;
  trend: Float64Array;
  yhat: Float64Array;
  additive_terms: Float64Array;
  multiplicative_terms: Float64Array;
  [column: string]: Float64Array;
}

/** The trend on the original scale: the growth function times y_scale, plus the floor. */
export function predictTrend(
  frame: PreparedFrame,
  growth: Growth,
  params: Pick<ModelParams, 'k' | 'm' | 'delta'>,
  changepoints_t: Float64Array,
  y_scale: number,
): Float64Array {
  const { k, m, delta } = params;
  let trend: Float64Array;
  if (growth === 'linear') trend = piecewiseLinear(frame.t, delta, k, m, changepoints_t);
  else if (growth === 'logistic') trend = piecewiseLogistic(frame.t, frame.cap_scaled!, delta, k, m, changepoints_t);
  else trend = flatTrend(frame.t, m);
  return trend.map((v, i) => v * y_scale + frame.floor[i]!);
}

/** Each component's contribution: `X·(β ∘ indicator)`, times y_scale when the component is additive. */
export function predictSeasonalComponents(
  features: SeasonalFeatures,
  component_cols: ComponentColumns,
  component_modes: ComponentModes,
  beta: Float64Array,
  y_scale: number,
): Map<string, Float64Array> {
  const { X, N, K } = features;
  const additive = new Set(component_modes.additive);
  const out = new Map<string, Float64Array>();
  for (const [component, indicator] of component_cols) {
    const beta_c = beta.map((b, j) => b * indicator[j]!);
    const comp = new Float64Array(N);
    for (let i = 0; i < N; i++) {
      let s = 0;
      for (let j = 0; j < K; j++) s += X[i * K + j]! * beta_c[j]!;
      comp[i] = additive.has(component) ? s * y_scale : s;
    }
    out.set(component, comp);
  }
  return out;
}

/** The interval columns from the simulation. */
export interface Intervals {
  yhat_lower: Float64Array;
  yhat_upper: Float64Array;
  trend_lower: Float64Array;
  trend_upper: Float64Array;
}

/** Puts the columns together in Prophet's order and adds yhat. */
export function assembleForecast(
  frame: PreparedFrame,
  trend: Float64Array,
  components: Map<string, Float64Array>,
  intervals: Intervals | null,
  logistic_floor: boolean,
): Forecast {
  const columns: Record<string, Float64Array> = { ds: frame.ds, trend };
  if (frame.cap) columns['cap'] = frame.cap;
  if (logistic_floor) columns['floor'] = frame.floor;
  if (intervals) Object.assign(columns, intervals);
  for (const [name, values] of components) {
    columns[name] = values;
    // With MAP parameters each component's interval is the point value (a percentile of one sample).
    if (intervals) {
      columns[`${name}_lower`] = values;
      columns[`${name}_upper`] = values;
    }
  }
  const mult = components.get('multiplicative_terms')!;
  const add = components.get('additive_terms')!;
  columns['yhat'] = trend.map((v, i) => v * (1 + mult[i]!) + add[i]!);
  return columns as Forecast;
}
