/**
 * Split-conformal prediction intervals, per horizon step, for models without an interval of their own (GRU, LSTM),
 * normalised by the series' local volatility. Each (origin, step) error is divided by σ^β, σ being the root mean
 * square of the target's step-to-step changes over the origin's input window (known at the origin); for each step
 * h, q_h is the finite-sample quantile ⌈(n + 1)·width⌉ / n of those ratios on the validation split's targets
 * (windows may reach back into the training split, as in the held-out protocol). The interval is forecast ± q_h·σ^β:
 * it widens when the recent series is restless, so a calm validation period does not make the intervals too
 * narrow for a restless test period. β was chosen on ElBorn and LesCorts (bench/results/rnn-highway-notes.md §4,
 * §5): for the first blended models β = 0 (plain split conformal) covered 62 % of ElBorn's held-out targets for a
 * nominal 80 %, β = 1 88 %, β = 0.75 82 %; the more accurate defaults of §5 covered 80–90 % per step at β = 0.75 and
 * 74–85 % at β = 0.6 (kept), 76–86 % at 0.65. LesCorts stays at 76–81 % for every β. With preprocess's
 * validation_fraction at 0.2 instead of 0.1, ElBorn's validation period is less calm and β = 0.75 covers 78–84 %.
 *
 * Past one horizon, a recursive forecast feeds on its own forecasts: round r (r = 0 for a forecast from data) uses
 * σ of the last window of real data and half-width q_h·σ·√(r + 1), as if the rounds' errors added up independently —
 * an assumption, not a guarantee.
 */
import { DataError } from '../errors.js';
import { planEvaluation, type Forecaster } from '../series/evaluation.js';
import type { SeriesFrame } from '../series/frame.js';
import type { PreprocessingManifest } from '../series/manifest.js';
import type { FitData, IntervalFunction } from './adapter.js';

export interface ConformalInterval {
  method: 'split-conformal';
  /** Nominal coverage, 0 < width < 1. */
  width: number;
  /** q_h for h = 1 … H: multiples of the window's volatility σ. */
  halfWidths: number[];
  /** Validation origins the half-widths were calibrated on. */
  calibrationOrigins: number;
  /** How errors are normalised: by σ^exponent, σ the volatility over the input window. */
  scale: 'window-volatility';
  exponent: number;
}

const VOLATILITY_EXPONENT = 0.6;

/** Calibrates the half-widths on `data.validation` (context: `data.train`); `exponent` is β (a bench varies it). */
export async function calibrateConformal(forecast: Forecaster, data: FitData, width: number, exponent = VOLATILITY_EXPONENT): Promise<ConformalInterval> {
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
  const sigma = Float64Array.from(plan.origins, (origin) => windowVolatility(plan.frame, manifest, origin) ** exponent);
  const H = manifest.horizon;
  const halfWidths = Array.from({ length: H }, (_, h) => {
    const ratios = Float64Array.from({ length: n }, (_, i) => Math.abs(forecasts[i * H + h]! - plan.actual[i * H + h]!) / sigma[i]!).sort();
    const rank = Math.ceil((n + 1) * width);
    return rank > n ? ratios[n - 1]! : ratios[rank - 1]!;
  });
  return { method: 'split-conformal', width, halfWidths, calibrationOrigins: n, scale: 'window-volatility', exponent };
}

/** The interval function of a calibrated model. */
export function conformalInterval(calibration: ConformalInterval, manifest: PreprocessingManifest): IntervalFunction {
  const H = calibration.halfWidths.length;
  return (frame, origins, forecasts, recursion) => {
    const widen = Math.sqrt((recursion?.round ?? 0) + 1);
    const lower = new Float64Array(origins.length * H);
    const upper = new Float64Array(origins.length * H);
    for (let i = 0; i < origins.length; i++) {
      const sigma = windowVolatility(frame, manifest, recursion ? recursion.dataRows[i]! : origins[i]!) ** calibration.exponent;
      for (let h = 0; h < H; h++) {
        const k = i * H + h;
        const q = calibration.halfWidths[h]! * sigma * widen;
        lower[k] = forecasts[k]! - q;
        upper[k] = forecasts[k]! + q;
      }
    }
    return { lower, upper };
  };
}

/**
 * σ at `origin`: the root mean square of the target's changes over the input window, floored at a millionth of
 * the scaled range so that a flat window does not give a zero-width interval.
 */
function windowVolatility(frame: SeriesFrame, manifest: PreprocessingManifest, origin: number): number {
  const y = frame.columns[manifest.target]!;
  const first = Math.max(1, origin - manifest.inputLength + 2);
  let sum = 0;
  let count = 0;
  for (let row = first; row <= origin; row++) {
    const change = y[row]! - y[row - 1]!;
    if (Number.isFinite(change)) {
      sum += change * change;
      count++;
    }
  }
  return Math.max(count > 0 ? Math.sqrt(sum / count) : 0, 1e-6);
}

/** The calibration a manifest carries, checked; undefined when it has none. */
export function manifestInterval(manifest: PreprocessingManifest): ConformalInterval | undefined {
  const interval = manifest.interval;
  if (!interval) return undefined;
  const ok =
    interval.method === 'split-conformal' &&
    interval.scale === 'window-volatility' &&
    Number.isFinite(interval.exponent) &&
    interval.halfWidths.length === manifest.horizon &&
    interval.halfWidths.every((q) => Number.isFinite(q) && q >= 0);
  return ok ? (interval as ConformalInterval) : undefined;
}
