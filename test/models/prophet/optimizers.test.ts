/** Stan's L-BFGS, line search and Newton as ported: behaviour on functions whose answers are known by hand. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lbfgs, TERM } from '../../../shared/models/prophet/lbfgs.js';
import { cubicInterp, wolfeLineSearch } from '../../../shared/models/prophet/linesearch.js';
import { newton } from '../../../shared/models/prophet/newton.js';
import type { ObjectiveFn } from '../../../shared/models/prophet/objective.js';

/** Rosenbrock's banana, minimum 0 at (1, 1). */
const rosenbrock: ObjectiveFn = (x, g) => {
  const [a, b] = [x[0]!, x[1]!];
  g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
  g[1] = 200 * (b - a * a);
  return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
};

/** f = Σ c_i (x_i − i)², minimum at x_i = i. */
const bowl: ObjectiveFn = (x, g) => {
  let f = 0;
  for (let i = 0; i < x.length; i++) {
    const c = i + 1;
    f += c * (x[i]! - i) ** 2;
    g[i] = 2 * c * (x[i]! - i);
  }
  return f;
};

describe('cubicInterp', () => {
  it('finds the interior minimum of the cubic x³ − 3x on [0, 2]: x = 1', () => {
    // df0 = −3, x1 = 2, f1 = 2, df1 = 9
    assert.equal(cubicInterp(-3, 2, 2, 9, 0, 2), 1);
  });

  it('returns a bound for an exact quadratic (its cubic coefficient is 0, as in Stan)', () => {
    // x² − 0.5x: the minimum 0.25 is not found because the stationary points divide by c3 = 0.
    assert.equal(cubicInterp(-0.5, 1, 0.5, 1.5, 1e-12, 1), 1e-12);
  });

  it('returns a bound when the minimum lies outside [lo, hi]', () => {
    // f(x) = x² − 4x: falls all the way to hi = 1.
    assert.equal(cubicInterp(-4, 1, -3, -2, 0, 1), 1);
  });
});

describe('wolfeLineSearch', () => {
  it('accepts a step satisfying the strong Wolfe conditions along the steepest descent of a bowl', () => {
    const x0 = Float64Array.of(3, 3);
    const g0 = new Float64Array(2);
    const f0 = bowl(x0, g0);
    const p = g0.map((v) => -v);
    const x1 = new Float64Array(2);
    const g1 = new Float64Array(2);
    const ls = wolfeLineSearch(bowl, 1e-3, x1, g1, p, x0, f0, g0, { c1: 1e-4, c2: 0.9, minAlpha: 1e-12, maxLSIts: 20, maxLSRestarts: 10 });
    assert.equal(ls.retCode, 0);
    const dfp0 = g0[0]! * p[0]! + g0[1]! * p[1]!;
    assert.ok(ls.f <= f0 + ls.alpha * 1e-4 * dfp0);
    assert.ok(Math.abs(g1[0]! * p[0]! + g1[1]! * p[1]!) <= -0.9 * dfp0);
  });
});

describe('lbfgs', () => {
  it('minimises Rosenbrock\'s function from (−1.2, 1) and reports convergence', () => {
    const result = lbfgs(rosenbrock, Float64Array.of(-1.2, 1));
    assert.ok(result.returnCode > 0, `code ${result.returnCode}`);
    assert.ok(Math.abs(result.x[0]! - 1) < 1e-4 && Math.abs(result.x[1]! - 1) < 1e-4, `${result.x}`);
  });

  it('stops with TERM.MAXIT after `iter` iterations', () => {
    const result = lbfgs(rosenbrock, Float64Array.of(-1.2, 1), { iter: 3 });
    assert.equal(result.returnCode, TERM.MAXIT);
    assert.equal(result.iterations, 3);
  });

  it('refuses a start where f is not finite, as CmdStan does', () => {
    assert.throws(() => lbfgs(() => NaN, Float64Array.of(0)), /Error evaluating initial BFGS point\./);
  });

  it('reports a line-search failure (−1) when no step decreases f', () => {
    // A gradient that points the wrong way: every step along −g goes uphill.
    const liar: ObjectiveFn = (x, g) => {
      g[0] = -2 * x[0]!;
      return x[0]! * x[0]!;
    };
    assert.equal(lbfgs(liar, Float64Array.of(1)).returnCode, TERM.LSFAIL);
  });
});

describe('newton', () => {
  it('approaches the minimum of a quadratic bowl until lp improves by at most 1e-8', () => {
    // Stan's Hessian is scaled by ε² = 1e-6, so the halving line search lands near, not on, the Newton step.
    const result = newton(bowl, Float64Array.of(5, -5, 1));
    result.x.forEach((v, i) => assert.ok(Math.abs(v - i) < 1e-3, `x${i} = ${v}`));
    assert.ok(result.f < 1e-7);
  });
});
