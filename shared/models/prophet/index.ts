/**
 * A Prophet-equivalent forecaster in TypeScript: the `Prophet` class, Prophet's JSON model format,
 * cross-validation and performance metrics, and the pure maths (trend, Fourier features, objective,
 * Stan's optimizers) for those who want the pieces.
 *
 * ```ts
 * const m = new Prophet({ seasonality_mode: 'additive' }).fit({ ds, y });
 * const forecast = m.predict(m.makeFutureDataframe(365)); // forecast.yhat, .trend, .weekly, .yhat_lower, …
 * const saved = modelToJson(m);                           // loads in Python with prophet.serialize.model_from_json
 * ```
 */
export { Prophet, type ProphetOptions, type RegressorSpec, type SeasonalitySpec } from './prophet.js';
export type { Forecast } from './predict.js';
export { objectiveFor, warmStartParams, type FitOptions } from './optimize.js';
export type { Draws } from './uncertainty.js';
export type {
  DataFrame, ExtraRegressor, FitInfo, Growth, HolidaysTable, Mode, ModelInputData, ModelParams, Scaling, Seasonality,
  SeasonalityArg,
} from './types.js';
export { modelFromDict, modelFromJson, modelToDict, modelToJson, PROPHET_FORMAT_VERSION } from './serialize.js';
export { crossValidation, generateCutoffs, prophetCopy, type CrossValidationOptions, type CrossValidationResult } from './diagnostics.js';
export { performanceMetrics, rollingMeanByH, rollingMedianByH, type PerformanceMetrics, type PerformanceMetricsOptions } from './metrics.js';
export { formatDate, formatIso, parseTimedelta, toEpochMs, toEpochMsArray } from './dates.js';
export { changepointGrid, changepointsT } from './changepoints.js';
export { flatTrend, logisticGammas, piecewiseLinear, piecewiseLogistic } from './trend.js';
export { fourierSeries } from './seasonality.js';
export { flatGrowthInit, linearGrowthInit, logisticGrowthInit } from './init.js';
export { makeObjective, packParams, unpackParams } from './objective.js';
export { makeGramObjective } from './objective-gram.js';
export { lbfgs, LBFGS_DEFAULTS } from './lbfgs.js';
export { newton } from './newton.js';
