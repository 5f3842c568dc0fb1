/**
 * The `Prophet` model: Prophet's settings and fitted state under Prophet's own names; `fit` = `preprocess`
 * (prepare history → scales → seasonalities → features → changepoints) → initial params → optimize, as in
 * `forecaster.py`; and a `predict` that returns every component.
 */
import { DataError, InvalidParameterError, ModelStateError } from '../../errors.js';
import { changepointGrid, changepointsT, checkChangepointsInHistory } from './changepoints.js';
import { makeAllSeasonalityFeatures, type AllFeatures, type FeatureContext } from './features.js';
import { makeFutureDates } from './future.js';
import { calculateInitialParams } from './init.js';
import { extent } from './numeric.js';
import { optimize, type FitOptions } from './optimize.js';
import { assembleForecast, predictSeasonalComponents, predictTrend, type Forecast, type Intervals } from './predict.js';
import { applyScales, checkAndSort, initializeScales, splitHistory, standardizeRegressors, type SetupContext } from './prepare.js';
import { Random } from './random.js';
import { setAutoSeasonalities } from './seasonality.js';
import type {
  ComponentColumns, ComponentModes, DataFrame, ExtraRegressor, FitInfo, Growth, HolidaysTable, Mode, ModelInputData,
  ModelParams, PreparedFrame, Scaling, Seasonality, SeasonalityArg,
} from './types.js';
import { predictUncertainty, samplePosteriorPredictive, type Draws, type SimulationContext } from './uncertainty.js';
import { checkMode, validateColumnName, validateInputs, type TakenNames } from './validate.js';
import type { ProphetOptions, RegressorSpec, SeasonalitySpec } from './options.js';

export type { ProphetOptions, RegressorSpec, SeasonalitySpec } from './options.js';

export class Prophet {
  growth: Growth;
  /** Changepoint dates (epoch ms): the user's, or those chosen at fit time. */
  changepoints: Float64Array | null;
  /** Row numbers of the changepoints in the history (the index of Prophet's `changepoints` Series). */
  changepoints_index: number[] | null;
  n_changepoints: number;
  specified_changepoints: boolean;
  changepoint_range: number;
  yearly_seasonality: SeasonalityArg;
  weekly_seasonality: SeasonalityArg;
  daily_seasonality: SeasonalityArg;
  holidays: HolidaysTable | null;
  seasonality_mode: Mode;
  holidays_mode: Mode;
  seasonality_prior_scale: number;
  holidays_prior_scale: number;
  changepoint_prior_scale: number;
  mcmc_samples: number;
  interval_width: number;
  uncertainty_samples: number;
  scaling: Scaling;
  seed: number;

  // Set during fitting (or by model_from_json).
  start: number | null = null;
  y_min: number | null = null;
  y_scale: number | null = null;
  logistic_floor = false;
  /** Span of the history in ms. */
  t_scale: number | null = null;
  changepoints_t: Float64Array | null = null;
  seasonalities = new Map<string, Seasonality>();
  extra_regressors = new Map<string, ExtraRegressor>();
  params: ModelParams | null = null;
  /** The prepared (sorted, scaled) non-NaN history. */
  history: PreparedFrame | null = null;
  /** Sorted unique dates of the whole training frame, NaN-y rows included. */
  history_dates: Float64Array | null = null;
  train_component_cols: ComponentColumns | null = null;
  component_modes: ComponentModes | null = null;
  train_holiday_names: string[] | null = null;
  /** The keyword arguments `fit` was called with (reused by cross-validation). */
  fit_kwargs: FitOptions = {};
  /** How the optimizer finished. */
  fit_info: FitInfo | null = null;

  constructor(options: ProphetOptions = {}) {
    this.growth = options.growth ?? 'linear';
    if (options.changepoints !== undefined && options.changepoints !== null) {
      this.changepoints = Float64Array.from(options.changepoints);
      this.changepoints_index = Array.from(this.changepoints, (_, i) => i);
      this.n_changepoints = this.changepoints.length;
      this.specified_changepoints = true;
    } else {
      this.changepoints = null;
      this.changepoints_index = null;
      this.n_changepoints = options.n_changepoints ?? 25;
      this.specified_changepoints = false;
    }
    this.changepoint_range = options.changepoint_range ?? 0.8;
    this.yearly_seasonality = options.yearly_seasonality ?? 'auto';
    this.weekly_seasonality = options.weekly_seasonality ?? 'auto';
    this.daily_seasonality = options.daily_seasonality ?? 'auto';
    this.holidays = options.holidays ?? null;
    this.seasonality_mode = options.seasonality_mode ?? 'additive';
    this.holidays_mode = options.holidays_mode ?? this.seasonality_mode;
    this.seasonality_prior_scale = options.seasonality_prior_scale ?? 10.0;
    this.changepoint_prior_scale = options.changepoint_prior_scale ?? 0.05;
    this.holidays_prior_scale = options.holidays_prior_scale ?? 10.0;
    this.mcmc_samples = options.mcmc_samples ?? 0;
    this.interval_width = options.interval_width ?? 0.8;
    this.uncertainty_samples = options.uncertainty_samples ?? 1000;
    this.scaling = options.scaling ?? 'absmax';
    this.seed = options.seed ?? 0;
    validateInputs(this);
    if (this.mcmc_samples > 0) {
      // Porting note: full Bayesian sampling needs Stan's NUTS, which is not ported.
      throw new InvalidParameterError([{ path: 'mcmc_samples', message: `mcmc_samples must be 0 (MAP fitting); got ${this.mcmc_samples}.` }]);
    }
  }

  /** Adds a seasonal component (`add_seasonality`); must come before `fit`. */
  addSeasonality(spec: SeasonalitySpec): this {
    if (this.history) throw new ModelStateError('Seasonality must be added prior to model fitting.');
    if (!['daily', 'weekly', 'yearly'].includes(spec.name)) {
      validateColumnName(spec.name, this.takenNames(), { checkSeasonalities: false });
    }
    const ps = spec.prior_scale ?? this.seasonality_prior_scale;
    if (!(ps > 0)) throw new InvalidParameterError([{ path: 'prior_scale', message: 'Prior scale must be > 0' }]);
    if (!(spec.fourier_order > 0)) throw new InvalidParameterError([{ path: 'fourier_order', message: 'Fourier Order must be > 0' }]);
    const mode = checkMode(spec.mode ?? this.seasonality_mode, 'mode must be "additive" or "multiplicative"');
    const condition_name = spec.condition_name ?? null;
    if (condition_name !== null) validateColumnName(condition_name, this.takenNames());
    this.seasonalities.set(spec.name, { period: spec.period, fourier_order: spec.fourier_order, prior_scale: ps, mode, condition_name });
    return this;
  }

  /** Adds an extra regressor column (`add_regressor`); must come before `fit`; future frames need it too. */
  addRegressor(name: string, spec: RegressorSpec = {}): this {
    if (this.history) throw new ModelStateError('Regressors must be added prior to model fitting.');
    validateColumnName(name, this.takenNames(), { checkRegressors: false });
    const prior_scale = spec.prior_scale ?? this.holidays_prior_scale;
    const mode = spec.mode ?? this.seasonality_mode;
    if (!(prior_scale > 0)) throw new InvalidParameterError([{ path: 'prior_scale', message: 'Prior scale must be > 0' }]);
    checkMode(mode, "mode must be 'additive' or 'multiplicative'");
    this.extra_regressors.set(name, { prior_scale, standardize: spec.standardize ?? 'auto', mu: 0, std: 1, mode });
    return this;
  }

  /** Fits the model to `df` (columns `ds`, `y`, and `cap`/`floor`/regressors/conditions as needed). */
  fit(df: DataFrame, options: FitOptions = {}): this {
    if (this.history) throw new ModelStateError('Prophet object can only be fit once. Instantiate a new object.');
    const inputs = this.preprocess(df);
    const initial = this.calculateInitialParams(inputs.K);
    this.fit_kwargs = { ...options };
    this.optimize(inputs, initial, options);
    return this;
  }

  /**
   * Prophet's `preprocess`: prepares and scales the history, settles the seasonalities, builds the features
   * and places the changepoints; returns the data block of `prophet.stan`.
   */
  preprocess(df: DataFrame): ModelInputData {
    const sorted = this.prepareHistory(df);
    this.setScales(sorted);
    this.setAutoSeasonalities();
    const features = this.makeSeasonalityFeatures(this.history!);
    this.setChangepoints();
    return this.modelInputs(features);
  }

  /** Prophet's `calculate_initial_params`: the optimizer's start (trend through the end points, δ = β = 0, σ = 1). */
  calculateInitialParams(K: number): ModelParams {
    return calculateInitialParams(this.growth, this.history!, this.changepoints_t!.length, K);
  }

  /** The forecast for `df` (dates, plus cap/floor/regressors/conditions as in training), or for the history. */
  predict(df?: DataFrame): Forecast {
    this.requireFitted();
    if (df !== undefined && df.ds.length === 0) throw new DataError('Dataframe has no rows.');
    const frame = df === undefined ? this.history! : this.setupDataframe(df);
    const trend = predictTrend(frame, this.growth, this.params!, this.changepoints_t!, this.y_scale!);
    const all = this.makeSeasonalityFeatures(frame);
    const components = predictSeasonalComponents(all.features, all.component_cols, this.component_modes!, this.params!.beta, this.y_scale!);
    const intervals = this.uncertainty_samples ? this.predictUncertainty(frame, all) : null;
    return assembleForecast(frame, trend, components, intervals, this.logistic_floor);
  }

  /** Draws from the posterior predictive (`predictive_samples`): `yhat` and `trend`, row-major (row i, draw s at i·n + s). */
  predictiveSamples(df: DataFrame): Draws {
    this.requireFitted();
    const frame = this.setupDataframe(df);
    return this.sampleDraws(frame, this.makeSeasonalityFeatures(frame));
  }

  /** Dates to forecast on: `periods` steps of `freq` after the history (and the history dates, by default). */
  makeFutureDataframe(periods: number, options: { freq?: string | null; include_history?: boolean } = {}): { ds: Float64Array } {
    if (!this.history_dates) throw new ModelStateError('Model has not been fit.');
    return { ds: makeFutureDates(this.history_dates, periods, options.freq === undefined ? 'D' : options.freq, options.include_history ?? true) };
  }

  /** `setup_dataframe` at prediction time: checks, sorting and the fitted scales. */
  setupDataframe(df: DataFrame): PreparedFrame {
    this.requireFitted();
    return applyScales(checkAndSort(df, this.setupContext()), this.scales(), this.setupContext());
  }

  // ---- fit steps -----------------------------------------------------------------------------------

  /** The non-NaN rows, checked and sorted; records the history dates. */
  private prepareHistory(df: DataFrame) {
    const { history, history_dates } = splitHistory(df);
    this.history_dates = history_dates;
    return checkAndSort(history, this.setupContext());
  }

  /** y and t scales and regressor standardization from the history, then the scaled history. */
  private setScales(sorted: ReturnType<typeof checkAndSort>): void {
    const scales = initializeScales(sorted, this.growth, this.scaling);
    // Porting note: Prophet divides by a zero t_scale here and Stan later fails on the NaNs.
    if (scales.t_scale === 0) throw new DataError('The history spans a single date; Prophet needs at least two distinct dates in ds.');
    Object.assign(this, scales);
    this.extra_regressors = standardizeRegressors(sorted, this.extra_regressors);
    this.history = applyScales(sorted, scales, this.setupContext());
  }

  /** Yearly/weekly/daily, where 'auto' (or the user) switches them on. */
  private setAutoSeasonalities(): void {
    setAutoSeasonalities(this.history!.ds, this, this.seasonalities);
  }

  /** The feature matrix for a prepared frame; at fit time also records the components and holiday names. */
  private makeSeasonalityFeatures(frame: PreparedFrame): AllFeatures {
    const all = makeAllSeasonalityFeatures(frame, this.featureContext());
    if (this.train_component_cols === null) {
      this.train_component_cols = all.component_cols;
      this.component_modes = all.modes;
      this.train_holiday_names = all.train_holiday_names;
    }
    return all;
  }

  /** `set_changepoints`: the user's dates (checked) or the automatic grid, and their scaled times. */
  private setChangepoints(): void {
    const ds = this.history!.ds;
    if (this.changepoints !== null) {
      checkChangepointsInHistory(this.changepoints, ds);
    } else {
      const grid = changepointGrid(ds, this.n_changepoints, this.changepoint_range);
      this.n_changepoints = grid.n_changepoints;
      this.changepoints = grid.changepoints;
      this.changepoints_index = grid.index;
    }
    this.changepoints_t = changepointsT(this.changepoints, this.start!, this.t_scale!);
  }

  /** The data block of `prophet.stan`. */
  private modelInputs(all: AllFeatures): ModelInputData {
    const h = this.history!;
    const { features, prior_scales, component_cols } = all;
    return {
      T: h.ds.length,
      S: this.changepoints_t!.length,
      K: features.K,
      tau: this.changepoint_prior_scale,
      trend_indicator: this.growth === 'linear' ? 0 : this.growth === 'logistic' ? 1 : 2,
      y: h.y_scaled!,
      t: h.t,
      cap: this.growth === 'logistic' ? h.cap_scaled! : new Float64Array(h.ds.length),
      t_change: this.changepoints_t!,
      X: features.X,
      sigmas: Float64Array.from(prior_scales),
      s_a: component_cols.get('additive_terms')!,
      s_m: component_cols.get('multiplicative_terms')!,
    };
  }

  /** MAP fit; a constant history with linear or flat growth is not optimized (σ_obs = 1e-9), as in Prophet. */
  private optimize(data: ModelInputData, initial: ModelParams, options: FitOptions): void {
    const [lo, hi] = extent(this.history!.y!);
    if (lo === hi && (this.growth === 'linear' || this.growth === 'flat')) {
      this.params = { ...initial, sigma_obs: 1e-9 };
      this.fit_info = { algorithm: 'none', lp: NaN, returnCode: 0, iterations: 0, fellBackToNewton: false };
    } else {
      const { params, info } = optimize(data, initial, options);
      this.params = params;
      this.fit_info = info;
    }
    if (this.changepoints!.length === 0) {
      // The dummy changepoint's δ acts as extra slope: fold it into k.
      this.params = { ...this.params, k: this.params.k + this.params.delta[0]!, delta: new Float64Array(this.params.delta.length) };
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------------

  private sampleDraws(frame: PreparedFrame, all: AllFeatures): Draws {
    const s_a = all.component_cols.get('additive_terms')!;
    const s_m = all.component_cols.get('multiplicative_terms')!;
    return samplePosteriorPredictive(frame, all.features, s_a, s_m, this.simulationContext(), this.samplesPerIteration(), new Random(this.seed));
  }

  /** `predict_uncertainty`: interval columns from the simulation (restarted from the seed on every call). */
  private predictUncertainty(frame: PreparedFrame, all: AllFeatures): Intervals {
    const s_a = all.component_cols.get('additive_terms')!;
    const s_m = all.component_cols.get('multiplicative_terms')!;
    return predictUncertainty(frame, all.features, s_a, s_m, this.simulationContext(), this.samplesPerIteration(), this.interval_width, new Random(this.seed));
  }

  private simulationContext(): SimulationContext {
    return { growth: this.growth, params: this.params!, changepoints_t: this.changepoints_t!, y_scale: this.y_scale!, history_t: this.history!.t };
  }

  /** Prophet's `samp_per_iter` with one (MAP) parameter draw. */
  private samplesPerIteration(): number {
    return Math.max(1, Math.ceil(this.uncertainty_samples));
  }

  private requireFitted(): void {
    if (!this.history || !this.params) throw new ModelStateError('Model has not been fit.');
  }

  private setupContext(): SetupContext {
    return { growth: this.growth, scaling: this.scaling, extra_regressors: this.extra_regressors, seasonalities: this.seasonalities };
  }

  private scales() {
    return { y_min: this.y_min!, y_scale: this.y_scale!, logistic_floor: this.logistic_floor, start: this.start!, t_scale: this.t_scale! };
  }

  private featureContext(): FeatureContext {
    return {
      seasonalities: this.seasonalities,
      extra_regressors: this.extra_regressors,
      holidays: this.holidays,
      holidays_prior_scale: this.holidays_prior_scale,
      holidays_mode: this.holidays_mode,
      train_holiday_names: this.train_holiday_names,
      train_component_cols: this.train_component_cols,
    };
  }

  private takenNames(): TakenNames {
    return {
      holidays: new Set(this.holidays?.holiday ?? []),
      seasonalities: new Set(this.seasonalities.keys()),
      regressors: new Set(this.extra_regressors.keys()),
    };
  }
}
