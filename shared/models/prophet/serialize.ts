/**
 * Prophet's own saved-model format (`serialize.py`: `model_to_json` / `model_from_json`): simple attributes,
 * pandas Series and DataFrames as JSON strings, timestamps in seconds, OrderedDicts as [keys, dict] and the
 * parameters as (1 × n) lists, so that a model saved here loads in Python Prophet and the reverse.
 *
 * Porting note: the uncertainty `seed` is not part of Prophet's format and is not saved (a loaded model uses
 * seed 0 unless told otherwise); floats are written at full precision, not pandas' 10 decimals.
 */
import { ModelStateError } from '../../errors.js';
import { frameFromTableJson, frameToTableJson, seriesFromSplitJson, seriesToSplitJson, type TableColumn } from './pandas-json.js';
import { Prophet } from './prophet.js';
import { piecewiseLinear, piecewiseLogistic, flatTrend } from './trend.js';
import type { ComponentModes, ExtraRegressor, HolidaysTable, PreparedFrame, Seasonality } from './types.js';
import type { FitOptions } from './optimize.js';

/** The format version written into `__prophet_version` (the Python release whose layout this follows). */
export const PROPHET_FORMAT_VERSION = '1.5.0';

/** CmdStan arguments Python Prophet can pass on when it refits (cross-validation); other fit options stay here. */
const CMDSTAN_FIT_KWARGS = ['algorithm', 'iter', 'sig_figs', 'init', 'seed', 'init_alpha', 'tol_obj', 'tol_rel_obj', 'tol_grad', 'tol_rel_grad', 'tol_param', 'history_size'];

type Json = Record<string, unknown>;

/** `model_to_dict`: a fitted model as the plain object Prophet writes. */
export function modelToDict(model: Prophet): Json {
  if (!model.history || !model.params) {
    throw new ModelStateError('This can only be used to serialize models that have already been fit.');
  }
  const h = model.history;
  const dict: Json = {
    growth: model.growth,
    n_changepoints: model.n_changepoints,
    specified_changepoints: model.specified_changepoints,
    changepoint_range: model.changepoint_range,
    yearly_seasonality: model.yearly_seasonality,
    weekly_seasonality: model.weekly_seasonality,
    daily_seasonality: model.daily_seasonality,
    seasonality_mode: model.seasonality_mode,
    seasonality_prior_scale: model.seasonality_prior_scale,
    changepoint_prior_scale: model.changepoint_prior_scale,
    holidays_prior_scale: model.holidays_prior_scale,
    mcmc_samples: model.mcmc_samples,
    interval_width: model.interval_width,
    uncertainty_samples: model.uncertainty_samples,
    y_scale: model.y_scale,
    y_min: model.y_min,
    scaling: model.scaling,
    logistic_floor: model.logistic_floor,
    country_holidays: null,
    component_modes: model.component_modes,
    holidays_mode: model.holidays_mode,
    changepoints: seriesToSplitJson('ds', model.changepoints_index ?? [], model.changepoints ?? [], true),
    history_dates: seriesToSplitJson('ds', indexOf(model.history_dates!.length), model.history_dates!, true),
    train_holiday_names: model.train_holiday_names
      ? seriesToSplitJson(null, indexOf(model.train_holiday_names.length), model.train_holiday_names, false)
      : null,
    start: model.start! / 1000,
    t_scale: model.t_scale! / 1000,
    holidays: model.holidays ? holidaysToJson(model.holidays) : null,
    history: frameToTableJson(historyColumns(model)),
    train_component_cols: frameToTableJson(
      [...model.train_component_cols!].map(([name, values]) => ({ name, type: 'integer' as const, values })),
    ),
    changepoints_t: Array.from(model.changepoints_t!),
    seasonalities: [[...model.seasonalities.keys()], Object.fromEntries(model.seasonalities)],
    extra_regressors: [
      [...model.extra_regressors.keys()],
      // Prophet 1.5 keeps a regressor's own forecasting model here; we have none.
      Object.fromEntries([...model.extra_regressors].map(([name, props]) => [name, { ...props, predictor_spec: null, predictor: null }])),
    ],
    fit_kwargs: fitKwargsToJson(model.fit_kwargs),
    params: paramsToJson(model, h),
    __prophet_version: PROPHET_FORMAT_VERSION,
  };
  return dict;
}

/** `model_to_json`: the saved model as a JSON string. */
export function modelToJson(model: Prophet): string {
  return JSON.stringify(modelToDict(model));
}

/** `model_from_json`: a model saved by Python Prophet (0.6 and later) or by `modelToJson`, ready to predict. */
export function modelFromJson(json: string): Prophet {
  let parsed: unknown = JSON.parse(json);
  // Prophet's test fixtures hold the model JSON as a JSON string.
  if (typeof parsed === 'string') parsed = JSON.parse(parsed);
  return modelFromDict(parsed as Json);
}

/** `model_from_dict`. */
export function modelFromDict(dict: Json): Prophet {
  if (dict['country_holidays'] !== null && dict['country_holidays'] !== undefined) {
    throw new ModelStateError(`The saved model uses country holidays (${String(dict['country_holidays'])}), which this port does not support.`);
  }
  if (Number(dict['mcmc_samples'] ?? 0) > 0) {
    throw new ModelStateError('The saved model was fitted with MCMC (mcmc_samples > 0); only MAP models can be loaded.');
  }
  const model = new Prophet({ uncertainty_samples: 0 });
  const seasonality_mode = dict['seasonality_mode'] as Prophet['seasonality_mode'];
  Object.assign(model, {
    growth: dict['growth'],
    n_changepoints: dict['n_changepoints'],
    specified_changepoints: dict['specified_changepoints'],
    changepoint_range: dict['changepoint_range'],
    yearly_seasonality: dict['yearly_seasonality'],
    weekly_seasonality: dict['weekly_seasonality'],
    daily_seasonality: dict['daily_seasonality'],
    seasonality_mode,
    seasonality_prior_scale: dict['seasonality_prior_scale'],
    changepoint_prior_scale: dict['changepoint_prior_scale'],
    holidays_prior_scale: dict['holidays_prior_scale'],
    mcmc_samples: 0,
    interval_width: dict['interval_width'],
    uncertainty_samples: Number(dict['uncertainty_samples']),
    y_scale: dict['y_scale'],
    // Models from before Prophet 1.1.5 have neither scaling nor holidays_mode.
    y_min: dict['scaling'] === undefined ? 0 : dict['y_min'],
    scaling: dict['scaling'] ?? 'absmax',
    holidays_mode: dict['holidays_mode'] ?? seasonality_mode,
    logistic_floor: dict['logistic_floor'],
    component_modes: dict['component_modes'] as ComponentModes,
    start: (dict['start'] as number) * 1000,
    t_scale: (dict['t_scale'] as number) * 1000,
    changepoints_t: Float64Array.from(dict['changepoints_t'] as number[]),
    fit_kwargs: (dict['fit_kwargs'] ?? {}) as FitOptions,
  });
  const changepoints = seriesFromSplitJson(dict['changepoints'] as string, true);
  model.changepoints = Float64Array.from(changepoints.data as number[]);
  model.changepoints_index = changepoints.index;
  model.history_dates = Float64Array.from(seriesFromSplitJson(dict['history_dates'] as string, true).data as number[]);
  model.train_holiday_names = dict['train_holiday_names']
    ? (seriesFromSplitJson(dict['train_holiday_names'] as string, false).data as string[]).map(String)
    : null;
  model.holidays = dict['holidays'] ? holidaysFromJson(dict['holidays'] as string) : null;
  model.seasonalities = orderedMap<Seasonality>(dict['seasonalities']);
  model.extra_regressors = new Map(
    [...orderedMap<ExtraRegressor & { predictor_spec?: unknown }>(dict['extra_regressors'])].map(([name, props]) => {
      // Porting note: Prophet 1.5's `regressor_predictor` (a Prophet model per regressor) is not ported.
      if (props.predictor_spec) throw new ModelStateError(`Regressor '${name}' is forecast by its own Prophet model (regressor_predictor), which this port does not support.`);
      return [name, { prior_scale: props.prior_scale, standardize: props.standardize, mu: props.mu, std: props.std, mode: props.mode }];
    }),
  );
  const componentCols = frameFromTableJson(dict['train_component_cols'] as string);
  model.train_component_cols = new Map([...componentCols].map(([name, c]) => [name, Float64Array.from(c.values as Float64Array)]));
  model.history = historyFromJson(dict['history'] as string, model);
  const params = dict['params'] as Record<string, unknown>;
  model.params = paramsFromJson(params);
  // CmdStan's lp__ travels with the parameters (absent when Prophet skipped the optimizer).
  const lp = Array.isArray(params['lp__']) ? Number((params['lp__'] as number[][])[0]?.[0]) : NaN;
  model.fit_info = {
    algorithm: Number.isNaN(lp) ? 'none' : 'loaded', lp, returnCode: NaN, iterations: 0, fellBackToNewton: false,
  };
  return model;
}

// ---- pieces ----------------------------------------------------------------------------------------

/** The fit options Python can reuse, with typed arrays (a warm start's δ and β) as plain lists. */
function fitKwargsToJson(kwargs: FitOptions): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(kwargs)) {
    if (!CMDSTAN_FIT_KWARGS.includes(key)) continue;
    out[key] = key === 'init' && value
      ? Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, typeof v === 'number' ? v : Array.from(v as ArrayLike<number>)]))
      : value;
  }
  return out;
}

function indexOf(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function orderedMap<T>(value: unknown): Map<string, T> {
  const [keys, dict] = value as [string[], Record<string, T>];
  return new Map(keys.map((key) => [key, dict[key]!]));
}

/** The history frame's columns, in Prophet's order: inputs, then floor, cap_scaled, t, y_scaled. */
function historyColumns(model: Prophet): TableColumn[] {
  const h = model.history!;
  const columns: TableColumn[] = [{ name: 'ds', type: 'datetime', values: h.ds }, { name: 'y', type: 'number', values: h.y! }];
  if (h.cap) columns.push({ name: 'cap', type: 'number', values: h.cap });
  if (model.logistic_floor) columns.push({ name: 'floor', type: 'number', values: h.floor });
  const conditions = new Set([...model.seasonalities.values()].map((s) => s.condition_name).filter((n): n is string => n !== null));
  for (const [name, values] of Object.entries(h.extra)) {
    columns.push({ name, type: conditions.has(name) ? 'boolean' : 'number', values });
  }
  if (!model.logistic_floor) columns.push({ name: 'floor', type: 'number', values: h.floor });
  if (h.cap_scaled) columns.push({ name: 'cap_scaled', type: 'number', values: h.cap_scaled });
  columns.push({ name: 't', type: 'number', values: h.t }, { name: 'y_scaled', type: 'number', values: h.y_scaled! });
  return columns;
}

function historyFromJson(json: string, model: Prophet): PreparedFrame {
  const columns = frameFromTableJson(json, ['ds']);
  const get = (name: string): Float64Array | undefined => columns.get(name)?.values as Float64Array | undefined;
  const ds = get('ds');
  const t = get('t');
  if (!ds || !t) throw new ModelStateError('The saved history has no "ds" or "t" column.');
  const extra: Record<string, Float64Array> = {};
  for (const name of model.extra_regressors.keys()) extra[name] = get(name)!;
  for (const s of model.seasonalities.values()) if (s.condition_name !== null) extra[s.condition_name] = get(s.condition_name)!;
  const frame: PreparedFrame = { ds, t, floor: get('floor') ?? new Float64Array(ds.length), extra };
  for (const name of ['y', 'y_scaled', 'cap', 'cap_scaled'] as const) {
    const column = get(name);
    if (column) frame[name] = column;
  }
  return frame;
}

function holidaysToJson(holidays: HolidaysTable): string {
  const columns: TableColumn[] = [
    { name: 'holiday', type: 'string', values: holidays.holiday },
    { name: 'ds', type: 'datetime', values: holidays.ds },
  ];
  if (holidays.lower_window) columns.push({ name: 'lower_window', type: 'integer', values: holidays.lower_window });
  if (holidays.upper_window) columns.push({ name: 'upper_window', type: 'integer', values: holidays.upper_window });
  if (holidays.prior_scale) columns.push({ name: 'prior_scale', type: 'number', values: holidays.prior_scale });
  return frameToTableJson(columns);
}

function holidaysFromJson(json: string): HolidaysTable {
  const columns = frameFromTableJson(json, ['ds']);
  const numeric = (name: string): Float64Array | undefined => columns.get(name)?.values as Float64Array | undefined;
  const table: HolidaysTable = {
    holiday: (columns.get('holiday')?.values ?? []) as string[],
    ds: numeric('ds') ?? new Float64Array(0),
  };
  const lower = numeric('lower_window');
  const upper = numeric('upper_window');
  const prior = numeric('prior_scale');
  if (lower) table.lower_window = lower;
  if (upper) table.upper_window = upper;
  if (prior) table.prior_scale = prior;
  return table;
}

/** Parameters as (1 × n) lists; `lp__` and the scaled history `trend` as CmdStan reports them (absent for a constant history). */
function paramsToJson(model: Prophet, h: PreparedFrame): Json {
  const p = model.params!;
  const out: Json = {};
  const info = model.fit_info;
  if (info && info.algorithm !== 'none') out['lp__'] = [[info.lp]];
  Object.assign(out, {
    k: [[p.k]],
    m: [[p.m]],
    delta: [Array.from(p.delta)],
    sigma_obs: [[p.sigma_obs]],
    beta: [Array.from(p.beta)],
  });
  if (info && info.algorithm !== 'none') {
    const cp = model.changepoints_t!;
    const trend = model.growth === 'linear'
      ? piecewiseLinear(h.t, p.delta, p.k, p.m, cp)
      : model.growth === 'logistic'
        ? piecewiseLogistic(h.t, h.cap_scaled!, p.delta, p.k, p.m, cp)
        : flatTrend(h.t, p.m);
    out['trend'] = [Array.from(trend)];
  }
  return out;
}

function paramsFromJson(params: Record<string, unknown>): Prophet['params'] {
  const rows = (name: string): number[] => {
    const value = params[name];
    if (!Array.isArray(value)) throw new ModelStateError(`The saved parameters have no "${name}".`);
    if (value.length === 0) return [];
    if (!Array.isArray(value[0])) return value as number[];
    if (value.length > 1) throw new ModelStateError('The saved parameters hold several draws (MCMC); only MAP models can be loaded.');
    return value[0] as number[];
  };
  return {
    k: rows('k')[0]!,
    m: rows('m')[0]!,
    delta: Float64Array.from(rows('delta')),
    sigma_obs: rows('sigma_obs')[0]!,
    beta: Float64Array.from(rows('beta')),
  };
}
