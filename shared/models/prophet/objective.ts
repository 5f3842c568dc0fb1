/**
 * The MAP objective of `prophet.stan` and its analytic gradient: f = −log posterior (Stan's `propto`, no
 * Jacobian), over Stan's unconstrained vector z = [k, m, δ₁…δ_S, log σ_obs, β₁…β_K].
 *
 *   f = k²/50 + m²/50 + Σ|δ_j|/τ + 2σ² + Σ β_j²/(2·sigmas_j²) + T·ln σ + Σ (y_i − μ_i)²/(2σ²)
 *   μ_i = trend_i · (1 + (X_m β)_i) + (X_a β)_i
 *
 * The gradient differentiates through the logistic offsets γ as Stan's autodiff does, and uses
 * sign(0) = 0 for |δ| as Stan's `double_exponential` does.
 */
import { changepointSegments } from './trend.js';
import type { ModelInputData, ModelParams } from './types.js';

/** f and ∇f at z; writes the gradient into `g` and returns f (non-finite when the point is invalid). */
export type ObjectiveFn = (z: Float64Array, g: Float64Array) => number;

/** Stan's `inv_logit`, including its shortcut far in the lower tail. */
function invLogit(u: number): number {
  if (u < 0) {
    const expU = Math.exp(u);
    return u < LOG_EPSILON ? expU : expU / (1 + expU);
  }
  return 1 / (1 + Math.exp(-u));
}
const LOG_EPSILON = Math.log(2.220446049250313e-16);

/** The unconstrained vector z of a parameter set (σ_obs → log σ_obs). */
export function packParams(p: ModelParams): Float64Array {
  const S = p.delta.length;
  const z = new Float64Array(S + p.beta.length + 3);
  z[0] = p.k;
  z[1] = p.m;
  z.set(p.delta, 2);
  z[2 + S] = Math.log(p.sigma_obs);
  z.set(p.beta, 3 + S);
  return z;
}

/** The parameters of an unconstrained vector z. */
export function unpackParams(z: Float64Array, S: number, K: number): ModelParams {
  return {
    k: z[0]!,
    m: z[1]!,
    delta: z.slice(2, 2 + S),
    sigma_obs: Math.exp(z[2 + S]!),
    beta: z.slice(3 + S, 3 + S + K),
  };
}

/** The data of one fit with precomputed segments and the work buffers of the evaluation. */
interface Workspace extends ModelInputData {
  /** Changepoint segment of each row (number of changepoints at or before t_i). */
  seg: Int32Array;
  hasMult: boolean;
  invSig2: Float64Array;
  xa: Float64Array;
  xm: Float64Array;
  trend: Float64Array;
  dTrend: Float64Array;
  betaA: Float64Array;
  betaM: Float64Array;
  GA: Float64Array;
  GM: Float64Array;
  /** ∂f/∂μ per row. */
  w: Float64Array;
  kSeg: Float64Array;
  mSeg: Float64Array;
  gamma: Float64Array;
  mPrev: Float64Array;
  a0: Float64Array;
  a1: Float64Array;
}

/** Builds f and ∇f for one data set; the returned function reuses its work buffers (not re-entrant). */
export function makeObjective(data: ModelInputData): ObjectiveFn {
  const { T, S, K } = data;
  const ws: Workspace = {
    ...data,
    seg: changepointSegments(data.t, data.t_change),
    hasMult: data.s_m.some((v) => v !== 0),
    invSig2: data.sigmas.map((s) => 1 / (s * s)),
    xa: new Float64Array(T),
    xm: new Float64Array(T),
    trend: new Float64Array(T),
    dTrend: new Float64Array(T),
    betaA: new Float64Array(K),
    betaM: new Float64Array(K),
    GA: new Float64Array(K),
    GM: new Float64Array(K),
    w: new Float64Array(T),
    kSeg: new Float64Array(S + 1),
    mSeg: new Float64Array(S + 1),
    gamma: new Float64Array(S),
    mPrev: new Float64Array(S),
    a0: new Float64Array(S + 1),
    a1: new Float64Array(S + 1),
  };
  // One module-level function serves every data set, with everything in locals: V8 optimizes it once and
  // keeps the arrays in registers (a closure per data set loses that after the first fit).
  return (z, g) => objectiveAndGradient(ws, z, g);
}

function objectiveAndGradient(ws: Workspace, z: Float64Array, g: Float64Array): number {
  const { T, S, K, tau, trend_indicator, y, t, cap, t_change, X, s_a, s_m } = ws;
  const { seg, hasMult, invSig2, xa, xm, trend, dTrend, w, betaA, betaM, GA, GM, kSeg, mSeg, gamma, mPrev, a0, a1 } = ws;
  const k = z[0]!;
  const m = z[1]!;
  const sigma = Math.exp(z[2 + S]!);
  const bOff = 3 + S;

  // Seasonal and regressor terms: X_a β and X_m β.
  for (let j = 0; j < K; j++) {
    const b = z[bOff + j]!;
    betaA[j] = b * s_a[j]!;
    betaM[j] = b * s_m[j]!;
  }
  for (let i = 0; i < T; i++) {
    const row = i * K;
    let sa = 0;
    let sm = 0;
    if (hasMult) {
      for (let j = 0; j < K; j++) {
        const x = X[row + j]!;
        sa += x * betaA[j]!;
        sm += x * betaM[j]!;
      }
    } else {
      for (let j = 0; j < K; j++) sa += X[row + j]! * betaA[j]!;
    }
    xa[i] = sa;
    xm[i] = sm;
  }

  // Trend, with the rate k_s and offset of each changepoint segment (Stan: k + A·δ, m + A·(−s∘δ) or A·γ).
  let cumDelta = 0;
  let cumOffset = 0;
  kSeg[0] = k;
  mSeg[0] = m;
  if (trend_indicator === 1) {
    let m_pr = m;
    for (let j = 0; j < S; j++) {
      cumDelta += z[2 + j]!;
      kSeg[j + 1] = k + cumDelta;
      mPrev[j] = m_pr;
      gamma[j] = (t_change[j]! - m_pr) * (1 - kSeg[j]! / kSeg[j + 1]!);
      m_pr += gamma[j]!;
      cumOffset += gamma[j]!;
      mSeg[j + 1] = m + cumOffset;
    }
    for (let i = 0; i < T; i++) {
      const c = seg[i]!;
      trend[i] = cap[i]! * invLogit(kSeg[c]! * (t[i]! - mSeg[c]!));
    }
  } else if (trend_indicator === 0) {
    for (let j = 0; j < S; j++) {
      const d = z[2 + j]!;
      cumDelta += d;
      cumOffset += -t_change[j]! * d;
      kSeg[j + 1] = k + cumDelta;
      mSeg[j + 1] = m + cumOffset;
    }
    for (let i = 0; i < T; i++) {
      const c = seg[i]!;
      trend[i] = kSeg[c]! * t[i]! + mSeg[c]!;
    }
  } else {
    trend.fill(m);
  }

  // Likelihood: residuals r = y − μ, and w = ∂f/∂μ = −r/σ².
  const invVar = 1 / (sigma * sigma);
  let R = 0;
  for (let i = 0; i < T; i++) {
    const r = y[i]! - (trend[i]! * (1 + xm[i]!) + xa[i]!);
    R += r * r;
    w[i] = -r * invVar;
  }

  // Gradient: β.
  GA.fill(0);
  GM.fill(0);
  for (let i = 0; i < T; i++) {
    const row = i * K;
    const wa = w[i]!;
    if (hasMult) {
      const wm = wa * trend[i]!;
      for (let j = 0; j < K; j++) {
        const x = X[row + j]!;
        GA[j] = GA[j]! + x * wa;
        GM[j] = GM[j]! + x * wm;
      }
    } else {
      for (let j = 0; j < K; j++) GA[j] = GA[j]! + X[row + j]! * wa;
    }
    dTrend[i] = wa * (1 + xm[i]!);
  }
  for (let j = 0; j < K; j++) g[bOff + j] = s_a[j]! * GA[j]! + s_m[j]! * GM[j]!;

  // Gradient: log σ (σ = exp(u), no Jacobian).
  g[2 + S] = T - R * invVar;

  // Gradient: k, m, δ through the trend.
  a0.fill(0);
  a1.fill(0);
  if (trend_indicator === 0) {
    // a0[c] = Σ ∂f/∂trend over segment c, a1[c] = the same weighted by t.
    for (let i = 0; i < T; i++) {
      const c = seg[i]!;
      a0[c] = a0[c]! + dTrend[i]!;
      a1[c] = a1[c]! + dTrend[i]! * t[i]!;
    }
    let s0 = 0;
    let s1 = 0;
    for (let c = S; c >= 1; c--) {
      s0 += a0[c]!;
      s1 += a1[c]!;
      const j = c - 1;
      g[2 + j] = s1 - t_change[j]! * s0;
    }
    g[0] = s1 + a1[0]!;
    g[1] = s0 + a0[0]!;
  } else if (trend_indicator === 1) {
    logisticTrendGradient(ws, g);
  } else {
    let s0 = 0;
    for (let i = 0; i < T; i++) s0 += dTrend[i]!;
    g[0] = 0;
    g[1] = s0;
    for (let j = 0; j < S; j++) g[2 + j] = 0;
  }
  return addPriors(z, g, S, K, tau, invSig2) + (T * Math.log(sigma) + 0.5 * R * invVar);
}

/**
 * The priors of `prophet.stan` (k, m ~ N(0, 5); δ ~ Laplace(0, τ) with sign(0) = 0; σ ~ N(0, 0.5);
 * β ~ N(0, sigmas)): adds their gradient to `g` and returns their part of f.
 */
export function addPriors(z: Float64Array, g: Float64Array, S: number, K: number, tau: number, invSig2: Float64Array): number {
  const k = z[0]!;
  const m = z[1]!;
  const sigma = Math.exp(z[2 + S]!);
  let f = 0.5 * (k / 5) * (k / 5) + 0.5 * (m / 5) * (m / 5);
  g[0] = g[0]! + k / 25;
  g[1] = g[1]! + m / 25;
  let absDelta = 0;
  for (let j = 0; j < S; j++) {
    const d = z[2 + j]!;
    absDelta += Math.abs(d);
    g[2 + j] = g[2 + j]! + (d > 0 ? 1 : d < 0 ? -1 : 0) / tau;
  }
  f += absDelta / tau;
  f += 0.5 * (sigma / 0.5) * (sigma / 0.5);
  g[2 + S] = g[2 + S]! + 4 * sigma * sigma;
  let betaPrior = 0;
  for (let j = 0; j < K; j++) {
    const b = z[3 + S + j]!;
    betaPrior += b * b * invSig2[j]!;
    g[3 + S + j] = g[3 + S + j]! + b * invSig2[j]!;
  }
  return f + 0.5 * betaPrior;
}

/**
 * Reverse-mode through trend_i = cap_i·σ(k_s[c]·(t_i − M_c)), M_c = m + Σ_{j<c} γ_j, and the γ recursion
 * γ_j = (s_j − m_pr_j)(1 − k_s[j]/k_s[j+1]), m_pr_{j+1} = m_pr_j + γ_j.
 */
function logisticTrendGradient(ws: Workspace, grad: Float64Array): void {
  const { T, S, t, cap, t_change, seg, kSeg, mSeg, mPrev, dTrend, a0, a1 } = ws;
  // a0[c]: adjoint of k_s[c]; a1[c]: adjoint of M_c.
  for (let i = 0; i < T; i++) {
    const c = seg[i]!;
    const p = invLogit(kSeg[c]! * (t[i]! - mSeg[c]!));
    const adjU = dTrend[i]! * cap[i]! * p * (1 - p);
    a0[c] = a0[c]! + adjU * (t[i]! - mSeg[c]!);
    a1[c] = a1[c]! + -adjU * kSeg[c]!;
  }
  let adjM = a1[0]!;
  let adjGammaFromM = 0;
  let adjMpr = 0;
  for (let j = S - 1; j >= 0; j--) {
    adjGammaFromM += a1[j + 1]!;
    adjM += a1[j + 1]!;
    const adjGamma = adjGammaFromM + adjMpr;
    const r = 1 - kSeg[j]! / kSeg[j + 1]!;
    adjMpr += -adjGamma * r;
    const adjR = adjGamma * (t_change[j]! - mPrev[j]!);
    a0[j] = a0[j]! + adjR * (-1 / kSeg[j + 1]!);
    a0[j + 1] = a0[j + 1]! + (adjR * kSeg[j]!) / (kSeg[j + 1]! * kSeg[j + 1]!);
  }
  let suffix = 0;
  for (let c = S; c >= 1; c--) {
    suffix += a0[c]!;
    grad[2 + c - 1] = suffix;
  }
  grad[0] = suffix + a0[0]!;
  grad[1] = adjM + adjMpr;
}
