/**
 * The MAP objective of `prophet.stan`: its value equals rstan's reported optimum for R Prophet's fitted
 * parameters, and its analytic gradient equals finite differences for every growth and mode.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { makeObjective, packParams } from '../../../shared/models/prophet/objective.js';
import { gramApplies, makeGramObjective } from '../../../shared/models/prophet/objective-gram.js';
import { Prophet } from '../../../shared/models/prophet/prophet.js';
import type { ModelInputData } from '../../../shared/models/prophet/types.js';
import { sharedPath } from '../../helpers/shared-data.js';
import { EXAMPLES, dailyUnivariateTs, peytonManning, skipNoData, trainTestSplit } from './fixtures.js';

/** A small data set: 40 rows, 3 changepoints, 4 features (2 additive, 2 multiplicative). */
function smallData(trend_indicator: 0 | 1 | 2): ModelInputData {
  const T = 40;
  const K = 4;
  const t = Float64Array.from({ length: T }, (_, i) => i / (T - 1));
  const X = new Float64Array(T * K);
  for (let i = 0; i < T; i++) {
    X[i * K] = Math.sin(7 * t[i]!);
    X[i * K + 1] = Math.cos(5 * t[i]!);
    X[i * K + 2] = Math.sin(11 * t[i]!);
    X[i * K + 3] = t[i]! - 0.5;
  }
  return {
    T, S: 3, K, tau: 0.05, trend_indicator,
    y: t.map((v, i) => 0.3 + 0.4 * v + 0.05 * Math.sin(i)),
    t,
    cap: new Float64Array(T).fill(trend_indicator === 1 ? 1.5 : 0),
    t_change: Float64Array.of(0.2, 0.45, 0.7),
    X,
    sigmas: Float64Array.of(10, 10, 5, 1),
    s_a: Float64Array.of(1, 1, 0, 0),
    s_m: Float64Array.of(0, 0, 1, 1),
  };
}

/** Largest relative difference between the analytic gradient and central differences. */
function gradientError(data: ModelInputData, z: Float64Array): number {
  const fn = makeObjective(data);
  const g = new Float64Array(z.length);
  fn(z, g);
  let worst = 0;
  for (let i = 0; i < z.length; i++) {
    const h = 1e-6;
    const zp = Float64Array.from(z);
    const zm = Float64Array.from(z);
    zp[i] = zp[i]! + h;
    zm[i] = zm[i]! - h;
    const numeric = (fn(zp, new Float64Array(z.length)) - fn(zm, new Float64Array(z.length))) / (2 * h);
    worst = Math.max(worst, Math.abs(numeric - g[i]!) / Math.max(1, Math.abs(numeric)));
  }
  return worst;
}

// k, m, δ (away from 0, where |δ| has its kink), log σ, β
const point = Float64Array.of(0.6, 0.2, 0.15, -0.3, 0.25, Math.log(0.08), 0.03, -0.02, 0.05, 0.1);

describe('the objective', () => {
  for (const [name, indicator] of [['linear', 0], ['logistic', 1], ['flat', 2]] as const) {
    it(`has the analytic gradient of f for ${name} growth with additive and multiplicative features`, () => {
      assert.ok(gradientError(smallData(indicator), point) < 1e-6);
    });
  }

  it('uses sign(0) = 0 for the Laplace prior at δ = 0, as Stan does', () => {
    const data = smallData(0);
    const fn = makeObjective(data);
    const z = Float64Array.from(point);
    z[2] = 0;
    const g = new Float64Array(z.length);
    fn(z, g);
    const zz = Float64Array.from(z);
    const gWithoutPrior = new Float64Array(z.length);
    makeObjective({ ...data, tau: Infinity })(zz, gWithoutPrior);
    assert.equal(g[2], gWithoutPrior[2]);
  });

  it('equals minus rstan\'s optimum for R Prophet\'s Peyton Manning parameters (L-BFGS and Newton), both ways of evaluating it', { skip: skipNoData }, () => {
    const reference = JSON.parse(readFileSync(sharedPath(`${EXAMPLES}reference/reference_R_prophet_1.0.json`)!, 'utf8'));
    const m = new Prophet();
    const inputs = m.preprocess(peytonManning());
    const direct = makeObjective(inputs);
    const gram = makeGramObjective(inputs);
    const start = packParams(m.calculateInitialParams(inputs.K));
    gram(start, new Float64Array(start.length));
    for (const fit of [reference.LBFGS, reference.Newton]) {
      const z = packParams({ k: fit.k, m: fit.m, delta: Float64Array.from(fit.delta), sigma_obs: fit.sigma_obs, beta: Float64Array.from(fit.beta) });
      for (const fn of [direct, gram]) {
        const f = fn(z, new Float64Array(z.length));
        assert.ok(Math.abs(-f - fit.value) < 1e-6, `${-f} vs ${fit.value}`);
      }
    }
  });

  it('equals minus rstan\'s optimum for the data.csv test fits', { skip: skipNoData }, () => {
    const reference = JSON.parse(readFileSync(sharedPath(`${EXAMPLES}reference/reference_R_prophet_1.0.json`)!, 'utf8'));
    const inputs = new Prophet().preprocess(trainTestSplit(dailyUnivariateTs(), 30)[0]);
    const fn = makeObjective(inputs);
    for (const fit of [reference.tests_data_csv_model_LBFGS, reference.tests_data_csv_model_Newton]) {
      const z = packParams({ k: fit.k, m: fit.m, delta: Float64Array.from(fit.delta), sigma_obs: fit.sigma_obs, beta: Float64Array.from(fit.beta) });
      assert.ok(Math.abs(-fn(z, new Float64Array(z.length)) - fit.value) < 1e-6);
    }
  });

  describe('from sufficient statistics (linear or flat growth, additive terms)', () => {
    for (const [name, indicator] of [['linear', 0], ['flat', 2]] as const) {
      it(`equals the direct evaluation for ${name} growth (f to 1e-12, ∇f to 1e-10, relative)`, () => {
        const data = { ...smallData(indicator), s_a: Float64Array.of(1, 1, 1, 1), s_m: new Float64Array(4) };
        const direct = makeObjective(data);
        const gram = makeGramObjective(data);
        const start = Float64Array.from(point).fill(0, 2, 5);
        gram(start, new Float64Array(point.length)); // the first point becomes the reference
        for (const z of [start, point]) {
          const gd = new Float64Array(z.length);
          const gg = new Float64Array(z.length);
          const fd = direct(z, gd);
          const fg = gram(z, gg);
          assert.ok(Math.abs(fd - fg) <= 1e-12 * Math.abs(fd), `${fd} vs ${fg}`);
          gd.forEach((v, i) => assert.ok(Math.abs(v - gg[i]!) <= 1e-10 * Math.max(1, Math.abs(v)), `∂${i}: ${v} vs ${gg[i]}`));
        }
      });
    }

    it('is used only where it is cheaper and exact: not for logistic growth or multiplicative terms', () => {
      assert.equal(gramApplies({ ...smallData(0), T: 4000, s_m: new Float64Array(4) }), true);
      assert.equal(gramApplies({ ...smallData(0), T: 4000 }), false);
      assert.equal(gramApplies({ ...smallData(1), T: 4000, s_m: new Float64Array(4) }), false);
    });
  });
});
