/**
 * The linear autoregressive baseline (shared/series/linear-baseline.ts) and its place in the evaluation protocol:
 * fitted on the training split only, one direct ridge model per step, scored on the same targets as the model.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateForecaster, evaluationMetrics, planEvaluation, type EvaluationTask } from '../../shared/series/evaluation.js';
import type { SeriesFrame } from '../../shared/series/frame.js';
import { fitLinearAutoregression, linearForecasts } from '../../shared/series/linear-baseline.js';

const STEP = 60_000;

function frame(values: ArrayLike<number>, start = 0, gapAfter = -1): SeriesFrame {
  const time = Float64Array.from({ length: values.length }, (_, i) => (start + i + (gapAfter >= 0 && i > gapAfter ? 5 : 0)) * STEP);
  return { time, names: ['y'], columns: { y: Float64Array.from(values) } };
}

/** y_t = 0.6·y_{t−1} − 0.2·y_{t−2} + 0.1, from y_0 = 1, y_1 = 0.5: exactly linear, so the fit recovers it. */
function ar2(n: number): Float64Array {
  const y = new Float64Array(n);
  y[0] = 1;
  y[1] = 0.5;
  for (let t = 2; t < n; t++) y[t] = 0.6 * y[t - 1]! - 0.2 * y[t - 2]! + 0.1 + 0.01 * Math.sin(t * 1.7);
  return y;
}

describe('the linear autoregressive baseline', () => {
  it('reads min(10, input_length) lags and fits one direct model per step', () => {
    const model = fitLinearAutoregression(frame(ar2(400)), 'y', 4, 3, STEP);
    assert.equal(model.lags, 4);
    assert.equal(model.horizon, 3);
    assert.equal(model.weights.length, (4 + 1) * 3);
    assert.equal(fitLinearAutoregression(frame(ar2(400)), 'y', 30, 3, STEP).lags, 10);
  });

  it('forecasts a nearly linear process almost exactly one and several steps ahead', () => {
    const y = ar2(600);
    const model = fitLinearAutoregression(frame(y.subarray(0, 400)), 'y', 5, 3, STEP);
    const origins = Int32Array.from({ length: 50 }, (_, i) => 450 + i);
    const forecasts = linearForecasts(model, y, origins);
    for (let i = 0; i < origins.length; i++) {
      for (let h = 1; h <= 3; h++) assert.ok(Math.abs(forecasts[i * 3 + h - 1]! - y[origins[i]! + h]!) < 0.01, `origin ${origins[i]}, step ${h}`);
    }
  });

  it('does not fit on windows that span a gap in time', () => {
    const y = ar2(60);
    const whole = fitLinearAutoregression(frame(y), 'y', 3, 2, STEP);
    const gapped = fitLinearAutoregression(frame(y, 0, 29), 'y', 3, 2, STEP);
    assert.equal(whole.windows, 60 - 3 - 2 + 1);
    assert.equal(gapped.windows, whole.windows - (3 + 2 - 1), 'the windows across the gap are left out');
  });

  it('says why when the training split has no window to fit on', () => {
    assert.throws(() => fitLinearAutoregression(frame([1, 2, 3]), 'y', 3, 2, STEP), { name: 'DataError', message: /no gap-free window of 3 \+ 2 rows/ });
  });
});

describe('the linear baseline in the evaluation protocol', () => {
  const y = ar2(700);
  const scaler = { method: 'none' as const, columns: { y: { center: 0, scale: 1 } } };
  const task: EvaluationTask = {
    context: [frame(y.subarray(0, 500)), frame(y.subarray(500, 600), 500)],
    heldOut: frame(y.subarray(600), 600),
    target: 'y',
    inputLength: 6,
    horizon: 2,
    frequencyMs: STEP,
    scaler,
  };
  const persistence = (f: SeriesFrame, origins: Int32Array) => Float64Array.from({ length: origins.length * 2 }, (_, k) => f.columns['y']![origins[Math.floor(k / 2)]!]!);

  it('is scored on the same targets as the model, with a skill against it, per step too', async () => {
    const report = await evaluateForecaster(task, persistence);
    assert.ok(report.baselines.linear, report.baselines.linearUnavailable ?? '');
    assert.ok(report.baselines.linear.scaled.rmse < report.baselines.persistence.scaled.rmse, 'on an AR process the linear model beats persistence');
    assert.ok(report.skill.vsLinear! < 0, 'so persistence has negative skill against it');
    const metrics = evaluationMetrics(report);
    for (const key of ['linear_rmse', 'linear_mae', 'linear_mse', 'linear_rmse_original', 'linear_rmse_step1', 'linear_rmse_step2', 'skill_vs_linear']) {
      assert.ok(Number.isFinite(metrics[key]), key);
    }
  });

  it('is fitted on the training split only: the validation and held-out values never change its weights', () => {
    const plan = planEvaluation(task);
    const model = fitLinearAutoregression(task.context[0]!, 'y', task.inputLength, task.horizon, STEP);
    assert.deepEqual(plan.linear, linearForecasts(model, plan.frame.columns['y']!, plan.origins));
    const otherValidation = { ...task, context: [task.context[0]!, frame(Float64Array.from(y.subarray(500, 600), () => 9), 500)] };
    const origins = plan.origins.filter((o) => o - 6 >= 600);
    const rows = (p: ReturnType<typeof planEvaluation>) => Array.from(origins, (o) => p.linear![p.origins.indexOf(o) * 2]);
    assert.deepEqual(rows(planEvaluation(otherValidation)), rows(plan), 'origins whose lags lie in the held-out split forecast the same');
  });

  it('is absent, saying why, when there is no training split (inference backtests)', async () => {
    const report = await evaluateForecaster({ ...task, context: [] }, persistence);
    assert.equal(report.baselines.linear, null);
    assert.equal(report.baselines.linearUnavailable, 'no training split to fit it on');
    assert.equal(report.skill.vsLinear, null);
    assert.equal('skill_vs_linear' in evaluationMetrics(report, 'backtest'), false);
  });
});
