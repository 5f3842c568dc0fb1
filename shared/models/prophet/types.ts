/**
 * The named shapes that cross module boundaries in the Prophet port, with Prophet's own field names
 * (`k`, `m`, `delta`, `beta`, `sigma_obs`, `ds`, `y`, …) so the port can be read beside `forecaster.py`,
 * `models.py` and `prophet.stan`.
 */

export type Growth = 'linear' | 'logistic' | 'flat';
export type Mode = 'additive' | 'multiplicative';
export type Scaling = 'absmax' | 'minmax';
/** A built-in seasonality switch: `'auto'`, on (`true`, default order), off (`false`), or a Fourier order. */
export type SeasonalityArg = 'auto' | boolean | number;

/**
 * A table of columns, like the pandas DataFrame Prophet takes. `ds` holds epoch milliseconds UTC (use
 * `toEpochMsArray` for date strings); `y` the series (NaN rows are skipped in fitting); logistic growth needs
 * `cap` and may have `floor`; every extra regressor and seasonality condition is a column of its own.
 */
export interface DataFrame {
  ds: ArrayLike<number>;
  y?: ArrayLike<number>;
  cap?: ArrayLike<number>;
  floor?: ArrayLike<number>;
  [column: string]: ArrayLike<number> | ArrayLike<boolean> | undefined;
}

/** A user-supplied holidays table (Prophet's `holidays` DataFrame), one row per occurrence. */
export interface HolidaysTable {
  /** Holiday name per row. */
  holiday: readonly string[];
  /** Date per row, epoch milliseconds UTC (the time of day is ignored). */
  ds: ArrayLike<number>;
  /** Days before the date that also get the effect (≤ 0), per row; give both windows or neither. */
  lower_window?: ArrayLike<number>;
  /** Days after the date that also get the effect (≥ 0), per row. */
  upper_window?: ArrayLike<number>;
  /** Prior scale per row (NaN falls back to `holidays_prior_scale`); one value per holiday name. */
  prior_scale?: ArrayLike<number>;
}

/** One seasonality, exactly as Prophet stores it in `seasonalities`. */
export interface Seasonality {
  /** Period in days. */
  period: number;
  fourier_order: number;
  prior_scale: number;
  mode: Mode;
  /** Boolean column that switches the seasonality on per row, or null. */
  condition_name: string | null;
}

/** One extra regressor, exactly as Prophet stores it in `extra_regressors`. */
export interface ExtraRegressor {
  prior_scale: number;
  standardize: 'auto' | boolean;
  /** Mean subtracted before fitting (0 when not standardized). */
  mu: number;
  /** Divisor after centring (1 when not standardized). */
  std: number;
  mode: Mode;
}

/**
 * A frame after `setup_dataframe`: sorted by `ds`, with scaled time `t`, `floor`, and, when present,
 * `y_scaled` and `cap_scaled`. `extra` holds the standardized regressors and the conditions (as 0/1).
 */
export interface PreparedFrame {
  ds: Float64Array;
  t: Float64Array;
  floor: Float64Array;
  y?: Float64Array;
  y_scaled?: Float64Array;
  cap?: Float64Array;
  cap_scaled?: Float64Array;
  extra: Record<string, Float64Array>;
}

/** The feature matrix of seasonalities, holidays and regressors (`seasonal_features`). */
export interface SeasonalFeatures {
  /** Column names (`yearly_delim_1`, `xmas_delim_+0`, regressor names, or `zeros`). */
  names: string[];
  /** Row-major values, shape (N, K). */
  X: Float64Array;
  N: number;
  K: number;
}

/** Which feature columns make up each component (`component_cols`): name → 0/1 indicator of length K, in order. */
export type ComponentColumns = Map<string, Float64Array>;

/** Component names by mode (`component_modes`), including the group components. */
export interface ComponentModes {
  additive: string[];
  multiplicative: string[];
}

/** The data block of `prophet.stan` (`ModelInputData` in `models.py`). */
export interface ModelInputData {
  T: number;
  S: number;
  K: number;
  tau: number;
  /** 0 linear, 1 logistic, 2 flat. */
  trend_indicator: 0 | 1 | 2;
  /** Scaled y, length T. */
  y: Float64Array;
  /** Scaled time, length T, sorted. */
  t: Float64Array;
  /** Scaled capacity (zeros unless logistic), length T. */
  cap: Float64Array;
  /** Changepoint times, length S, sorted. */
  t_change: Float64Array;
  /** Features, row-major (T, K). */
  X: Float64Array;
  /** Prior scale per feature, length K. */
  sigmas: Float64Array;
  /** Additive indicator per feature, length K. */
  s_a: Float64Array;
  /** Multiplicative indicator per feature, length K. */
  s_m: Float64Array;
}

/** The parameters block of `prophet.stan`: one MAP estimate. */
export interface ModelParams {
  k: number;
  m: number;
  /** Rate changes at the changepoints, length S. */
  delta: Float64Array;
  sigma_obs: number;
  /** Feature coefficients, length K. */
  beta: Float64Array;
}

/** What the optimizer reports besides the parameters. */
export interface FitInfo {
  /** The optimizer that ran; 'none' for a constant history, 'loaded' for a model read from JSON. */
  algorithm: 'LBFGS' | 'Newton' | 'none' | 'loaded';
  /** Stan's log density at the optimum (`lp__`), i.e. minus the objective. */
  lp: number;
  /** Stan's termination code (L-BFGS: 10, 20, 21, 30, 31, 40; Newton: 0). */
  returnCode: number;
  iterations: number;
  /** True when L-BFGS failed and Newton was run instead. */
  fellBackToNewton: boolean;
}
