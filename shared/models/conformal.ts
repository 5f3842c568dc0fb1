/**
 * Split-conformal prediction intervals, per horizon step, for models without an interval of their own (GRU, LSTM):
 * the absolute errors of the fitted model on the validation split's (origin, step) targets — windows may reach
 * back into the training split, as in the held-out protocol — give, for each step h, the half-width q_h below which
 * a share `width` of them fall (the finite-sample quantile ⌈(n + 1)·width⌉ / n). The interval is forecast ± q_h.
 * Past one horizon a recursive forecast feeds on its own forecasts, so in round r (r = 0 for a forecast from data)
 * the half-width is q_h·√(r + 1), as if the rounds' errors added up independently — an assumption, not a guarantee.
 */
import { DataError } from '../errors.js';
import { planEvaluation, type Forecaster } from '../series/evaluation.js';
import type { PreprocessingManifest } from '../series/manifest.js';
import type { IntervalFunction } from './adapter.js';
import type { FitData } from './adapter.js';

export interface ConformalInterval {
  method: 'split-conformal';
  /** Nominal coverage, 0 < width < 1. */
  width: number;
  /** q_h for h = 1 … H, scaled units. */
  halfWidths: number[];
  /** Validation origins the half-widths were calibrated on. */
  calibrationOrigins: number;
}

/** Calibrates the half-widths on `data.validation` (context: `data.train`). */
export async function calibrateConformal(forecast: Forecaster, data: FitData, width: number): Promise<ConformalInterval> {
  const { manifest } = data;
  const plan = planEvaluation({
    context: [data.train],
    heldOut: data.validation,
    target: manifest.target,
    inputLength: manifest.inputLength,
    horizon: manifest.horizon,
    frequencyMs: manifest.frequencyMs,
    scaler: manifest.scaler,
  });
  const n = plan.origins.length;
  if (n === 0) throw new DataError('The validation split has no origin to calibrate the prediction interval on.');
  const forecasts = await forecast(plan.frame, plan.origins);
  const H = manifest.horizon;
  const halfWidths = Array.from({ length: H }, (_, h) => {
    const errors = Float64Array.from({ length: n }, (_, i) => Math.abs(forecasts[i * H + h]! - plan.actual[i * H + h]!)).sort();
    const rank = Math.ceil((n + 1) * width);
    return rank > n ? errors[n - 1]! : errors[rank - 1]!;
  });
  return { method: 'split-conformal', width, halfWidths, calibrationOrigins: n };
}

/** The interval function of a calibrated model. */
export function conformalInterval(calibration: ConformalInterval): IntervalFunction {
  const H = calibration.halfWidths.length;
  return (_frame, origins, forecasts, round = 0) => {
    const widen = Math.sqrt(round + 1);
    const lower = new Float64Array(origins.length * H);
    const upper = new Float64Array(origins.length * H);
    for (let k = 0; k < lower.length; k++) {
      const q = calibration.halfWidths[k % H]! * widen;
      lower[k] = forecasts[k]! - q;
      upper[k] = forecasts[k]! + q;
    }
    return { lower, upper };
  };
}

/** The calibration a manifest carries, checked; undefined when it has none. */
export function manifestInterval(manifest: PreprocessingManifest): ConformalInterval | undefined {
  const interval = manifest.interval;
  if (!interval) return undefined;
  const ok = interval.method === 'split-conformal' && interval.halfWidths.length === manifest.horizon && interval.halfWidths.every((q) => Number.isFinite(q) && q >= 0);
  return ok ? interval : undefined;
}
