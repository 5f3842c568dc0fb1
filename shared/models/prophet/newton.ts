/**
 * Stan's Newton optimizer (`optimization/newton.hpp`, `services/optimize/newton.hpp`,
 * `model/grad_hess_log_prob.hpp`), ported with its quirks: a finite-difference Hessian scaled by 0.5·ε
 * (not 0.5/ε), solved through |eigenvalues|, and a step-halving line search from step 1.
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import type { ObjectiveFn } from './objective.js';
import type { OptimizerResult } from './lbfgs.js';

const EPS = 1e-3;
const PERTURBATIONS = [-2 * EPS, -EPS, EPS, 2 * EPS];
const COEFFICIENTS = [1 / 12, -2 / 3, 2 / 3, -1 / 12];
// Stan multiplies by half_epsilon = 0.5·ε where a derivative would divide; this scales H by about ε².
const HALF_EPSILON_COEFF = COEFFICIENTS.map((c) => 0.5 * EPS * c);

/**
 * Minimises `fn` (f = −lp) with Stan's Newton iterations from `x0`, stopping when lp changes by at most 1e-8
 * or after `iter` iterations.
 *
 * Porting note: Stan's first comparison is against lp with all normalising constants (`log_prob<false>`),
 * which never equals the `propto` lp of the first step; starting from −∞ keeps that behaviour.
 */
export function newton(fn: ObjectiveFn, x0: Float64Array, iter = 10000): OptimizerResult {
  const x = Float64Array.from(x0);
  let lp = -Infinity;
  let iterations = 0;
  for (let it = 0; it < iter; it++) {
    const lastlp = lp;
    lp = newtonStep(fn, x);
    iterations++;
    if (Math.abs(lp - lastlp) <= 1e-8) break;
  }
  return { x, f: -lp, returnCode: 0, iterations };
}

/** lp = −f, or −1e100 when the point is invalid (Stan catches the domain error). */
function logProb(fn: ObjectiveFn, x: Float64Array, g: Float64Array): number {
  const f = fn(x, g);
  return Number.isFinite(f) ? -f : -1e100;
}

/** One `newton_step`: updates x in place and returns the new lp (the old one when no step helps). */
export function newtonStep(fn: ObjectiveFn, x: Float64Array): number {
  const n = x.length;
  const grad = new Float64Array(n);
  const f0 = logProb(fn, x, grad);
  for (let i = 0; i < n; i++) grad[i] = -grad[i]!; // ∇lp
  const H = hessianFiniteDiff(fn, x);
  const direction = makeNegativeDefiniteAndSolve(H, grad);

  const candidate = new Float64Array(n);
  const scratch = new Float64Array(n);
  let step_size = 2;
  const min_step_size = 1e-50;
  let f1 = -1e100;
  while (f1 < f0) {
    step_size *= 0.5;
    if (step_size < min_step_size) return f0;
    for (let i = 0; i < n; i++) candidate[i] = x[i]! - step_size * direction[i]!;
    f1 = logProb(fn, candidate, scratch);
  }
  x.set(candidate);
  return f1;
}

/** `grad_hess_log_prob`: the Hessian of lp by 4-point differences of the gradient, symmetrised, times 0.5·ε. */
function hessianFiniteDiff(fn: ObjectiveFn, x: Float64Array): Float64Array {
  const n = x.length;
  const hessian = new Float64Array(n * n);
  const perturbed = Float64Array.from(x);
  const temp = new Float64Array(n);
  for (let d = 0; d < n; d++) {
    const row = d * n;
    for (let i = 0; i < 4; i++) {
      perturbed[d] = x[d]! + PERTURBATIONS[i]!;
      fn(perturbed, temp);
      for (let dd = 0; dd < n; dd++) {
        const increment = HALF_EPSILON_COEFF[i]! * -temp[dd]!; // gradient of lp = −∇f
        hessian[dd + row] = hessian[dd + row]! + increment;
        hessian[d + dd * n] = hessian[d + dd * n]! + increment;
      }
    }
    perturbed[d] = x[d]!;
  }
  return hessian;
}

/** `make_negative_definite_and_solve`: returns V·(−(Vᵀg)/|λ|) for H = V·diag(λ)·Vᵀ. */
function makeNegativeDefiniteAndSolve(hessian: Float64Array, g: Float64Array): Float64Array {
  const n = g.length;
  const H = new Matrix(n, n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) H.set(r, c, hessian[c * n + r]!);
  const eig = new EigenvalueDecomposition(H, { assumeSymmetric: true });
  const values = eig.realEigenvalues;
  const V = eig.eigenvectorMatrix;
  const projections = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let r = 0; r < n; r++) s += V.get(r, i) * g[r]!;
    projections[i] = -s / Math.abs(values[i]!);
  }
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += V.get(r, i) * projections[i]!;
    out[r] = s;
  }
  return out;
}
