/**
 * Prophet's initial values for the optimizer (`linear_growth_init`, `logistic_growth_init`,
 * `flat_growth_init`, `calculate_initial_params`): a trend through the first and last points, δ = 0,
 * β = 0, σ_obs = 1.
 */
import { mean } from './numeric.js';
import type { Growth, ModelParams, PreparedFrame } from './types.js';

/** The first row (earliest ds) and the first row holding the latest ds, as pandas' idxmin/idxmax pick them. */
function endpoints(ds: Float64Array): [number, number] {
  let i0 = 0;
  let i1 = 0;
  for (let i = 1; i < ds.length; i++) {
    if (ds[i]! < ds[i0]!) i0 = i;
    if (ds[i]! > ds[i1]!) i1 = i;
  }
  return [i0, i1];
}

/** (k, m) of the line through the first and last points of the scaled history. */
export function linearGrowthInit(df: Pick<PreparedFrame, 'ds' | 't' | 'y_scaled'>): [number, number] {
  const [i0, i1] = endpoints(df.ds);
  const y = df.y_scaled!;
  const T = df.t[i1]! - df.t[i0]!;
  const k = (y[i1]! - y[i0]!) / T;
  const m = y[i0]! - k * df.t[i0]!;
  return [k, m];
}

/** (k, m) of the logistic curve through the first and last points, with y clipped into (1%, 99%) of the cap. */
export function logisticGrowthInit(df: Pick<PreparedFrame, 'ds' | 't' | 'y_scaled' | 'cap_scaled'>): [number, number] {
  const [i0, i1] = endpoints(df.ds);
  const y = df.y_scaled!;
  const cap = df.cap_scaled!;
  const T = df.t[i1]! - df.t[i0]!;
  const C0 = cap[i0]!;
  const C1 = cap[i1]!;
  const y0 = Math.max(0.01 * C0, Math.min(0.99 * C0, y[i0]!));
  const y1 = Math.max(0.01 * C1, Math.min(0.99 * C1, y[i1]!));
  let r0 = C0 / y0;
  const r1 = C1 / y1;
  if (Math.abs(r0 - r1) <= 0.01) r0 = 1.05 * r0;
  const L0 = Math.log(r0 - 1);
  const L1 = Math.log(r1 - 1);
  const m = (L0 * T) / (L0 - L1);
  const k = (L0 - L1) / T;
  return [k, m];
}

/** (0, mean of y_scaled). */
export function flatGrowthInit(df: Pick<PreparedFrame, 'y_scaled'>): [number, number] {
  return [0, mean(df.y_scaled!)];
}

/** `calculate_initial_params`: k and m by growth, δ = 0 (length S), β = 0 (length K), σ_obs = 1. */
export function calculateInitialParams(growth: Growth, history: PreparedFrame, S: number, K: number): ModelParams {
  const [k, m] = growth === 'linear' ? linearGrowthInit(history) : growth === 'flat' ? flatGrowthInit(history) : logisticGrowthInit(history);
  return { k, m, delta: new Float64Array(S), sigma_obs: 1, beta: new Float64Array(K) };
}
