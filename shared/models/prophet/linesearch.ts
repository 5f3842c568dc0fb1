/**
 * Stan's Wolfe line search (`bfgs_linesearch.hpp`: `CubicInterp`, `WolfeLineSearch`, `WolfLSZoom`), ported
 * statement by statement, quirks included: the sufficient-decrease test of the bracketing phase uses the
 * initial step, and every fifth zoom step bisects.
 */
import type { ObjectiveFn } from './objective.js';

/**
 * Minimiser on [loX, hiX] of the cubic g with g(0) = 0, g'(0) = df0, g(x1) = f1, g'(x1) = df1.
 * Candidates are checked in the order lo, hi, s1, s2; ties keep the earlier one.
 */
export function cubicInterp(df0: number, x1: number, f1: number, df1: number, loX: number, hiX: number): number {
  const c3 = (-12 * f1 + 6 * x1 * (df0 + df1)) / (x1 * x1 * x1);
  const c2 = -(4 * df0 + 2 * df1) / x1 + (6 * f1) / (x1 * x1);
  const c1 = df0;
  const t_s = Math.sqrt(c2 * c2 - 2.0 * c1 * c3);
  const s1 = -(c2 + t_s) / c3;
  const s2 = -(c2 - t_s) / c3;
  const at = (x: number): number => x * ((x * ((x * c3) / 3.0 + c2)) / 2.0 + c1);
  let minF = at(loX);
  let minX = loX;
  let tmpF = at(hiX);
  if (tmpF < minF) {
    minF = tmpF;
    minX = hiX;
  }
  if (loX < s1 && s1 < hiX) {
    tmpF = at(s1);
    if (tmpF < minF) {
      minF = tmpF;
      minX = s1;
    }
  }
  if (loX < s2 && s2 < hiX) {
    tmpF = at(s2);
    if (tmpF < minF) {
      minF = tmpF;
      minX = s2;
    }
  }
  return minX;
}

/** Stan's `ModelAdaptor`: evaluates f and ∇f, and reports a failure (non-zero) when either is not finite. */
export function evaluate(fn: ObjectiveFn, x: Float64Array, g: Float64Array, out: { f: number }): number {
  const f = fn(x, g);
  out.f = f;
  for (let i = 0; i < g.length; i++) if (!Number.isFinite(g[i]!)) return 3;
  return Number.isFinite(f) ? 0 : 2;
}

/** Options of the line search (Stan's `LSOptions`). */
export interface LineSearchOptions {
  c1: number;
  c2: number;
  minAlpha: number;
  maxLSIts: number;
  maxLSRestarts: number;
}

/** The accepted point of a line search: step, and f and ∇f there (x1 and gradx1 are written in place). */
export interface LineSearchResult {
  /** 0 on success, 1 on failure. */
  retCode: number;
  alpha: number;
  f: number;
}

function axpy(out: Float64Array, x0: Float64Array, alpha: number, p: Float64Array): void {
  for (let i = 0; i < out.length; i++) out[i] = x0[i]! + alpha * p[i]!;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * `WolfeLineSearch`: finds α along p from x0 satisfying the strong Wolfe conditions; writes the point into
 * `x1` and its gradient into `gradx1`.
 */
export function wolfeLineSearch(
  fn: ObjectiveFn,
  alpha: number,
  x1: Float64Array,
  gradx1: Float64Array,
  p: Float64Array,
  x0: Float64Array,
  f0: number,
  gradx0: Float64Array,
  opts: LineSearchOptions,
): LineSearchResult {
  const dfp = dot(gradx0, p);
  const c1dfp = opts.c1 * dfp;
  const c2dfp = opts.c2 * dfp;
  let alpha0 = opts.minAlpha;
  let alpha1 = alpha;
  let prevF = f0;
  let prevDFp = dfp;
  let nits = 0;
  let lsRestarts = 0;
  const out = { f: NaN };

  for (;;) {
    if (nits >= opts.maxLSIts) return { retCode: 1, alpha, f: out.f };
    axpy(x1, x0, alpha1, p);
    if (evaluate(fn, x1, gradx1, out) !== 0) {
      if (lsRestarts >= opts.maxLSRestarts) return { retCode: 1, alpha, f: out.f };
      alpha1 = 0.5 * (alpha0 + alpha1);
      lsRestarts++;
      continue;
    }
    lsRestarts = 0;
    const func_val = out.f;
    const newDFp = dot(gradx1, p);
    // Stan compares against the initial step `alpha` here, not alpha1.
    if (func_val > f0 + alpha * c1dfp || (func_val >= prevF && nits > 0)) {
      return zoom(fn, x1, gradx1, x0, f0, c1dfp, c2dfp, p, alpha0, prevF, prevDFp, alpha1, func_val, newDFp, 1e-16);
    }
    if (Math.abs(newDFp) <= -c2dfp) return { retCode: 0, alpha: alpha1, f: func_val };
    if (newDFp >= 0) {
      return zoom(fn, x1, gradx1, x0, f0, c1dfp, c2dfp, p, alpha1, func_val, newDFp, alpha0, prevF, prevDFp, 1e-16);
    }
    alpha0 = alpha1;
    prevF = func_val;
    prevDFp = newDFp;
    alpha1 *= 10.0;
    nits++;
  }
}

/** `WolfLSZoom`: shrinks the bracket [alo, ahi] by safeguarded cubic interpolation (bisection every 5th step). */
function zoom(
  fn: ObjectiveFn,
  newX: Float64Array,
  newDF: Float64Array,
  x: Float64Array,
  f: number,
  c1dfp: number,
  c2dfp: number,
  p: Float64Array,
  alo: number,
  aloF: number,
  aloDFp: number,
  ahi: number,
  ahiF: number,
  ahiDFp: number,
  min_range: number,
): LineSearchResult {
  let itNum = 0;
  let alpha = NaN;
  const out = { f: NaN };
  for (;;) {
    itNum++;
    if (Math.abs(alo - ahi) < min_range) return { retCode: 1, alpha, f: out.f };
    if (itNum % 5 === 0) {
      alpha = 0.5 * (alo + ahi);
    } else {
      const d1 = aloDFp + ahiDFp - (3 * (aloF - ahiF)) / (alo - ahi);
      let d2 = Math.sqrt(d1 * d1 - aloDFp * ahiDFp);
      if (ahi < alo) d2 = -d2;
      alpha = ahi - ((ahi - alo) * (ahiDFp + d2 - d1)) / (ahiDFp - aloDFp + 2 * d2);
      const lo = Math.min(alo, ahi);
      const hi = Math.max(alo, ahi);
      const width = Math.abs(alo - ahi);
      if (!Number.isFinite(alpha) || alpha < lo + 0.01 * width || alpha > hi - 0.01 * width) alpha = 0.5 * (alo + ahi);
    }
    axpy(newX, x, alpha, p);
    while (evaluate(fn, newX, newDF, out) !== 0) {
      alpha = 0.5 * (alpha + Math.min(alo, ahi));
      if (Math.abs(Math.min(alo, ahi) - alpha) < min_range) return { retCode: 1, alpha, f: out.f };
      axpy(newX, x, alpha, p);
    }
    const newF = out.f;
    const newDFp = dot(newDF, p);
    if (newF > f + alpha * c1dfp || newF >= aloF) {
      ahi = alpha;
      ahiF = newF;
      ahiDFp = newDFp;
    } else {
      if (Math.abs(newDFp) <= -c2dfp) return { retCode: 0, alpha, f: newF };
      if (newDFp * (ahi - alo) >= 0) {
        ahi = alo;
        ahiF = aloF;
        ahiDFp = aloDFp;
      }
      alo = alpha;
      aloF = newF;
      aloDFp = newDFp;
    }
  }
}
