/**
 * The full feature matrix X and its bookkeeping (`make_all_seasonality_features`, `regressor_column_matrix`):
 * seasonalities, then holidays, then extra regressors; each column's prior scale; which columns make up
 * each component (including the groups `holidays`, `additive_terms`, `extra_regressors_*`); modes.
 */
import { ModelStateError } from '../../errors.js';
import { constructHolidayRows, makeHolidayFeatures } from './holidays.js';
import { fourierSeries, seasonalityColumnNames } from './seasonality.js';
import type {
  ComponentColumns, ComponentModes, ExtraRegressor, HolidaysTable, Mode, PreparedFrame, SeasonalFeatures, Seasonality,
} from './types.js';

/** The model state the features depend on. */
export interface FeatureContext {
  seasonalities: ReadonlyMap<string, Seasonality>;
  extra_regressors: ReadonlyMap<string, ExtraRegressor>;
  holidays: HolidaysTable | null;
  holidays_prior_scale: number;
  holidays_mode: Mode;
  /** Holiday names seen in training; null before the first call (fit), which sets it. */
  train_holiday_names: readonly string[] | null;
  /** The training component matrix, checked against at prediction time; null at fit time. */
  train_component_cols: ComponentColumns | null;
}

/** Everything `make_all_seasonality_features` returns, plus the holiday names seen (set at fit time). */
export interface AllFeatures {
  features: SeasonalFeatures;
  prior_scales: number[];
  component_cols: ComponentColumns;
  modes: ComponentModes;
  /** Holiday names in this frame's holiday table, or null when there are no holidays. */
  train_holiday_names: string[] | null;
}

/** `make_all_seasonality_features` for a prepared frame. */
export function makeAllSeasonalityFeatures(frame: PreparedFrame, ctx: FeatureContext): AllFeatures {
  const names: string[] = [];
  const columns: Float64Array[] = [];
  const prior_scales: number[] = [];
  const modes: ComponentModes = { additive: [], multiplicative: [] };

  for (const [name, props] of ctx.seasonalities) {
    const features = fourierSeries(frame.ds, props.period, props.fourier_order);
    if (props.condition_name !== null) {
      const condition = frame.extra[props.condition_name]!;
      for (const column of features) for (let i = 0; i < column.length; i++) if (!condition[i]) column[i] = 0;
    }
    names.push(...seasonalityColumnNames(name, props.fourier_order));
    columns.push(...features);
    prior_scales.push(...features.map(() => props.prior_scale));
    modes[props.mode].push(name);
  }

  let train_holiday_names = ctx.train_holiday_names ? [...ctx.train_holiday_names] : null;
  const holidayRows = constructHolidayRows(ctx.holidays, ctx.train_holiday_names);
  if (holidayRows.length > 0) {
    const holidays = makeHolidayFeatures(frame.ds, holidayRows, ctx.holidays_prior_scale);
    names.push(...holidays.names);
    columns.push(...holidays.columns);
    prior_scales.push(...holidays.prior_scales);
    modes[ctx.holidays_mode].push(...holidays.holiday_names);
    train_holiday_names ??= holidays.holiday_names;
  }

  for (const [name, props] of ctx.extra_regressors) {
    names.push(name);
    columns.push(frame.extra[name]!);
    prior_scales.push(props.prior_scale);
    modes[props.mode].push(name);
  }

  // A placeholder column keeps X non-empty (Stan needs K ≥ 1).
  if (columns.length === 0) {
    names.push('zeros');
    columns.push(new Float64Array(frame.ds.length));
    prior_scales.push(1);
  }

  const features = toRowMajor(names, columns, frame.ds.length);
  const component_cols = regressorColumnMatrix(names, modes, ctx, train_holiday_names);
  return { features, prior_scales, component_cols, modes, train_holiday_names };
}

function toRowMajor(names: string[], columns: Float64Array[], N: number): SeasonalFeatures {
  const K = columns.length;
  const X = new Float64Array(N * K);
  for (let j = 0; j < K; j++) {
    const column = columns[j]!;
    for (let i = 0; i < N; i++) X[i * K + j] = column[i]!;
  }
  return { names, X, N, K };
}

/**
 * `regressor_column_matrix`: which columns belong to which component, as ordered by pandas' crosstab
 * (component names sorted), with `additive_terms`/`multiplicative_terms` appended when empty and the
 * placeholder `zeros` dropped. Adds the group components to `modes`.
 */
export function regressorColumnMatrix(
  names: readonly string[],
  modes: ComponentModes,
  ctx: Pick<FeatureContext, 'extra_regressors' | 'holidays_mode' | 'train_component_cols'>,
  train_holiday_names: readonly string[] | null,
): ComponentColumns {
  const K = names.length;
  const members = new Map<string, Set<number>>();
  const add = (component: string, col: number): void => {
    let set = members.get(component);
    if (!set) members.set(component, (set = new Set()));
    set.add(col);
  };
  names.forEach((name, col) => add(name.split('_delim_')[0]!, col));
  const addGroup = (name: string, group: readonly string[]): void => {
    const cols = new Set<number>();
    for (const member of new Set(group)) for (const col of members.get(member) ?? []) cols.add(col);
    for (const col of cols) add(name, col);
  };
  if (train_holiday_names !== null) addGroup('holidays', train_holiday_names);
  for (const mode of ['additive', 'multiplicative'] as const) {
    addGroup(`${mode}_terms`, modes[mode]);
    const regressors = [...ctx.extra_regressors].filter(([, props]) => props.mode === mode).map(([name]) => name);
    addGroup(`extra_regressors_${mode}`, regressors);
    modes[mode].push(`${mode}_terms`, `extra_regressors_${mode}`);
  }
  modes[ctx.holidays_mode].push('holidays');

  const order = [...members.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of ['additive_terms', 'multiplicative_terms']) if (!members.has(name)) order.push(name);
  const component_cols: ComponentColumns = new Map();
  for (const name of order) {
    if (name === 'zeros') continue;
    const indicator = new Float64Array(K);
    for (const col of members.get(name) ?? []) indicator[col] = 1;
    component_cols.set(name, indicator);
  }
  const additive = component_cols.get('additive_terms')!;
  const multiplicative = component_cols.get('multiplicative_terms')!;
  if (additive.some((v, i) => v + multiplicative[i]! > 1)) throw new ModelStateError('A bug occurred in seasonal components.');
  if (ctx.train_component_cols) return matchTraining(component_cols, ctx.train_component_cols);
  return component_cols;
}

/** At prediction time the components must be those of training, in training's order. */
function matchTraining(component_cols: ComponentColumns, train: ComponentColumns): ComponentColumns {
  const out: ComponentColumns = new Map();
  for (const [name, trained] of train) {
    const current = component_cols.get(name);
    if (!current || current.length !== trained.length || current.some((v, i) => v !== trained[i])) {
      throw new ModelStateError('A bug occurred in constructing regressors.');
    }
    out.set(name, current);
  }
  return out;
}
