/**
 * The held-out evaluation protocol every trainer (GRU, LSTM, Prophet) uses, so that eval ranks numbers measured
 * on the same task.
 *
 * The task. The held-out split (`inference_data`) is appended to the splits that precede it (training, then
 * validation) into one frame. A target is a pair (origin o, step h), h = 1 … H, where
 *   - the origin's input window, rows o − L + 1 … o, lies in real, contiguous data; it may reach back into the
 *     preceding splits, which serve as context and are never scored;
 *   - all H targets, rows o + 1 … o + H, lie in the held-out split;
 *   - no window (input plus targets) spans a gap in the time index.
 * Every origin that satisfies this is scored, at every step: n origins give n · H targets.
 *
 * The forecasts. A model is a `Forecaster`: given the joined frame and a batch of origin rows it returns H scaled
 * forecasts per origin. A model that reads recent values (GRU, LSTM) uses the input window; one that forecasts
 * by timestamp (Prophet) uses `frame.time[o + h]`; both are scored on exactly the same targets. Two baselines
 * are scored on them too:
 *   - persistence: every step repeats the target's value at the origin;
 *   - seasonal naive: the value one day (m = 86 400 000 / frequency_ms steps) before the target, or, for steps
 *     beyond one day, the latest same-time-of-day value at or before the origin (m · ⌈h / m⌉ steps back), so it
 *     never peeks past the origin. It is reported only when every target has that value in real data;
 *   - linear: a ridge autoregression on the target's last min(10, L) values, one direct model per step, fitted on
 *     the training split (the first context frame) only (linear-baseline.ts). Absent without a training split.
 *
 * The numbers. RMSE, MAE and MSE in scaled units (what upstream's composite score adds up) and in original
 * units (inverse-scaled with the target's scale); MAPE and sMAPE in original units over the targets where they
 * are defined (zero actuals are skipped and counted); the same per step; skill = 1 − RMSE_model / RMSE_baseline
 * (> 0: better than the baseline; equal in scaled and original units). The origins' actual and forecast values
 * are kept for a forecast-vs-actual plot.
 *
 * Porting note: upstream FLTS scored GRU/LSTM in-sample on the training windows at the last epoch and Prophet on
 * a 20 % holdout averaged over 11 columns (reference/upstream-flts.md §5.1, §9.4–9.5); this protocol replaces
 * both.
 */
import { DataError, ModelStateError } from '../errors.js';
import { column, concatFrames, rowCount, type SeriesFrame } from './frame.js';
import { fitLinearAutoregression, LINEAR_BASELINE_MAX_LAGS, linearForecasts } from './linear-baseline.js';
import { mae, mape, mse, rmse, smape } from './metrics.js';
import { countMetricNames, intervalMetricName, MEASURES, metricName, percentMetricName, SKILL_METRICS, stepMetricName, type MetricScope } from './metric-names.js';
import { columnScale, unscaleValues, type ColumnScale, type Scaler } from './scaler.js';
import { originBounds, validateWindowShape, windowOrigins, windowTargets } from './windows.js';

const DAY_MS = 86_400_000;

/** What is evaluated: the data, the task's lengths, and how to undo the scaling. */
export interface EvaluationTask {
  /**
   * Scaled frames that precede the held-out frame, oldest first (training, validation). Context only: never scored.
   * The linear baseline is fitted on the first of them, the training split.
   */
  context: readonly SeriesFrame[];
  /** The scaled held-out frame (`inference_data`); every scored target lies in it. */
  heldOut: SeriesFrame;
  /** The forecast column. */
  target: string;
  /** Past steps a forecast may read (L ≥ 1); decides which origins have a full window. */
  inputLength: number;
  /** Steps forecast from each origin (H ≥ 1). */
  horizon: number;
  /** Sampling interval of the frames in milliseconds. */
  frequencyMs: number;
  /** The scaler the frames were scaled with; only the target's scale is used. */
  scaler: Scaler;
}

/**
 * A model under evaluation: for each origin row of `frame` (the context and held-out frames joined), H forecasts
 * of the scaled target, returned row-major as (origins.length, H): out[i·H + h − 1] forecasts row origins[i] + h.
 */
export type Forecaster = (frame: SeriesFrame, origins: Int32Array) => ArrayLike<number> | Promise<ArrayLike<number>>;

/** The targets of a task and the baselines' forecasts for them; everything a model's forecasts are scored against. */
export interface EvaluationPlan {
  /** The context frames and the held-out frame joined, in time order. */
  frame: SeriesFrame;
  /** Row of `frame` where the held-out frame starts. */
  heldOutStart: number;
  /** Scored origins, rows of `frame`, increasing; length n. */
  origins: Int32Array;
  /** Origins that would fit by position but were left out because their window spans a gap in time. */
  originsSkippedForGaps: number;
  /** Actual scaled target values, (n, H) row-major. */
  actual: Float64Array;
  /** Persistence forecasts, (n, H): the scaled target at the origin. */
  persistence: Float64Array;
  /** Seasonal-naive forecasts, (n, H), or null when some target has no value one season earlier. */
  seasonalNaive: Float64Array | null;
  /** Steps per day, or null when the frequency does not divide a day. */
  seasonalPeriod: number | null;
  /** Why the seasonal-naive baseline is missing, when it is. */
  seasonalNaiveUnavailable: string | null;
  /** The linear autoregressive baseline's forecasts, (n, H), or null without a training split. */
  linear: Float64Array | null;
  linearUnavailable: string | null;
}

/** Error metrics of one forecaster over one set of targets. */
export interface ErrorMetrics {
  rmse: number;
  mae: number;
  mse: number;
}

/** Error metrics in original units plus the percentage errors, which are defined there only. */
export interface OriginalUnitMetrics extends ErrorMetrics {
  /** Percent; null when every actual is 0. */
  mape: number | null;
  /** Targets left out of MAPE because their actual is 0. */
  mapeSkipped: number;
  /** Percent, 0 … 200; null when every actual and forecast is 0. */
  smape: number | null;
  /** Targets left out of sMAPE because actual and forecast are both 0. */
  smapeSkipped: number;
}

/** Metrics of the targets at one horizon step (one per origin). */
export interface StepMetrics {
  /** 1 … H. */
  step: number;
  scaled: ErrorMetrics;
  original: ErrorMetrics;
}

/** How one forecaster did on the task. */
export interface ForecastScores {
  scaled: ErrorMetrics;
  original: OriginalUnitMetrics;
  /** Index h − 1 holds step h. */
  perStep: StepMetrics[];
}

/** What a forecast-vs-actual plot needs, in original units. */
export interface ForecastSeries {
  /** Origin timestamps (epoch ms); length n. The target of step h is at originTime[i] + h · frequencyMs. */
  originTime: Float64Array;
  /** Actual target values, (n, H) row-major. */
  actual: Float64Array;
  /** The model's forecasts, (n, H) row-major. */
  forecast: Float64Array;
  /** Its interval, (n, H) row-major, when it has one. */
  lower?: Float64Array;
  upper?: Float64Array;
}

/** The result of the protocol for one model. */
export interface EvaluationReport {
  task: {
    target: string;
    inputLength: number;
    horizon: number;
    frequencyMs: number;
    /** Rows of the held-out frame and of the context frames together. */
    heldOutRows: number;
    contextRows: number;
    /** Scored origins (n) and targets (n · H). */
    origins: number;
    targets: number;
    originsSkippedForGaps: number;
    /** Timestamps (epoch ms) of the first and last scored origin. */
    firstOriginTime: number;
    lastOriginTime: number;
    /** Steps per day used by the seasonal-naive baseline, or null. */
    seasonalPeriod: number | null;
  };
  model: ForecastScores;
  baselines: {
    persistence: ForecastScores;
    seasonalNaive: ForecastScores | null;
    /** Why seasonalNaive is null, when it is. */
    seasonalNaiveUnavailable: string | null;
    linear: ForecastScores | null;
    linearUnavailable: string | null;
  };
  /** 1 − RMSE_model / RMSE_baseline: 0 = as good as the baseline, 1 = perfect, < 0 = worse. */
  skill: { vsPersistence: number; vsSeasonalNaive: number | null; vsLinear: number | null };
  /** The model's interval on the targets, when it was given one. */
  interval: IntervalScores | null;
  series: ForecastSeries;
}

export interface EvaluateOptions {
  /** Origins per forecaster call, to bound the memory a model needs. @default 1024 */
  batchSize?: number;
  /** The model's prediction interval around its forecasts, scored for coverage and interval score. */
  interval?: { bounds: IntervalForecaster; width: number };
}

/** Lower and upper bounds (scaled) around forecasts (origins.length, H) of a Forecaster. */
export type IntervalForecaster = (frame: SeriesFrame, origins: Int32Array, forecasts: ArrayLike<number>) => { lower: ArrayLike<number>; upper: ArrayLike<number> };

/** How a prediction interval did on the targets: share of actuals inside it, and the interval (Winkler) score. */
export interface IntervalScores {
  /** Nominal coverage the interval was made for (0.8 = 80 %). */
  width: number;
  /** Share of targets inside [lower, upper], 0 … 1. */
  coverage: number;
  /** Mean Winkler score, scaled units: (u − l) + (2/α)·(l − y)⁺ + (2/α)·(y − u)⁺ with α = 1 − width; lower is better. */
  winkler: number;
  /** Index h − 1 holds step h. */
  perStep: { step: number; coverage: number; winkler: number }[];
}

/** Runs the protocol: plans the targets, asks `forecaster` for them in batches, scores model and baselines. */
export async function evaluateForecaster(task: EvaluationTask, forecaster: Forecaster, options: EvaluateOptions = {}): Promise<EvaluationReport> {
  const plan = planEvaluation(task);
  const batchSize = options.batchSize ?? 1024;
  const forecasts = await collectForecasts(plan, task.horizon, forecaster, batchSize);
  const bounds = options.interval && collectBounds(plan, task.horizon, forecasts, options.interval.bounds, batchSize);
  return scoreForecasts(task, plan, forecasts, bounds && { ...bounds, width: options.interval!.width });
}

/** The task's targets and the baselines' forecasts; pure, so a test can check which (origin, step) pairs are scored. */
export function planEvaluation(task: EvaluationTask): EvaluationPlan {
  validateWindowShape(task);
  checkFrequency(task.frequencyMs);
  const frame = joinInTimeOrder(task.context, task.heldOut);
  const heldOutStart = rowCount(frame) - rowCount(task.heldOut);
  const origins = scoredOrigins(task, frame.time, heldOutStart);
  const target = column(frame, task.target, 'Target');
  const actual = windowTargets(target, origins, task.horizon);
  const persistence = persistenceForecasts(target, origins, task.horizon);
  const seasonal = seasonalNaiveForecasts(frame, target, origins, task);
  const linear = linearBaselineForecasts(task, target, origins);
  const plan: EvaluationPlan = {
    frame,
    heldOutStart,
    origins,
    originsSkippedForGaps: countCandidates(task, frame, heldOutStart) - origins.length,
    actual,
    persistence,
    seasonalNaive: seasonal.forecasts,
    seasonalPeriod: seasonal.period,
    seasonalNaiveUnavailable: seasonal.unavailable,
    linear: linear.forecasts,
    linearUnavailable: linear.unavailable,
  };
  checkTargetsFinite(plan, task);
  return plan;
}

/**
 * The origins `planEvaluation` would score, so that a trainer can find out before fitting that the held-out split
 * cannot be scored. Throws the DataError that `planEvaluation` would.
 */
export function scorableOrigins(task: EvaluationTask): Int32Array {
  validateWindowShape(task);
  checkFrequency(task.frequencyMs);
  const frame = joinInTimeOrder(task.context, task.heldOut);
  return scoredOrigins(task, frame.time, rowCount(frame) - rowCount(task.heldOut));
}

/** Scores `forecasts` ((n, H) scaled, for plan.origins) and the baselines on the plan's targets. */
export function scoreForecasts(
  task: EvaluationTask,
  plan: EvaluationPlan,
  forecasts: ArrayLike<number>,
  bounds?: { lower: Float64Array; upper: Float64Array; width: number },
): EvaluationReport {
  checkForecasts(plan, task.horizon, forecasts);
  const scale = columnScale(task.scaler, task.target);
  const model = scoreOne(plan.actual, forecasts, task.horizon, scale);
  const persistence = scoreOne(plan.actual, plan.persistence, task.horizon, scale);
  const seasonalNaive = plan.seasonalNaive ? scoreOne(plan.actual, plan.seasonalNaive, task.horizon, scale) : null;
  const linear = plan.linear ? scoreOne(plan.actual, plan.linear, task.horizon, scale) : null;
  const origins = plan.origins.length;
  return {
    task: {
      target: task.target,
      inputLength: task.inputLength,
      horizon: task.horizon,
      frequencyMs: task.frequencyMs,
      heldOutRows: rowCount(task.heldOut),
      contextRows: plan.heldOutStart,
      origins,
      targets: origins * task.horizon,
      originsSkippedForGaps: plan.originsSkippedForGaps,
      firstOriginTime: plan.frame.time[plan.origins[0]!]!,
      lastOriginTime: plan.frame.time[plan.origins[origins - 1]!]!,
      seasonalPeriod: plan.seasonalPeriod,
    },
    model,
    baselines: { persistence, seasonalNaive, seasonalNaiveUnavailable: plan.seasonalNaiveUnavailable, linear, linearUnavailable: plan.linearUnavailable },
    skill: {
      vsPersistence: skill(model, persistence),
      vsSeasonalNaive: seasonalNaive ? skill(model, seasonalNaive) : null,
      vsLinear: linear ? skill(model, linear) : null,
    },
    interval: bounds ? scoreInterval(plan.actual, bounds, task.horizon) : null,
    series: {
      originTime: Float64Array.from(plan.origins, (o) => plan.frame.time[o]!),
      actual: unscaleValues(plan.actual, scale),
      forecast: unscaleValues(forecasts, scale),
      ...(bounds && { lower: unscaleValues(bounds.lower, scale), upper: unscaleValues(bounds.upper, scale) }),
    },
  };
}

/**
 * The report as flat scalars for MLflow and the KFP Metrics artifact, named by metric-names.ts: the model's errors
 * under `scope` (`test` for a trainer's held-out split, `backtest` for inference), the baselines on the same
 * targets, per-step errors, skills and counts.
 */
export function evaluationMetrics(report: EvaluationReport, scope: 'test' | 'backtest' = 'test'): Record<string, number> {
  const out: Record<string, number> = {};
  addScores(out, scope, report.model);
  addScores(out, 'persistence', report.baselines.persistence);
  if (report.baselines.seasonalNaive) addScores(out, 'seasonal_naive', report.baselines.seasonalNaive);
  if (report.baselines.linear) {
    addScores(out, 'linear', report.baselines.linear);
    for (const step of report.baselines.linear.perStep) out[stepMetricName('linear', 'rmse', step.step)] = step.scaled.rmse;
  }
  for (const step of report.model.perStep) {
    out[stepMetricName(scope, 'rmse', step.step)] = step.scaled.rmse;
    out[stepMetricName(scope, 'mae', step.step)] = step.scaled.mae;
  }
  out[SKILL_METRICS.persistence] = report.skill.vsPersistence;
  if (report.skill.vsSeasonalNaive !== null) out[SKILL_METRICS.seasonalNaive] = report.skill.vsSeasonalNaive;
  if (report.skill.vsLinear !== null) out[SKILL_METRICS.linear] = report.skill.vsLinear;
  if (report.interval) {
    out[intervalMetricName(scope, 'coverage')] = report.interval.coverage;
    out[intervalMetricName(scope, 'winkler')] = report.interval.winkler;
    for (const step of report.interval.perStep) {
      out[intervalMetricName(scope, 'coverage', step.step)] = step.coverage;
      out[intervalMetricName(scope, 'winkler', step.step)] = step.winkler;
    }
  }
  const counts = countMetricNames(scope);
  out[counts.origins] = report.task.origins;
  out[counts.targets] = report.task.targets;
  out[counts.mapeSkipped] = report.model.original.mapeSkipped;
  return out;
}

function addScores(out: Record<string, number>, scope: MetricScope, scores: ForecastScores): void {
  for (const measure of MEASURES) {
    out[metricName(scope, measure)] = scores.scaled[measure];
    out[metricName(scope, measure, 'original')] = scores.original[measure];
  }
  if (scores.original.mape !== null) out[percentMetricName(scope, 'mape')] = scores.original.mape;
  if (scores.original.smape !== null) out[percentMetricName(scope, 'smape')] = scores.original.smape;
}

function checkFrequency(frequencyMs: number): void {
  if (!(Number.isFinite(frequencyMs) && frequencyMs > 0)) throw new DataError(`The sampling frequency must be a positive number of milliseconds; got ${frequencyMs}.`);
}

function joinInTimeOrder(context: readonly SeriesFrame[], heldOut: SeriesFrame): SeriesFrame {
  const frames = [...context.filter((frame) => rowCount(frame) > 0), heldOut];
  for (let k = 1; k < frames.length; k++) {
    const before = frames[k - 1]!;
    const after = frames[k]!;
    if (rowCount(after) > 0 && before.time[rowCount(before) - 1]! >= after.time[0]!) {
      throw new DataError(
        `The splits overlap or are out of order: the data before the ${k === frames.length - 1 ? 'held-out' : 'next'} split ends at ${iso(before.time[rowCount(before) - 1]!)}, which is not before its first timestamp ${iso(after.time[0]!)}.`,
      );
    }
  }
  return frames.length === 1 ? heldOut : concatFrames(frames);
}

function scoredOrigins(task: EvaluationTask, time: Float64Array, heldOutStart: number): Int32Array {
  const origins = windowOrigins(time.length, task, { firstTarget: heldOutStart, time, frequencyMs: task.frequencyMs });
  if (origins.length === 0) {
    throw new DataError(
      `The held-out data has no origin to score: it has ${rowCount(task.heldOut)} rows and needs at least horizon = ${task.horizon}, ` +
        `with input_length = ${task.inputLength} contiguous rows before the first target (the splits before it give ${heldOutStart}).`,
    );
  }
  return origins;
}

function countCandidates(task: EvaluationTask, frame: SeriesFrame, heldOutStart: number): number {
  const { first, last } = originBounds(rowCount(frame), task, heldOutStart);
  return Math.max(0, last - first + 1);
}

function persistenceForecasts(target: Float64Array, origins: Int32Array, horizon: number): Float64Array {
  const out = new Float64Array(origins.length * horizon);
  for (let i = 0; i < origins.length; i++) out.fill(target[origins[i]!]!, i * horizon, (i + 1) * horizon);
  return out;
}

function seasonalNaiveForecasts(
  frame: SeriesFrame,
  target: Float64Array,
  origins: Int32Array,
  task: EvaluationTask,
): { forecasts: Float64Array | null; period: number | null; unavailable: string | null } {
  const period = DAY_MS / task.frequencyMs;
  if (!Number.isInteger(period)) {
    return { forecasts: null, period: null, unavailable: `a day is not a whole number of ${task.frequencyMs} ms steps` };
  }
  const { horizon } = task;
  const out = new Float64Array(origins.length * horizon);
  let missing = 0;
  for (let i = 0; i < origins.length; i++) {
    for (let h = 1; h <= horizon; h++) {
      const row = origins[i]! + h;
      const lag = period * Math.ceil(h / period);
      const source = row - lag;
      if (source < 0 || frame.time[row]! - frame.time[source]! !== lag * task.frequencyMs) missing++;
      else out[i * horizon + h - 1] = target[source]!;
    }
  }
  if (missing > 0) {
    return {
      forecasts: null,
      period,
      unavailable: `${missing} of ${origins.length * horizon} targets have no value one day (${period} steps) earlier in the data`,
    };
  }
  return { forecasts: out, period, unavailable: null };
}

/** The linear baseline, fitted on the training split (the first context frame); null, saying why, without one. */
function linearBaselineForecasts(task: EvaluationTask, target: Float64Array, origins: Int32Array): { forecasts: Float64Array | null; unavailable: string | null } {
  const training = task.context[0];
  if (!training || rowCount(training) === 0) return { forecasts: null, unavailable: 'no training split to fit it on' };
  try {
    const model = fitLinearAutoregression(training, task.target, task.inputLength, task.horizon, task.frequencyMs);
    return { forecasts: linearForecasts(model, target, origins), unavailable: null };
  } catch (error) {
    if (error instanceof DataError) return { forecasts: null, unavailable: error.message };
    throw error;
  }
}

/** Every target value the plan reads (targets, origins, seasonal lookbacks) must be a number. */
function checkTargetsFinite(plan: EvaluationPlan, task: EvaluationTask): void {
  const target = column(plan.frame, task.target);
  const period = plan.seasonalNaive ? plan.seasonalPeriod! : 0;
  const lookback = period * Math.ceil(task.horizon / Math.max(period, 1));
  const linearLags = plan.linear ? Math.min(LINEAR_BASELINE_MAX_LAGS, task.inputLength) : 1;
  const first = Math.max(0, Math.min(plan.origins[0]! + 1 - linearLags, plan.origins[0]! + 1 - lookback));
  const last = plan.origins[plan.origins.length - 1]! + task.horizon;
  for (let row = first; row <= last; row++) {
    if (Number.isFinite(target[row]!)) continue;
    const where = row >= plan.heldOutStart ? `row ${row - plan.heldOutStart} of the held-out data` : `row ${row} of the data before the held-out split`;
    throw new DataError(`Target "${task.target}" is ${target[row]} at ${where} (${iso(plan.frame.time[row]!)}); impute it before evaluation.`);
  }
}

async function collectForecasts(plan: EvaluationPlan, horizon: number, forecaster: Forecaster, batchSize: number): Promise<Float64Array> {
  const out = new Float64Array(plan.origins.length * horizon);
  for (let start = 0; start < plan.origins.length; start += batchSize) {
    const batch = plan.origins.subarray(start, Math.min(start + batchSize, plan.origins.length));
    const values = await forecaster(plan.frame, batch);
    if (values.length !== batch.length * horizon) {
      throw new ModelStateError(`The forecaster returned ${values.length} values for ${batch.length} origins × horizon ${horizon} = ${batch.length * horizon}.`);
    }
    for (let k = 0; k < values.length; k++) out[start * horizon + k] = values[k]!;
  }
  return out;
}

/** The interval around every forecast, in the same batches as the forecasts. */
function collectBounds(plan: EvaluationPlan, horizon: number, forecasts: Float64Array, bounds: IntervalForecaster, batchSize: number): { lower: Float64Array; upper: Float64Array } {
  const lower = new Float64Array(forecasts.length);
  const upper = new Float64Array(forecasts.length);
  for (let start = 0; start < plan.origins.length; start += batchSize) {
    const end = Math.min(start + batchSize, plan.origins.length);
    const batch = bounds(plan.frame, plan.origins.subarray(start, end), forecasts.subarray(start * horizon, end * horizon));
    lower.set(Float64Array.from(batch.lower), start * horizon);
    upper.set(Float64Array.from(batch.upper), start * horizon);
  }
  return { lower, upper };
}

function scoreInterval(actual: Float64Array, bounds: { lower: Float64Array; upper: Float64Array; width: number }, horizon: number): IntervalScores {
  const alpha = 1 - bounds.width;
  const score = (indices: (k: number) => boolean) => {
    let inside = 0;
    let total = 0;
    let n = 0;
    for (let k = 0; k < actual.length; k++) {
      if (!indices(k)) continue;
      const [y, l, u] = [actual[k]!, bounds.lower[k]!, bounds.upper[k]!];
      if (y >= l && y <= u) inside++;
      total += u - l + (2 / alpha) * Math.max(0, l - y) + (2 / alpha) * Math.max(0, y - u);
      n++;
    }
    return { coverage: inside / n, winkler: total / n };
  };
  return {
    width: bounds.width,
    ...score(() => true),
    perStep: Array.from({ length: horizon }, (_, h) => ({ step: h + 1, ...score((k) => k % horizon === h) })),
  };
}

function checkForecasts(plan: EvaluationPlan, horizon: number, forecasts: ArrayLike<number>): void {
  const expected = plan.origins.length * horizon;
  if (forecasts.length !== expected) {
    throw new ModelStateError(`Expected ${expected} forecasts (${plan.origins.length} origins × horizon ${horizon}); got ${forecasts.length}.`);
  }
  for (let k = 0; k < expected; k++) {
    if (!Number.isFinite(forecasts[k]!)) {
      const origin = plan.origins[Math.floor(k / horizon)]!;
      throw new ModelStateError(`The forecast from origin ${iso(plan.frame.time[origin]!)} at step ${(k % horizon) + 1} is ${forecasts[k]}; the model diverged or was given non-finite inputs.`);
    }
  }
}

function scoreOne(actual: Float64Array, forecast: ArrayLike<number>, horizon: number, scale: ColumnScale): ForecastScores {
  const actualOriginal = unscaleValues(actual, scale);
  const forecastOriginal = unscaleValues(forecast, scale);
  const percentError = mape(actualOriginal, forecastOriginal);
  const symmetricError = smape(actualOriginal, forecastOriginal);
  return {
    scaled: errorMetrics(actual, forecast),
    original: {
      ...errorMetrics(actualOriginal, forecastOriginal),
      mape: percentError.value,
      mapeSkipped: percentError.skipped,
      smape: symmetricError.value,
      smapeSkipped: symmetricError.skipped,
    },
    perStep: Array.from({ length: horizon }, (_, k) => ({
      step: k + 1,
      scaled: errorMetrics(everyNth(actual, horizon, k), everyNth(forecast, horizon, k)),
      original: errorMetrics(everyNth(actualOriginal, horizon, k), everyNth(forecastOriginal, horizon, k)),
    })),
  };
}

function errorMetrics(actual: ArrayLike<number>, forecast: ArrayLike<number>): ErrorMetrics {
  return { rmse: rmse(actual, forecast), mae: mae(actual, forecast), mse: mse(actual, forecast) };
}

/** Column k of an (n, width) row-major matrix. */
function everyNth(values: ArrayLike<number>, width: number, k: number): Float64Array {
  const out = new Float64Array(values.length / width);
  for (let i = 0; i < out.length; i++) out[i] = values[i * width + k]!;
  return out;
}

function skill(model: ForecastScores, baseline: ForecastScores): number {
  return 1 - model.scaled.rmse / baseline.scaled.rmse;
}

function iso(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}
