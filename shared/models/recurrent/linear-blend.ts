/**
 * The blend of a trained recurrent forecaster with the linear baseline (linear_highway): for each horizon step h,
 * the share a_h of the recurrent forecast in a·recurrent + (1 − a)·linear that minimises the squared error on the
 * validation split's (origin, step) targets (a least-squares line through the two forecasts, clipped to [0, 1]),
 * with the ridge autoregression fitted on the training split. Measured on ElBorn and LesCorts
 * (bench/results/rnn-highway.md), a blend beats both of its parts, where either alone can lose to the other.
 */
import { planEvaluation } from '../../series/evaluation.js';
import { fitLinearAutoregression, linearForecasts, type LinearAutoregression } from '../../series/linear-baseline.js';
import type { PreprocessingManifest } from '../../series/manifest.js';
import { TIME_FEATURE_NAMES } from '../../series/time-features.js';
import type { FitData } from '../adapter.js';
import { recurrentForecaster } from './forecast.js';
import type { RecurrentModel } from './model.js';
import { blendWithLinear, type WindowLinear } from './network.js';

export interface BlendOptions {
  /** The linear part also reads the other measured features at the origin (highway_features). @default false */
  features?: boolean;
}

/** Blends `model` (with a zero highway) with the linear part in place; returns the recurrent share per step. */
export async function blendWithLinearBaseline(model: RecurrentModel, data: FitData, options: BlendOptions = {}): Promise<number[]> {
  const { manifest } = model;
  const targetIndex = manifest.features.indexOf(manifest.target);
  const H = manifest.horizon;
  if (targetIndex < 0) return Array.from({ length: H }, () => 1);
  const features = options.features ? measuredFeatures(manifest) : [];
  const linear = fitLinearAutoregression(data.train, manifest.target, manifest.inputLength, H, manifest.frequencyMs, features);
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
  const baseline = linearForecasts(linear, plan.frame.columns[manifest.target]!, plan.origins, plan.frame.columns);
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
  blendWithLinear(model.network, asWindowLinear(linear, manifest), share);
  return share;
}

/** The features the network reads other than the target and the time features: what was measured beside it. */
function measuredFeatures(manifest: PreprocessingManifest): string[] {
  return manifest.features.filter((name) => name !== manifest.target && !(TIME_FEATURE_NAMES as readonly string[]).includes(name));
}

/** The ridge regression as a linear map of the network's input window (what the highway holds). */
export function asWindowLinear(linear: LinearAutoregression, manifest: PreprocessingManifest): WindowLinear {
  const { inputLength: L, horizon: H } = manifest;
  const F = manifest.features.length;
  const targetIndex = manifest.features.indexOf(manifest.target);
  const kernel = new Float64Array(L * F * H);
  const set = (step: number, feature: number, row: number): void => {
    for (let h = 0; h < H; h++) kernel[(step * F + feature) * H + h] = linear.weights[row * H + h]!;
  };
  for (let k = 0; k < linear.lags; k++) set(L - linear.lags + k, targetIndex, k);
  (linear.features ?? []).forEach((name, j) => set(L - 1, manifest.features.indexOf(name), linear.lags + j));
  const constant = linear.lags + (linear.features?.length ?? 0);
  return { kernel, bias: Float64Array.from({ length: H }, (_, h) => linear.weights[constant * H + h]!) };
}

