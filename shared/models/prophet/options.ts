/**
 * The settings of a `Prophet` model: the constructor's options (Prophet's names and defaults) and the
 * arguments of `addSeasonality` and `addRegressor`, each documented where it is declared.
 */
import type { Growth, HolidaysTable, Mode, Scaling, SeasonalityArg } from './types.js';

/** Prophet's constructor arguments (same names, same defaults). */
export interface ProphetOptions {
  /** Trend: 'linear', 'logistic' (needs a `cap` column) or 'flat'. @default 'linear' */
  growth?: Growth;
  /** Dates (epoch ms) of potential changepoints; when given, `n_changepoints` is their count. @default null (automatic) */
  changepoints?: ArrayLike<number> | null;
  /** Number of automatic potential changepoints. @default 25 */
  n_changepoints?: number;
  /** Share of the history, from the start, in which automatic changepoints are placed; in [0, 1]. @default 0.8 */
  changepoint_range?: number;
  /** Yearly seasonality: 'auto' (≥ 2 years of data), true, false, or a Fourier order. @default 'auto' */
  yearly_seasonality?: SeasonalityArg;
  /** Weekly seasonality: 'auto' (≥ 2 weeks, sub-weekly spacing), true, false, or a Fourier order. @default 'auto' */
  weekly_seasonality?: SeasonalityArg;
  /** Daily seasonality: 'auto' (≥ 2 days, sub-daily spacing), true, false, or a Fourier order. @default 'auto' */
  daily_seasonality?: SeasonalityArg;
  /** Holidays table (name, date, optional window and prior scale per row). @default null */
  holidays?: HolidaysTable | null;
  /** Default mode of seasonalities and regressors. @default 'additive' */
  seasonality_mode?: Mode;
  /** Prior scale (normal σ) of seasonality coefficients; larger allows larger seasonal swings. @default 10 */
  seasonality_prior_scale?: number;
  /** Prior scale of holiday coefficients, and the default for extra regressors. @default 10 */
  holidays_prior_scale?: number;
  /** Laplace prior scale τ of the trend changes; larger gives a more flexible trend. @default 0.05 */
  changepoint_prior_scale?: number;
  /** MCMC draws; only 0 (MAP) is supported. @default 0 */
  mcmc_samples?: number;
  /** Width of the uncertainty intervals, in (0, 1). @default 0.8 */
  interval_width?: number;
  /** Simulated draws for the intervals; 0 switches intervals off. @default 1000 */
  uncertainty_samples?: number;
  /** How y is scaled: 'absmax' (y / max|y|) or 'minmax'. @default 'absmax' */
  scaling?: Scaling;
  /** Mode of the holiday effects. @default seasonality_mode */
  holidays_mode?: Mode | null;
  /**
   * Seed of the uncertainty simulation; every `predict` restarts from it, so a forecast is reproducible.
   * Porting note: not a Prophet option (Prophet uses numpy's global RNG). @default 0
   */
  seed?: number;
}

/** `add_seasonality` arguments. */
export interface SeasonalitySpec {
  name: string;
  /** Period in days. */
  period: number;
  fourier_order: number;
  /** @default seasonality_prior_scale */
  prior_scale?: number;
  /** @default seasonality_mode */
  mode?: Mode;
  /** Boolean column that turns the seasonality on per row. @default null */
  condition_name?: string | null;
}

/** `add_regressor` options. */
export interface RegressorSpec {
  /** @default holidays_prior_scale */
  prior_scale?: number;
  /** 'auto' standardizes unless the column is binary {0, 1}. @default 'auto' */
  standardize?: 'auto' | boolean;
  /** @default seasonality_mode */
  mode?: Mode;
}
