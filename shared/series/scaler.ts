/**
 * Per-column scaling fitted on the training split only and applied to every split (upstream FLTS re-fitted
 * on the test split; reference/upstream-flts.md §9.1). Every method is the affine map x' = (x − center) / scale,
 * so inverting a forecast needs only the target's two numbers.
 */
import { DataError } from '../errors.js';
import { column, sliceRows, type FrameRows, type SeriesFrame } from './frame.js';

export type ScalerMethod = 'minmax' | 'standard' | 'robust' | 'none';

export interface ColumnScale {
  /** Subtracted first. minmax: min; standard: mean; robust: median; none: 0. */
  center: number;
  /** Divided by next; never 0 (a constant column gets 1, as scikit-learn does). */
  scale: number;
}

/** A fitted scaler, as stored in the `scaler` artifact, the Parquet metadata and every model manifest. */
export interface Scaler {
  method: ScalerMethod;
  /** Per column, in the order the scaler was fitted. */
  columns: Record<string, ColumnScale>;
}

/**
 * Fits `method` on `names` of `frame`, ignoring NaN. `extremes`, where the caller has them, are the min and max of
 * columns whose values are all finite: min-max scaling then takes them instead of reading the column again.
 */
export function fitScaler(method: ScalerMethod, frame: SeriesFrame, names: readonly string[], extremes: Readonly<Record<string, { min: number; max: number }>> = {}): Scaler {
  const columns: Record<string, ColumnScale> = {};
  for (const name of names) {
    const known = extremes[name];
    if (method === 'minmax' && known) {
      columns[name] = { center: known.min, scale: nonZero(known.max - known.min) };
      continue;
    }
    const finite = finiteValues(column(frame, name));
    if (finite.length === 0) throw new DataError(`Cannot fit the ${method} scaler: column "${name}" has no finite values in the training split.`);
    columns[name] = fitColumn(method, finite);
  }
  return { method, columns };
}

function finiteValues(values: Float64Array): Float64Array {
  // Usually all are finite (imputed): then no copy.
  let all = true;
  for (let i = 0; i < values.length && all; i++) all = values[i]! - values[i]! === 0;
  if (all) return values;
  let n = 0;
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (value - value === 0) out[n++] = value; // finite: NaN and ±Infinity give NaN
  }
  return n === values.length ? values : out.subarray(0, n);
}

function fitColumn(method: ScalerMethod, values: Float64Array): ColumnScale {
  switch (method) {
    case 'none':
      return { center: 0, scale: 1 };
    case 'minmax': {
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < values.length; i++) {
        const value = values[i]!;
        if (value < min) min = value;
        if (value > max) max = value;
      }
      return { center: min, scale: nonZero(max - min) };
    }
    case 'standard': {
      const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
      // Population standard deviation (ddof = 0), as scikit-learn's StandardScaler.
      const variance = values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / values.length;
      return { center: mean, scale: nonZero(Math.sqrt(variance)) };
    }
    case 'robust': {
      const sorted = Float64Array.from(values).sort();
      return { center: quantileSorted(sorted, 0.5), scale: nonZero(quantileSorted(sorted, 0.75) - quantileSorted(sorted, 0.25)) };
    }
  }
}

function nonZero(scale: number): number {
  return scale === 0 || !Number.isFinite(scale) ? 1 : scale;
}

/** Linear-interpolation quantile of sorted values (numpy's default, type 7). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const position = (n - 1) * q;
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, n - 1);
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * (position - lower);
}

/** `frame` with every column the scaler knows scaled; other columns are passed through unchanged. */
export function scaleFrame(scaler: Scaler, frame: SeriesFrame): SeriesFrame {
  const columns: Record<string, Float64Array> = {};
  for (const name of frame.names) {
    const values = frame.columns[name]!;
    const scale = scaler.columns[name];
    columns[name] = scale ? scaleValues(values, scale) : values;
  }
  return { time: frame.time, names: [...frame.names], columns };
}

/** `frame` scaled (as scaleFrame) a batch of rows at a time, for writing it without a scaled copy of the whole. */
export function scaledRows(scaler: Scaler, frame: SeriesFrame): FrameRows {
  return { length: frame.time.length, names: frame.names, rows: (start, end) => scaleFrame(scaler, sliceRows(frame, start, end)), affine: { source: frame, scales: scaler.columns } };
}

export function scaleValues(values: ArrayLike<number>, { center, scale }: ColumnScale): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = (values[i]! - center) / scale;
  return out;
}

export function unscaleValues(values: ArrayLike<number>, { center, scale }: ColumnScale): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! * scale + center;
  return out;
}

/** The scale of column `name`, or a DataError naming the columns the scaler knows. */
export function columnScale(scaler: Scaler, name: string): ColumnScale {
  const scale = scaler.columns[name];
  if (!scale) throw new DataError(`The scaler has no column "${name}"; it was fitted on: ${Object.keys(scaler.columns).join(', ')}.`);
  return scale;
}
