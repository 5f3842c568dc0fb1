/**
 * Stan's L-BFGS (`bfgs.hpp` `BFGSMinimizer::step` with `lbfgs_update.hpp`), ported statement by statement
 * with CmdStan's default settings, because Prophet's answer is where this optimizer stops, not the exact
 * optimum (reference/prophet.md §0, §4.4).
 */
import { cubicInterp, evaluate, wolfeLineSearch, type LineSearchOptions } from './linesearch.js';
import type { ObjectiveFn } from './objective.js';

/** CmdStan's L-BFGS settings; the defaults are CmdStan's, which Prophet does not override. */
export interface LbfgsOptions {
  /** First step size of a line search after a reset. @default 0.001 */
  init_alpha: number;
  /** Absolute change in f to stop at. @default 1e-12 */
  tol_obj: number;
  /** Relative change in f to stop at, in units of machine ε. @default 1e4 */
  tol_rel_obj: number;
  /** Gradient norm to stop at. @default 1e-8 */
  tol_grad: number;
  /** Relative gradient magnitude to stop at, in units of machine ε. @default 1e7 */
  tol_rel_grad: number;
  /** Step norm to stop at. @default 1e-8 */
  tol_param: number;
  /** Number of (s, y) pairs kept. @default 5 */
  history_size: number;
  /** Maximum iterations (Prophet passes `iter=1e4`). @default 10000 */
  iter: number;
}

export const LBFGS_DEFAULTS: LbfgsOptions = {
  init_alpha: 1e-3,
  tol_obj: 1e-12,
  tol_rel_obj: 1e4,
  tol_grad: 1e-8,
  tol_rel_grad: 1e7,
  tol_param: 1e-8,
  history_size: 5,
  iter: 10000,
};

/** Stan's termination codes. Positive: converged; −1: the line search failed (CmdStan reports an error). */
export const TERM = { SUCCESS: 0, ABSX: 10, ABSF: 20, RELF: 21, ABSGRAD: 30, RELGRAD: 31, MAXIT: 40, LSFAIL: -1 } as const;

export interface OptimizerResult {
  x: Float64Array;
  /** Objective value at x (minus Stan's lp). */
  f: number;
  returnCode: number;
  iterations: number;
}

const EPSILON = 2.220446049250313e-16;
const LS: LineSearchOptions = { c1: 1e-4, c2: 0.9, minAlpha: 1e-12, maxLSIts: 20, maxLSRestarts: 10 };

/** Limited-memory inverse-Hessian updates in a ring of `size` (ρ, y, s) triples (`LBFGSUpdate`). */
class LbfgsUpdate {
  private readonly buf: { rho: number; y: Float64Array; s: Float64Array }[] = [];
  private gammak = 1;

  constructor(private readonly size: number) {}

  /** Adds (y, s); on reset forgets the history and returns the initial Hessian scale |y|²/(sᵀy). */
  update(yk: Float64Array, sk: Float64Array, reset = false): number {
    const skyk = dot(yk, sk);
    const yy = dot(yk, yk);
    let B0fact = 1.0;
    if (reset) {
      B0fact = yy / skyk;
      this.buf.length = 0;
    }
    this.gammak = skyk / yy;
    if (this.buf.length === this.size) this.buf.shift();
    this.buf.push({ rho: 1.0 / skyk, y: yk, s: sk });
    return B0fact;
  }

  /** The two-loop recursion: pk = −H·gk. */
  searchDirection(pk: Float64Array, gk: Float64Array): void {
    const n = pk.length;
    for (let i = 0; i < n; i++) pk[i] = -gk[i]!;
    const alphas = new Float64Array(this.buf.length);
    for (let b = this.buf.length - 1; b >= 0; b--) {
      const { rho, y, s } = this.buf[b]!;
      const alpha = rho * dot(s, pk);
      for (let i = 0; i < n; i++) pk[i] = pk[i]! - alpha * y[i]!;
      alphas[b] = alpha;
    }
    for (let i = 0; i < n; i++) pk[i] = pk[i]! * this.gammak;
    for (let b = 0; b < this.buf.length; b++) {
      const { rho, y, s } = this.buf[b]!;
      const beta = rho * dot(y, pk);
      const coef = alphas[b]! - beta;
      for (let i = 0; i < n; i++) pk[i] = pk[i]! + coef * s[i]!;
    }
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

/**
 * Minimises `fn` from `x0` with Stan's L-BFGS. Throws when f or ∇f is not finite at x0 (CmdStan: "Error
 * evaluating initial BFGS point."). A return code of −1 means the line search failed.
 */
export function lbfgs(fn: ObjectiveFn, x0: Float64Array, options: Partial<LbfgsOptions> = {}): OptimizerResult {
  const opts = { ...LBFGS_DEFAULTS, ...options };
  const n = x0.length;
  const qn = new LbfgsUpdate(opts.history_size);
  let xk = Float64Array.from(x0);
  let gk = new Float64Array(n);
  let xk_1 = new Float64Array(n);
  let gk_1 = new Float64Array(n);
  let pk = new Float64Array(n);
  let pk_1 = new Float64Array(n);
  const out = { f: NaN };
  if (evaluate(fn, xk, gk, out) !== 0) throw new Error('Error evaluating initial BFGS point.');
  let fk = out.f;
  let fk_1 = NaN;
  let alphak_1 = NaN;
  let alpha = NaN;
  for (let i = 0; i < n; i++) pk[i] = -gk[i]!;
  let itNum = 0;

  for (;;) {
    itNum++;
    let resetB = itNum === 1 ? 1 : 0;
    for (;;) {
      if (resetB) for (let i = 0; i < n; i++) pk[i] = -gk[i]!;
      if (itNum > 1 && resetB !== 2) {
        // Cubic interpolation from the previous step predicts a good first step size.
        alpha = Math.min(1.0, 1.01 * cubicInterp(dot(gk_1, pk_1), alphak_1, fk - fk_1, dot(gk, pk_1), LS.minAlpha, 1.0));
      } else {
        alpha = opts.init_alpha;
      }
      // The line search writes the new point into xk_1 / gk_1 (swapped in below).
      const ls = wolfeLineSearch(fn, alpha, xk_1, gk_1, pk, xk, fk, gk, LS);
      if (ls.retCode) {
        if (resetB) return { x: xk, f: fk, returnCode: TERM.LSFAIL, iterations: itNum };
        resetB = 2;
        continue;
      }
      alpha = ls.alpha;
      fk_1 = ls.f;
      break;
    }

    // Swap so that k is the newest iterate.
    [fk, fk_1] = [fk_1, fk];
    [xk, xk_1] = [xk_1, xk];
    [gk, gk_1] = [gk_1, gk];
    [pk, pk_1] = [pk_1, pk];

    const sk = new Float64Array(n);
    const yk = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      sk[i] = xk[i]! - xk_1[i]!;
      yk[i] = gk[i]! - gk_1[i]!;
    }
    const gradNorm = norm(gk);
    const stepNorm = norm(sk);

    if (resetB) {
      // After a reset, scale the initial Hessian and the remembered step accordingly.
      const B0fact = qn.update(yk, sk, true);
      for (let i = 0; i < n; i++) pk_1[i] = pk_1[i]! / B0fact;
      alphak_1 = alpha * B0fact;
    } else {
      qn.update(yk, sk);
      alphak_1 = alpha;
    }
    qn.searchDirection(pk, gk);

    let retCode: number = TERM.SUCCESS;
    if (Math.abs(fk_1 - fk) < opts.tol_obj) retCode = TERM.ABSF;
    else if (gradNorm < opts.tol_grad) retCode = TERM.ABSGRAD;
    else if (stepNorm < opts.tol_param) retCode = TERM.ABSX;
    else if (itNum >= opts.iter) retCode = TERM.MAXIT;
    else if (Math.abs(fk_1 - fk) / Math.max(Math.abs(fk_1), Math.abs(fk), 1.0) < opts.tol_rel_obj * EPSILON) retCode = TERM.RELF;
    else if (-dot(pk, gk) / Math.max(Math.abs(fk), 1.0) < opts.tol_rel_grad * EPSILON) retCode = TERM.RELGRAD;
    if (retCode !== TERM.SUCCESS) return { x: xk, f: fk, returnCode: retCode, iterations: itNum };
  }
}
