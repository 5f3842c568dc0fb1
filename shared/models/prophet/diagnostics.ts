/**
 * Prophet's time-series cross-validation (`diagnostics.py`: `generate_cutoffs`, `cross_validation`,
 * `single_cutoff_forecast`, `prophet_copy`): refit on the history up to each cutoff and forecast the
 * following `horizon`.
 */
import { DataError, InvalidParameterError, ModelStateError } from '../../errors.js';
import { DAY_MS, parseTimedelta } from './dates.js';
import { Prophet } from './prophet.js';
import type { DataFrame } from './types.js';

export interface CrossValidationOptions {
  /** Forecast horizon, a pandas Timedelta string ("365 days") or ms. */
  horizon: string | number;
  /** Spacing of the cutoffs. @default horizon / 2 */
  period?: string | number;
  /** Length of the first training window. @default max(3 × horizon, longest seasonality period) */
  initial?: string | number;
  /** Explicit cutoff dates (epoch ms) instead of generated ones. */
  cutoffs?: ArrayLike<number>;
  /** More forecast columns to return besides ds, yhat and the interval. */
  extra_output_columns?: string | string[];
}

/** Cross-validation forecasts: `ds`, `yhat`, [`yhat_lower`, `yhat_upper`], extra columns, `y`, `cutoff` (epoch ms). */
export interface CrossValidationResult {
  ds: Float64Array;
  yhat: Float64Array;
  y: Float64Array;
  cutoff: Float64Array;
  [column: string]: Float64Array;
}

/** `generate_cutoffs`: from max(ds) − horizon back by `period` while the training window stays ≥ `initial`. */
export function generateCutoffs(ds: Float64Array, horizon: number, initial: number, period: number): number[] {
  const min = ds[0]!;
  const max = ds[ds.length - 1]!;
  let cutoff = max - horizon;
  if (cutoff < min) throw new InvalidParameterError([{ path: 'horizon', message: 'Less data than horizon.' }]);
  const result = [cutoff];
  while (result[result.length - 1]! >= min + initial) {
    cutoff -= period;
    const c = cutoff;
    if (!ds.some((d) => d > c && d <= c + horizon)) {
      // No data in (cutoff, cutoff + horizon]: restart from the last date before the cutoff.
      if (cutoff > min) {
        const closest = Math.max(...Array.from(ds).filter((d) => d <= c));
        cutoff = closest - horizon;
      }
    }
    result.push(cutoff);
  }
  result.pop();
  if (result.length === 0) {
    throw new InvalidParameterError([{ path: 'initial', message: 'Less data than horizon after initial window. Make horizon or initial shorter.' }]);
  }
  return result.reverse();
}

/**
 * `cross_validation`: forecasts from each cutoff with a copy of `model` refitted on the history up to it
 * (with the same fit options).
 *
 * Porting note: the cutoffs run one after another; Prophet's `parallel` (processes, threads, dask) is not ported.
 */
export function crossValidation(model: Prophet, options: CrossValidationOptions): CrossValidationResult {
  if (!model.history || !model.params) {
    throw new ModelStateError('Model has not been fit. Fitting the model provides contextual parameters for cross validation.');
  }
  const history = model.history;
  const ds = history.ds;
  const horizon = parseTimedelta(options.horizon, 'horizon');
  const predict_columns = ['ds', 'yhat'];
  if (model.uncertainty_samples) predict_columns.push('yhat_lower', 'yhat_upper');
  const extra = options.extra_output_columns;
  for (const c of typeof extra === 'string' ? [extra] : extra ?? []) if (!predict_columns.includes(c)) predict_columns.push(c);

  const period_max = Math.max(0, ...[...model.seasonalities.values()].map((s) => s.period));
  const seasonality_dt = period_max * DAY_MS;
  let cutoffs: number[];
  if (options.cutoffs === undefined) {
    const period = options.period === undefined ? 0.5 * horizon : parseTimedelta(options.period, 'period');
    const initial = options.initial === undefined ? Math.max(3 * horizon, seasonality_dt) : parseTimedelta(options.initial, 'initial');
    cutoffs = generateCutoffs(ds, horizon, initial, period);
  } else {
    cutoffs = Array.from(options.cutoffs);
    if (Math.min(...cutoffs) <= ds[0]!) {
      throw new InvalidParameterError([{ path: 'cutoffs', message: 'Minimum cutoff value is not strictly greater than min date in history' }]);
    }
    if (Math.max(...cutoffs) > ds[ds.length - 1]! - horizon) {
      throw new InvalidParameterError([{ path: 'cutoffs', message: 'Maximum cutoff value is greater than end date minus horizon, no value for cross-validation remaining' }]);
    }
  }

  const parts = cutoffs.map((cutoff) => singleCutoffForecast(model, cutoff, horizon, predict_columns));
  const out: Record<string, Float64Array> = {};
  for (const name of [...predict_columns, 'y', 'cutoff']) out[name] = concat(parts.map((p) => p[name]!));
  return out as CrossValidationResult;
}

/** `single_cutoff_forecast`: fit a copy on ds ≤ cutoff, forecast cutoff < ds ≤ cutoff + horizon. */
function singleCutoffForecast(model: Prophet, cutoff: number, horizon: number, predict_columns: string[]): Record<string, Float64Array> {
  const h = model.history!;
  const m = prophetCopy(model, cutoff);
  const train = rows(model, (d) => d <= cutoff);
  if (train.ds.length < 2) throw new DataError('Less than two datapoints before cutoff. Increase initial window.');
  m.fit(train, model.fit_kwargs);
  const future = rows(model, (d) => d > cutoff && d <= cutoff + horizon);
  const forecast = m.predict(future) as Record<string, Float64Array>;
  const out: Record<string, Float64Array> = {};
  for (const name of predict_columns) {
    const column = forecast[name];
    if (!column) throw new InvalidParameterError([{ path: 'extra_output_columns', message: `Forecast has no column "${name}".` }]);
    out[name] = column;
  }
  out['y'] = h.y!.filter((_, i) => h.ds[i]! > cutoff && h.ds[i]! <= cutoff + horizon);
  out['cutoff'] = new Float64Array(forecast['ds']!.length).fill(cutoff);
  return out;
}

/** The model's history rows whose ds passes `keep`, as a frame to fit or predict on (as Prophet reuses `history`). */
function rows(model: Prophet, keep: (ds: number) => boolean): DataFrame {
  const h = model.history!;
  const idx: number[] = [];
  h.ds.forEach((d, i) => keep(d) && idx.push(i));
  const pick = (column: Float64Array): Float64Array => Float64Array.from(idx, (i) => column[i]!);
  // Prophet's history keeps its floor column, so a logistic copy always sees a floor.
  const frame: DataFrame = { ds: pick(h.ds), y: pick(h.y!), floor: pick(h.floor) };
  if (h.cap) frame.cap = pick(h.cap);
  for (const [name, column] of Object.entries(h.extra)) frame[name] = pick(column);
  return frame;
}

/**
 * `prophet_copy`: a new, unfitted model with the same settings, the fitted seasonalities (built-in ones
 * switched off so they are not re-detected) and regressors, and user changepoints before the cutoff.
 * As in Prophet, `scaling` is not copied, so the copies use absmax.
 */
export function prophetCopy(m: Prophet, cutoff?: number): Prophet {
  if (!m.history) throw new ModelStateError('This is for copying a fitted Prophet object.');
  let changepoints: Float64Array | null = null;
  if (m.specified_changepoints) {
    changepoints = m.changepoints;
    if (cutoff !== undefined && changepoints) {
      const last_history_date = Math.max(...Array.from(m.history.ds).filter((d) => d <= cutoff));
      changepoints = changepoints.filter((c) => c < last_history_date);
    }
  }
  const m2 = new Prophet({
    growth: m.growth,
    n_changepoints: m.n_changepoints,
    changepoint_range: m.changepoint_range,
    changepoints,
    yearly_seasonality: false,
    weekly_seasonality: false,
    daily_seasonality: false,
    holidays: m.holidays,
    holidays_mode: m.holidays_mode,
    seasonality_mode: m.seasonality_mode,
    seasonality_prior_scale: m.seasonality_prior_scale,
    changepoint_prior_scale: m.changepoint_prior_scale,
    holidays_prior_scale: m.holidays_prior_scale,
    mcmc_samples: m.mcmc_samples,
    interval_width: m.interval_width,
    uncertainty_samples: m.uncertainty_samples,
    seed: m.seed,
  });
  m2.extra_regressors = new Map([...m.extra_regressors].map(([name, props]) => [name, { ...props }]));
  m2.seasonalities = new Map([...m.seasonalities].map(([name, props]) => [name, { ...props }]));
  return m2;
}

function concat(parts: Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
