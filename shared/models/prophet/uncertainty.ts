/**
 * Uncertainty intervals by simulation, as Prophet's vectorized path does it (`sample_posterior_predictive`,
 * `_sample_uncertainty`, `_make_trend_shift_matrix`, `_logistic_uncertainty`, `predict_uncertainty`): future
 * trend changes with the history's frequency and mean size, plus observation noise on every row, then the
 * percentiles of the draws per row.
 *
 * Porting note: only the vectorized path (Prophet's default) is ported, and draws come from our seeded
 * `Random`, not numpy's global RNG: uniforms, then Laplace draws, then the noise row by row.
 */
import { mean, percentilePairInPlace } from './numeric.js';
import type { Random } from './random.js';
import { flatTrend, piecewiseLinear, piecewiseLogistic } from './trend.js';
import type { Growth, ModelParams, PreparedFrame, SeasonalFeatures } from './types.js';
import type { Intervals } from './predict.js';

/** What the simulation needs from the fitted model. */
export interface SimulationContext {
  growth: Growth;
  params: ModelParams;
  changepoints_t: Float64Array;
  y_scale: number;
  /** Scaled times of the fitted history (for the step size when only one future row is asked for). */
  history_t: Float64Array;
}

/** Draws per row, row-major: `values[i * n + s]` is draw s of row i. */
export interface Draws {
  yhat: Float64Array;
  trend: Float64Array;
  /** Number of draws per row. */
  n: number;
}

/**
 * Called once per row with that row's draws (scratch buffers, valid only during the call); `trendVaries` is
 * false where the trend has no simulated uncertainty (t ≤ 1), so all its trend draws are equal.
 */
type RowVisitor = (i: number, yhat: Float64Array, trend: Float64Array, trendVaries: boolean) => void;

/**
 * The simulation of `sample_model_vectorized` for a MAP fit, row by row: trend draws
 * `(expected + deviation)·y_scale + floor` and yhat draws `trend·(1 + Xβ_m) + Xβ_a·y_scale + noise`.
 */
function simulateRows(
  frame: PreparedFrame,
  features: SeasonalFeatures,
  s_a: Float64Array,
  s_m: Float64Array,
  ctx: SimulationContext,
  n_samples: number,
  rng: Random,
  visit: RowVisitor,
): void {
  const { X, N, K } = features;
  const { params, y_scale } = ctx;
  const expected = expectedTrend(frame, ctx);
  const { firstFuture, deviations } = sampleUncertainty(frame, ctx, n_samples, rng);
  const yhat = new Float64Array(n_samples);
  const trend = new Float64Array(n_samples);
  const noiseScale = params.sigma_obs * y_scale;
  for (let i = 0; i < N; i++) {
    let a = 0;
    let m = 0;
    for (let j = 0; j < K; j++) {
      const xb = X[i * K + j]! * params.beta[j]!;
      a += xb * s_a[j]!;
      m += xb * s_m[j]!;
    }
    const Xb_a = a * y_scale;
    const Xb_m = m;
    const future = deviations !== undefined && i >= firstFuture ? (i - firstFuture) * n_samples : -1;
    for (let s = 0; s < n_samples; s++) {
      const u = future >= 0 ? deviations![future + s]! : 0;
      const tr = (expected[i]! + u) * y_scale + frame.floor[i]!;
      trend[s] = tr;
      yhat[s] = tr * (1 + Xb_m) + Xb_a + rng.normal() * noiseScale;
    }
    visit(i, yhat, trend, future >= 0);
  }
}

/** `sample_posterior_predictive` for a MAP fit: `n_samples` draws of yhat and trend for every row of `frame`. */
export function samplePosteriorPredictive(
  frame: PreparedFrame,
  features: SeasonalFeatures,
  s_a: Float64Array,
  s_m: Float64Array,
  ctx: SimulationContext,
  n_samples: number,
  rng: Random,
): Draws {
  const N = features.N;
  const yhat = new Float64Array(N * n_samples);
  const trend = new Float64Array(N * n_samples);
  simulateRows(frame, features, s_a, s_m, ctx, n_samples, rng, (i, y, tr) => {
    yhat.set(y, i * n_samples);
    trend.set(tr, i * n_samples);
  });
  return { yhat, trend, n: n_samples };
}

/**
 * `predict_uncertainty`: the (1 ± interval_width)/2 percentiles of the simulated yhat and trend, per row.
 * The same draws as `samplePosteriorPredictive`, reduced row by row instead of stored.
 */
export function predictUncertainty(
  frame: PreparedFrame,
  features: SeasonalFeatures,
  s_a: Float64Array,
  s_m: Float64Array,
  ctx: SimulationContext,
  n_samples: number,
  interval_width: number,
  rng: Random,
): Intervals {
  const N = features.N;
  const lower_p = (100 * (1.0 - interval_width)) / 2;
  const upper_p = (100 * (1.0 + interval_width)) / 2;
  const out: Intervals = {
    yhat_lower: new Float64Array(N),
    yhat_upper: new Float64Array(N),
    trend_lower: new Float64Array(N),
    trend_upper: new Float64Array(N),
  };
  simulateRows(frame, features, s_a, s_m, ctx, n_samples, rng, (i, yhat, trend, trendVaries) => {
    [out.yhat_lower[i], out.yhat_upper[i]] = percentilePairInPlace(yhat, 0, n_samples, lower_p, upper_p);
    if (trendVaries) {
      [out.trend_lower[i], out.trend_upper[i]] = percentilePairInPlace(trend, 0, n_samples, lower_p, upper_p);
    } else {
      // Every draw is the same number, and so is each of its percentiles.
      out.trend_lower[i] = trend[0]!;
      out.trend_upper[i] = trend[0]!;
    }
  });
  return out;
}

/** The trend of the MAP parameters on the scaled axis (no y_scale, no floor). */
function expectedTrend(frame: PreparedFrame, ctx: SimulationContext): Float64Array {
  const { k, m, delta } = ctx.params;
  if (ctx.growth === 'linear') return piecewiseLinear(frame.t, delta, k, m, ctx.changepoints_t);
  if (ctx.growth === 'logistic') return piecewiseLogistic(frame.t, frame.cap_scaled!, delta, k, m, ctx.changepoints_t);
  return flatTrend(frame.t, m);
}

/**
 * `_sample_uncertainty`: simulated trend deviations of the future rows (t > 1), row-major
 * (`[(i − firstFuture) · n + s]`); rows with t ≤ 1 have none. Undefined when there is no future row or the
 * growth is flat.
 */
function sampleUncertainty(
  frame: PreparedFrame,
  ctx: SimulationContext,
  n_samples: number,
  rng: Random,
): { firstFuture: number; deviations: Float64Array | undefined } {
  const firstFuture = frame.t.findIndex((t) => t > 1);
  if (firstFuture < 0 || ctx.growth === 'flat') return { firstFuture, deviations: undefined };
  const t_time = frame.t.subarray(firstFuture);
  const n_length = t_time.length;
  const single_diff = meanDiff(n_length > 1 ? t_time : ctx.history_t);
  const change_likelihood = ctx.changepoints_t.length * single_diff;
  const mean_delta = mean(ctx.params.delta.map(Math.abs)) + 1e-8;
  const mat = makeTrendShiftMatrix(mean_delta, change_likelihood, n_length, n_samples, rng);

  const deviations = new Float64Array(n_length * n_samples);
  if (ctx.growth === 'linear') {
    // From slope changes to values: cumsum twice along the future, in units of the step.
    const slope = new Float64Array(n_samples);
    const level = new Float64Array(n_samples);
    for (let l = 0; l < n_length; l++) {
      for (let s = 0; s < n_samples; s++) {
        slope[s] = slope[s]! + mat[s * n_length + l]!;
        level[s] = level[s]! + slope[s]!;
        deviations[l * n_samples + s] = level[s]! * single_diff;
      }
    }
  } else {
    const cap = frame.cap_scaled!.subarray(firstFuture);
    const trends = logisticUncertainty(mat, n_samples, ctx, cap, t_time, single_diff);
    for (let s = 0; s < n_samples; s++) {
      for (let l = 0; l < n_length; l++) deviations[l * n_samples + s] = trends[s * n_length + l]!;
    }
  }
  return { firstFuture, deviations };
}

/** np.diff(t).mean() */
function meanDiff(t: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 1; i < t.length; i++) sum += t[i]! - t[i - 1]!;
  return sum / (t.length - 1);
}

/**
 * `_make_trend_shift_matrix`: per sample and future step, a Laplace(0, mean_delta) slope change with
 * probability `likelihood`, averaged with the previous step's change. Sample-major, n_samples × length.
 */
export function makeTrendShiftMatrix(mean_delta: number, likelihood: number, length: number, n_samples: number, rng: Random): Float64Array {
  const size = n_samples * length;
  const change = new Uint8Array(size);
  for (let i = 0; i < size; i++) change[i] = rng.uniform() < likelihood ? 1 : 0;
  const mat = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    const shift = rng.laplace(mean_delta);
    mat[i] = change[i] ? shift : 0;
  }
  for (let s = 0; s < n_samples; s++) {
    let previous = 0;
    for (let l = 0; l < length; l++) {
      const current = mat[s * length + l]!;
      mat[s * length + l] = (previous + current) / 2;
      previous = current;
    }
  }
  return mat;
}

/**
 * `_logistic_uncertainty`: runs the logistic recursion from the start of the history (historical deltas on
 * a grid of step `single_diff`) through the simulated future changes, and centres the sampled trends on
 * their mean over samples. Returns sample-major n_samples × length deviations on the scaled axis.
 */
function logisticUncertainty(
  mat: Float64Array,
  n_samples: number,
  ctx: SimulationContext,
  cap: Float64Array,
  t_time: Float64Array,
  single_diff: number,
): Float64Array {
  const { k, m, delta } = ctx.params;
  const L = t_time.length;
  // _make_historical_mat_time: np.arange(0, 1 + single_diff, single_diff) and each changepoint's first grid slot after it.
  const H = Math.ceil((1 + single_diff) / single_diff);
  const prev_time = Float64Array.from({ length: H }, (_, i) => i * single_diff);
  const prev_deltas = new Float64Array(H);
  ctx.changepoints_t.forEach((cp, j) => {
    const idx = prev_time.findIndex((v) => v > cp);
    prev_deltas[idx] = delta[j]!;
  });
  const W = H + L;
  const full_t = new Float64Array(W);
  full_t.set(prev_time);
  full_t.set(t_time, H);
  const row = new Float64Array(W);
  const kCum = new Float64Array(W + 1);
  const out = new Float64Array(n_samples * L);
  for (let s = 0; s < n_samples; s++) {
    row.set(prev_deltas);
    row.set(mat.subarray(s * L, (s + 1) * L), H);
    // k_cum = [k, where(mat, cumsum(mat) + k, 0)], then forward-filled over the zeros.
    kCum[0] = k;
    let cum = 0;
    for (let i = 0; i < W; i++) {
      cum += row[i]!;
      kCum[i + 1] = row[i] !== 0 ? cum + k : 0;
    }
    let last = kCum[0]!;
    for (let i = 0; i <= W; i++) {
      if (kCum[i] !== 0) last = kCum[i]!;
      else if (i > 0) kCum[i] = last;
    }
    let gammaSum = 0;
    let rateChange = 0;
    for (let i = 0; i < W; i++) {
      const gamma = (full_t[i]! - m - gammaSum) * (1 - kCum[i]! / kCum[i + 1]!);
      gammaSum += gamma;
      rateChange += row[i]!;
      if (i >= H) {
        const l = i - H;
        out[s * L + l] = cap[l]! / (1 + Math.exp(-(rateChange + k) * (t_time[l]! - (gammaSum + m))));
      }
    }
  }
  for (let l = 0; l < L; l++) {
    let sum = 0;
    for (let s = 0; s < n_samples; s++) sum += out[s * L + l]!;
    const avg = sum / n_samples;
    for (let s = 0; s < n_samples; s++) out[s * L + l] = out[s * L + l]! - avg;
  }
  return out;
}
