/**
 * The same MAP objective for models whose mean is linear in the parameters (linear or flat growth, additive
 * terms only), evaluated from sufficient statistics so that each evaluation costs O(P²) instead of O(T·K).
 *
 * With θ = [k, m, δ, β] the mean is μ = Φθ, Φ_i = [t_i, 1, (t_i − s_j)·[s_j ≤ t_i] …, X_i] (zeros for k and δ
 * under flat growth). With a reference point θ₀ (the optimizer's start) and r₀ = y − Φθ₀ computed directly:
 *
 *   R(θ) = ‖y − Φθ‖² = r₀ᵀr₀ − 2Δᵀ(Φᵀr₀) + ΔᵀGΔ,   ∇R = 2(GΔ − Φᵀr₀),   Δ = θ − θ₀,   G = ΦᵀΦ.
 *
 * Porting note: Stan sums the residuals row by row; this is the same function, rounded differently (about
 * 1e-13 relative on f near the optimum). The direct evaluation in objective.ts remains the reference.
 */
import { addPriors, type ObjectiveFn } from './objective.js';
import type { ModelInputData } from './types.js';

/** Whether the data suit the Gram evaluation, and it is cheaper than the direct one. */
export function gramApplies(data: ModelInputData): boolean {
  const P = 2 + data.S + data.K;
  return data.trend_indicator !== 1 && data.s_m.every((v) => v === 0) && data.T * data.K > P * P;
}

interface GramWorkspace {
  data: ModelInputData;
  P: number;
  /** ΦᵀΦ, row-major P × P. */
  G: Float64Array;
  invSig2: Float64Array;
  /** Reference point θ₀ (set at the first evaluation), Φᵀr₀ and r₀ᵀr₀. */
  theta0: Float64Array | null;
  c0: Float64Array;
  R0: number;
  delta: Float64Array;
  Gd: Float64Array;
}

/** Builds f and ∇f from ΦᵀΦ; the first point evaluated becomes the reference θ₀. */
export function makeGramObjective(data: ModelInputData): ObjectiveFn {
  const P = 2 + data.S + data.K;
  const ws: GramWorkspace = {
    data,
    P,
    G: gram(data, P),
    invSig2: data.sigmas.map((s) => 1 / (s * s)),
    theta0: null,
    c0: new Float64Array(P),
    R0: 0,
    delta: new Float64Array(P),
    Gd: new Float64Array(P),
  };
  return (z, g) => gramObjective(ws, z, g);
}

/** Row i of Φ into `phi`. */
function designRow(data: ModelInputData, i: number, phi: Float64Array): void {
  const { S, K, t, t_change, X, s_a, trend_indicator } = data;
  const ti = t[i]!;
  const linear = trend_indicator === 0;
  phi[0] = linear ? ti : 0;
  phi[1] = 1;
  for (let j = 0; j < S; j++) phi[2 + j] = linear && t_change[j]! <= ti ? ti - t_change[j]! : 0;
  for (let j = 0; j < K; j++) phi[2 + S + j] = X[i * K + j]! * s_a[j]!;
}

/** G = ΦᵀΦ, accumulated row by row (upper triangle, then mirrored). */
function gram(data: ModelInputData, P: number): Float64Array {
  const G = new Float64Array(P * P);
  const phi = new Float64Array(P);
  for (let i = 0; i < data.T; i++) {
    designRow(data, i, phi);
    for (let a = 0; a < P; a++) {
      const pa = phi[a]!;
      if (pa === 0) continue;
      const row = a * P;
      for (let b = a; b < P; b++) G[row + b] = G[row + b]! + pa * phi[b]!;
    }
  }
  for (let a = 0; a < P; a++) for (let b = 0; b < a; b++) G[a * P + b] = G[b * P + a]!;
  return G;
}

/** θ = [k, m, δ, β] out of z = [k, m, δ, log σ, β]. */
function thetaOf(z: Float64Array, S: number, P: number, out: Float64Array): void {
  for (let p = 0; p < 2 + S; p++) out[p] = z[p]!;
  for (let p = 2 + S; p < P; p++) out[p] = z[p + 1]!;
}

/** Fixes θ₀ and computes r₀ = y − Φθ₀ directly, with Φᵀr₀ and r₀ᵀr₀. */
function setReference(ws: GramWorkspace, z: Float64Array): void {
  const { data, P } = ws;
  const theta0 = new Float64Array(P);
  thetaOf(z, data.S, P, theta0);
  const phi = new Float64Array(P);
  ws.c0.fill(0);
  let R0 = 0;
  for (let i = 0; i < data.T; i++) {
    designRow(data, i, phi);
    let mu = 0;
    for (let p = 0; p < P; p++) mu += phi[p]! * theta0[p]!;
    const r = data.y[i]! - mu;
    R0 += r * r;
    for (let p = 0; p < P; p++) ws.c0[p] = ws.c0[p]! + phi[p]! * r;
  }
  ws.R0 = R0;
  ws.theta0 = theta0;
}

function gramObjective(ws: GramWorkspace, z: Float64Array, g: Float64Array): number {
  if (ws.theta0 === null) setReference(ws, z);
  const { data, P, G, c0, R0, delta, Gd, invSig2 } = ws;
  const theta0 = ws.theta0!;
  const { T, S, K, tau } = data;
  thetaOf(z, S, P, delta);
  for (let p = 0; p < P; p++) delta[p] = delta[p]! - theta0[p]!;
  let dc = 0;
  let dGd = 0;
  for (let a = 0; a < P; a++) {
    const row = a * P;
    let s = 0;
    for (let b = 0; b < P; b++) s += G[row + b]! * delta[b]!;
    Gd[a] = s;
    dc += delta[a]! * c0[a]!;
    dGd += delta[a]! * s;
  }
  const R = R0 - 2 * dc + dGd;
  const sigma = Math.exp(z[2 + S]!);
  const invVar = 1 / (sigma * sigma);
  // ∂f/∂θ = ∇R / (2σ²) = (GΔ − Φᵀr₀) / σ²
  for (let p = 0; p < 2 + S; p++) g[p] = (Gd[p]! - c0[p]!) * invVar;
  for (let p = 2 + S; p < P; p++) g[p + 1] = (Gd[p]! - c0[p]!) * invVar;
  g[2 + S] = T - R * invVar;
  return addPriors(z, g, S, K, tau, invSig2) + (T * Math.log(sigma) + 0.5 * R * invVar);
}
