/**
 * Peyton Manning (2905 days of log page views, 365 days ahead) against R Prophet 1.0 (rstan 2.21) and the
 * quick-start notebook of Python Prophet: the same objective value at R's parameters, the same prediction
 * from R's parameters, and a forecast within the spread between real Prophet runs.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, describe, it } from 'node:test';
import { formatDate } from '../../../shared/models/prophet/dates.js';
import type { Forecast } from '../../../shared/models/prophet/predict.js';
import { Prophet } from '../../../shared/models/prophet/prophet.js';
import { sharedPath } from '../../helpers/shared-data.js';
import { EXAMPLES, peytonManning, readCsv, skipNoData } from './fixtures.js';

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
};

describe('Peyton Manning', { skip: skipNoData }, () => {
  let reference: Record<string, { k: number; m: number; delta: number[]; sigma_obs: number; beta: number[]; value: number }>;
  let rLbfgs: Record<string, Float64Array>;
  let rNewton: Record<string, Float64Array>;
  let model: Prophet;
  let forecast: Forecast;

  before(() => {
    reference = JSON.parse(readFileSync(sharedPath(`${EXAMPLES}reference/reference_R_prophet_1.0.json`)!, 'utf8'));
    rLbfgs = readCsv('reference/peyton_manning_forecast_R_LBFGS.csv');
    rNewton = readCsv('reference/peyton_manning_forecast_R_Newton.csv');
    model = new Prophet().fit(peytonManning());
    forecast = model.predict(model.makeFutureDataframe(365));
  });

  it('forecasts 3270 rows ending 2017-01-19, with Prophet\'s columns', () => {
    assert.equal(forecast.ds.length, 3270);
    assert.equal(formatDate(forecast.ds[3269]!), '2017-01-19');
    assert.deepEqual(Object.keys(forecast), [
      'ds', 'trend', 'yhat_lower', 'yhat_upper', 'trend_lower', 'trend_upper', 'additive_terms', 'additive_terms_lower',
      'additive_terms_upper', 'weekly', 'weekly_lower', 'weekly_upper', 'yearly', 'yearly_lower', 'yearly_upper',
      'multiplicative_terms', 'multiplicative_terms_lower', 'multiplicative_terms_upper', 'yhat',
    ]);
  });

  it('stops L-BFGS between R\'s L-BFGS optimum (lp 8004.60) and the exact MAP (8005.159), as Stan\'s L-BFGS does', () => {
    const lp = model.fit_info!.lp;
    assert.equal(model.fit_info!.algorithm, 'LBFGS');
    assert.ok(lp > reference['LBFGS']!.value && lp < 8005.159, `lp ${lp}`);
  });

  it('predicts exactly R\'s forecast from R\'s parameters (max |Δ| < 1e-9 on yhat, trend and yearly)', () => {
    for (const [fit, r] of [['LBFGS', rLbfgs], ['Newton', rNewton]] as const) {
      const p = reference[fit]!;
      // Prophet's steps up to the optimizer, then R's optimum in place of ours.
      const m = new Prophet({ uncertainty_samples: 0 });
      m.preprocess(peytonManning());
      m.params = { k: p.k, m: p.m, delta: Float64Array.from(p.delta), sigma_obs: p.sigma_obs, beta: Float64Array.from(p.beta) };
      const f = m.predict(m.makeFutureDataframe(365));
      assert.ok(maxAbsDiff(f.yhat, r['yhat']!) < 1e-9, `${fit} yhat`);
      assert.ok(maxAbsDiff(f.trend, r['trend']!) < 1e-9, `${fit} trend`);
      assert.ok(maxAbsDiff(f['yearly']!, r['yearly']!) < 1e-9, `${fit} yearly`);
    }
  });

  it('forecasts within the spread between real Prophet runs: max |Δyhat| vs R\'s L-BFGS and Newton fits ≤ their difference (0.028)', (t) => {
    const rSpread = maxAbsDiff(rLbfgs['yhat']!, rNewton['yhat']!);
    const vsLbfgs = maxAbsDiff(forecast.yhat, rLbfgs['yhat']!);
    const vsNewton = maxAbsDiff(forecast.yhat, rNewton['yhat']!);
    t.diagnostic(`max |Δyhat|: vs R L-BFGS ${vsLbfgs.toFixed(4)}, vs R Newton ${vsNewton.toFixed(4)}; R L-BFGS vs R Newton ${rSpread.toFixed(4)}`);
    assert.ok(vsLbfgs <= rSpread && vsNewton <= rSpread);
  });

  it('matches the Python quick-start notebook\'s last five yhat (2017-01-15 … 19) to 0.01', () => {
    const notebook = [8.212625, 8.537635, 8.325071, 8.157723, 8.169677];
    notebook.forEach((v, i) => assert.ok(Math.abs(forecast.yhat[3265 + i]! - v) < 0.01, `${forecast.yhat[3265 + i]} vs ${v}`));
  });

  it('gives intervals as wide as R\'s: ±1.28 σ·y_scale over the history, and within 5% of R\'s width over the last 30 days', () => {
    const width = (f: Record<string, Float64Array>, from: number, to: number) => {
      let s = 0;
      for (let i = from; i < to; i++) s += f['yhat_upper']![i]! - f['yhat_lower']![i]!;
      return s / (to - from);
    };
    const theory = 2 * 1.2815515655446004 * model.params!.sigma_obs * model.y_scale!;
    assert.ok(Math.abs(width(forecast, 0, 2905) / theory - 1) < 0.01);
    const ours = width(forecast, 3240, 3270);
    const r = width(rLbfgs, 3240, 3270);
    assert.ok(Math.abs(ours / r - 1) < 0.05, `ours ${ours}, R ${r}`);
    for (let i = 0; i < 2905; i++) assert.equal(forecast.trend_lower![i], forecast.trend[i]);
  });
});
