/**
 * The blend of a trained recurrent forecaster with the linear baseline (linear_highway): for each horizon step h,
 * the share a_h of the recurrent forecast in a·recurrent + (1 − a)·linear that minimises the squared error on the
 * validation split's (origin, step) targets (a least-squares line through the two forecasts, clipped to [0, 1]),
 * with the ridge autoregression fitted on the training split. Measured on ElBorn and LesCorts
 * (bench/results/rnn-highway.md), a blend beats both of its parts, where either alone can lose to the other.
 */
import { planEvaluation } from '../../series/evaluation.js';
import { fitLinearAutoregression, linearForecasts } from '../../series/linear-baseline.js';
import type { FitData } from '../adapter.js';
import { recurrentForecaster } from './forecast.js';
import type { RecurrentModel } from './model.js';
import { blendWithLinear } from './network.js';

/** Blends `model` (with a zero highway) with the linear baseline in place; returns the recurrent share per step. */
export async function blendWithLinearBaseline(model: RecurrentModel, data: FitData): Promise<number[]> {
  const { manifest } = model;
  const targetIndex = manifest.features.indexOf(manifest.target);
  const H = manifest.horizon;
  if (targetIndex < 0) return Array.from({ length: H }, () => 1);
  const linear = fitLinearAutoregression(data.train, manifest.target, manifest.inputLength, H, manifest.frequencyMs);
  const plan = planEvaluation({
    context: [data.train],
    heldOut: data.validation,
    target: manifest.target,
    inputLength: manifest.inputLength,
    horizon: H,
    frequencyMs: manifest.frequencyMs,
    scaler: manifest.scaler,
  });
  const recurrent = await recurrentForecaster(model)(plan.frame, plan.origins);
  const baseline = linearForecasts(linear, plan.frame.columns[manifest.target]!, plan.origins);
  const share = Array.from({ length: H }, (_, h) => {
    let numerator = 0;
    let denominator = 0;
    for (let i = 0; i < plan.origins.length; i++) {
      const k = i * H + h;
      const difference = recurrent[k]! - baseline[k]!;
      numerator += (plan.actual[k]! - baseline[k]!) * difference;
      denominator += difference * difference;
    }
    return denominator > 0 ? Math.min(1, Math.max(0, numerator / denominator)) : 1;
  });
  blendWithLinear(model.network, targetIndex, linear, share);
  return share;
}
