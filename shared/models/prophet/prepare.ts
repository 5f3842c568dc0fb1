/**
 * Data preparation (`setup_dataframe`, `initialize_scales`): input checks with Prophet's messages, the stable
 * sort by ds, the y and t scales (absmax / minmax, logistic floor), regressor standardization and the
 * scaled columns `t`, `y_scaled`, `cap_scaled`.
 */
import { DataError } from '../../errors.js';
import { extent, mean, sampleStd } from './numeric.js';
import type { DataFrame, ExtraRegressor, Growth, PreparedFrame, Scaling, Seasonality } from './types.js';
import { pyRepr } from './validate.js';

/** The scales set at fit time and reused for every prediction. */
export interface Scales {
  /** Offset of y (0 for absmax; min y or min floor for minmax). */
  y_min: number;
  y_scale: number;
  /** True when a logistic model was fitted with a `floor` column. */
  logistic_floor: boolean;
  /** First ds of the history, epoch ms. */
  start: number;
  /** Span of the history, ms (Prophet's Timedelta `t_scale`). */
  t_scale: number;
}

/** What `setup_dataframe` needs to know about the model. */
export interface SetupContext {
  growth: Growth;
  scaling: Scaling;
  extra_regressors: ReadonlyMap<string, ExtraRegressor>;
  seasonalities: ReadonlyMap<string, Seasonality>;
}

/** The checked input columns, sorted by ds (stable). */
export interface SortedFrame {
  ds: Float64Array;
  y?: Float64Array;
  cap?: Float64Array;
  floor?: Float64Array;
  /** Regressors (raw) and conditions (0/1), by column name. */
  extra: Record<string, Float64Array>;
}

/** Checks `df` as `setup_dataframe` does and sorts it by ds, keeping the order of equal dates. */
export function checkAndSort(df: DataFrame, ctx: SetupContext): SortedFrame {
  const n = df.ds.length;
  const numeric = (name: string): Float64Array | undefined => {
    const column = df[name];
    if (column === undefined) return undefined;
    if (column.length !== n) throw new DataError(`Column ${pyRepr(name)} has ${column.length} rows but ds has ${n}.`);
    return Float64Array.from(column as ArrayLike<number>, Number);
  };
  const y = numeric('y');
  if (y && y.some((v) => v === Infinity || v === -Infinity)) throw new DataError('Found infinity in column y.');
  const ds = numeric('ds')!;
  if (ds.some((v) => !Number.isFinite(v))) throw new DataError('Found NaN in column ds.');
  const extra: Record<string, Float64Array> = {};
  for (const name of ctx.extra_regressors.keys()) {
    const column = numeric(name);
    if (!column) throw new DataError(`Regressor ${pyRepr(name)} missing from dataframe`);
    if (column.some(Number.isNaN)) throw new DataError(`Found NaN in column ${pyRepr(name)}`);
    // Porting note: Prophet lets ±inf through to Stan, which then fails obscurely; we name the column.
    if (column.some((v) => !Number.isFinite(v))) throw new DataError(`Found infinity in column ${pyRepr(name)}`);
    extra[name] = column;
  }
  for (const props of ctx.seasonalities.values()) {
    const name = props.condition_name;
    if (name === null) continue;
    const column = df[name];
    if (column === undefined) throw new DataError(`Condition ${pyRepr(name)} missing from dataframe`);
    const flags = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = column[i] as unknown;
      if (v === true || v === 1) flags[i] = 1;
      else if (!(v === false || v === 0)) throw new DataError(`Found non-boolean in column ${pyRepr(name)}`);
    }
    extra[name] = flags;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => ds[a]! - ds[b]!);
  const take = (column: Float64Array | undefined): Float64Array | undefined => column && Float64Array.from(order, (i) => column[i]!);
  const sortedExtra: Record<string, Float64Array> = {};
  for (const [name, column] of Object.entries(extra)) sortedExtra[name] = take(column)!;
  return { ds: take(ds)!, y: take(y), cap: take(numeric('cap')), floor: take(numeric('floor')), extra: sortedExtra };
}

/** `initialize_scales`: y and t scales from the (non-NaN) history. */
export function initializeScales(frame: SortedFrame, growth: Growth, scaling: Scaling): Scales {
  const y = frame.y ?? new Float64Array(frame.ds.length);
  let y_min: number;
  let y_scale: number;
  const logistic_floor = growth === 'logistic' && frame.floor !== undefined;
  if (logistic_floor) {
    const floor = frame.floor!;
    if (scaling === 'absmax') {
      const dev = y.map((v, i) => Math.abs(v - floor[i]!));
      [y_min, y_scale] = extent(dev);
    } else {
      y_min = extent(floor)[0];
      const cap = frame.cap;
      if (!cap) throw new DataError('Capacities must be supplied for logistic growth in column "cap"');
      y_scale = extent(cap)[1] - y_min;
    }
  } else if (scaling === 'absmax') {
    y_min = 0;
    y_scale = extent(y.map(Math.abs))[1];
  } else {
    const [lo, hi] = extent(y);
    y_min = lo;
    y_scale = hi - lo;
  }
  if (y_scale === 0) y_scale = 1;
  const [start, end] = extent(frame.ds);
  return { y_min, y_scale, logistic_floor, start, t_scale: end - start };
}

/**
 * The regressor standardization `initialize_scales` sets: mean and sample std, unless the column has
 * fewer than two values, or is binary {0, 1} with `standardize: 'auto'`. Returns updated copies.
 */
export function standardizeRegressors(
  frame: SortedFrame,
  regressors: ReadonlyMap<string, ExtraRegressor>,
): Map<string, ExtraRegressor> {
  const out = new Map<string, ExtraRegressor>();
  for (const [name, props] of regressors) {
    const column = frame.extra[name]!;
    const unique = new Set(column);
    let standardize = props.standardize;
    if (unique.size < 2) standardize = false;
    if (standardize === 'auto') standardize = !(unique.size === 2 && unique.has(0) && unique.has(1));
    out.set(name, standardize ? { ...props, mu: mean(column), std: sampleStd(column) } : { ...props });
  }
  return out;
}

/** The scaled columns of `setup_dataframe`: floor, `cap_scaled`, `t`, `y_scaled` and standardized regressors. */
export function applyScales(frame: SortedFrame, scales: Scales, ctx: SetupContext): PreparedFrame {
  const n = frame.ds.length;
  let floor: Float64Array;
  if (scales.logistic_floor) {
    if (!frame.floor) throw new DataError('Expected column "floor".');
    floor = frame.floor;
  } else {
    floor = new Float64Array(n).fill(ctx.scaling === 'absmax' ? 0 : scales.y_min);
  }
  const out: PreparedFrame = {
    ds: frame.ds,
    t: frame.ds.map((v) => (v - scales.start) / scales.t_scale),
    floor,
    extra: { ...frame.extra },
  };
  if (ctx.growth === 'logistic') {
    const cap = frame.cap;
    if (!cap) throw new DataError('Capacities must be supplied for logistic growth in column "cap"');
    if (cap.some((c, i) => c <= floor[i]!)) throw new DataError('cap must be greater than floor (which defaults to 0).');
    out.cap = cap;
    out.cap_scaled = cap.map((c, i) => (c - floor[i]!) / scales.y_scale);
  } else if (frame.cap) {
    out.cap = frame.cap;
  }
  if (frame.y) {
    out.y = frame.y;
    out.y_scaled = frame.y.map((v, i) => (v - floor[i]!) / scales.y_scale);
  }
  for (const [name, props] of ctx.extra_regressors) {
    out.extra[name] = frame.extra[name]!.map((v) => (v - props.mu) / props.std);
  }
  return out;
}

/** `preprocess`'s first steps: the rows with a non-NaN y (at least two), and the sorted unique dates of all rows. */
export function splitHistory(df: DataFrame): { history: DataFrame; history_dates: Float64Array } {
  if (df.ds === undefined || df.y === undefined) {
    throw new DataError('Dataframe must have columns "ds" and "y" with the dates and values respectively.');
  }
  const y = df.y;
  const keep: number[] = [];
  for (let i = 0; i < y.length; i++) if (!Number.isNaN(Number(y[i]))) keep.push(i);
  if (keep.length < 2) throw new DataError('Dataframe has less than 2 non-NaN rows.');
  const history: DataFrame = { ds: [] };
  for (const [name, column] of Object.entries(df)) {
    if (column === undefined) continue;
    history[name] = keep.map((i) => column[i]) as ArrayLike<number>;
  }
  const dates = Float64Array.from(new Set(Array.from(df.ds, Number))).sort();
  return { history, history_dates: dates };
}

