/**
 * Every metric name the project reports — in MLflow, KFP Metrics artifacts, model metadata, eval's leaderboard and
 * the reports — built here and nowhere else: `<scope>_<measure>[_original]`, `<scope>_<measure>_step<h>`, skills and
 * counts. Scaled units (the preprocess scaler's) carry no suffix, as upstream's composite score reads them.
 */

/** Whose forecasts: the model on the held-out split, the baselines on the same targets, inference's backtest. */
export type MetricScope = 'test' | 'persistence' | 'seasonal_naive' | 'linear' | 'backtest';
/** Error measures in both units. MAPE and sMAPE exist in original units only (scaled values cross zero). */
export type Measure = 'rmse' | 'mae' | 'mse';
export type PercentMeasure = 'mape' | 'smape';
export type Units = 'scaled' | 'original';

export type MetricName<S extends MetricScope = MetricScope, M extends Measure = Measure, U extends Units = Units> = U extends 'original'
  ? `${S}_${M}_original`
  : `${S}_${M}`;

export const MEASURES: readonly Measure[] = ['rmse', 'mae', 'mse'];

export function metricName<S extends MetricScope, M extends Measure, U extends Units = 'scaled'>(scope: S, measure: M, units?: U): MetricName<S, M, U> {
  return (units === 'original' ? `${scope}_${measure}_original` : `${scope}_${measure}`) as MetricName<S, M, U>;
}

export function percentMetricName(scope: MetricScope, measure: PercentMeasure): string {
  return `${scope}_${measure}`;
}

/** Scaled error at one horizon step (1-based). */
export function stepMetricName(scope: MetricScope, measure: 'rmse' | 'mae', step: number): string {
  return `${scope}_${measure}_step${step}`;
}

/** A prediction interval's coverage (share of actuals inside, 0 … 1) or mean Winkler score (scaled), overall or at one step. */
export function intervalMetricName(scope: MetricScope, measure: 'coverage' | 'winkler', step?: number): string {
  return step === undefined ? `${scope}_${measure}` : `${scope}_${measure}_step${step}`;
}

/** 1 − RMSE_model / RMSE_baseline on the same targets: > 0 beats the baseline. */
export const SKILL_METRICS = { persistence: 'skill_vs_persistence', seasonalNaive: 'skill_vs_seasonal_naive', linear: 'skill_vs_linear' } as const;

/** How much was scored: origins, (origin, step) targets, and targets MAPE skipped (zero actuals). */
export function countMetricNames(scope: MetricScope) {
  return { origins: `${scope}_origins`, targets: `${scope}_targets`, mapeSkipped: `${scope}_mape_skipped` } as const;
}

/** The held-out metrics of a trained model that eval ranks by, scaled and original. */
export type HeldOutMetrics = { [K in MetricName<'test'>]: number };

export const HELD_OUT_METRICS: MetricName<'test'>[] = [...MEASURES.map((measure) => metricName('test', measure)), ...MEASURES.map((measure) => metricName('test', measure, 'original'))];
