/**
 * The in-memory shape of a regular time series once it is off disk: one timestamp vector and named numeric
 * columns of the same length, in a fixed order. Tables (shared/table) convert to and from it; the numerics
 * (shared/series, shared/models) work on it.
 */
import { DataError } from '../errors.js';

export interface SeriesFrame {
  /** Timestamps in epoch milliseconds (UTC), strictly increasing; length N. */
  time: Float64Array;
  /** Column names in their fixed order. */
  names: string[];
  /** Values per column name; each length N. NaN marks a missing value. */
  columns: Record<string, Float64Array>;
}

/** The number of rows of `frame`. */
export function rowCount(frame: SeriesFrame): number {
  return frame.time.length;
}

/** Column `name`, or a DataError listing the columns that exist. */
export function column(frame: SeriesFrame, name: string, what = 'Column'): Float64Array {
  const values = frame.columns[name];
  if (!values) throw new DataError(`${what} "${name}" is not in the data; columns: ${frame.names.join(', ')}.`);
  return values;
}

/** Rows [start, end) of `frame` (views, not copies). */
export function sliceRows(frame: SeriesFrame, start: number, end: number): SeriesFrame {
  const columns: Record<string, Float64Array> = {};
  for (const name of frame.names) columns[name] = frame.columns[name]!.subarray(start, end);
  return { time: frame.time.subarray(start, end), names: [...frame.names], columns };
}

/**
 * A frame whose rows are made on demand, a batch at a time (rows [start, end) of it): how a large frame derived
 * from another (scaled, say) is written without a second full copy of it ever existing.
 */
export interface FrameRows {
  length: number;
  names: readonly string[];
  rows(start: number, end: number): SeriesFrame;
  /**
   * Set when the rows are `source`'s with the columns `scales` names mapped x → (x − center) / scale: a writer that
   * applies the map itself (the native Parquet writer) reads `source` and makes no scaled copy here.
   */
  affine?: { source: SeriesFrame; scales: Readonly<Record<string, { center: number; scale: number }>> };
}

/** `frame`'s rows as FrameRows (views). */
export function frameRows(frame: SeriesFrame): FrameRows {
  return { length: frame.time.length, names: frame.names, rows: (start, end) => sliceRows(frame, start, end) };
}

/** `frame` with only `names`, in that order. */
export function selectColumns(frame: SeriesFrame, names: readonly string[]): SeriesFrame {
  const columns: Record<string, Float64Array> = {};
  for (const name of names) columns[name] = column(frame, name);
  return { time: frame.time, names: [...names], columns };
}

/**
 * Frames of several series end to end, for one forward pass over all of them: the joined frame and the row each
 * starts at (an origin of frame i is `offsets[i] + origin` in the joined one). Windows never cross a join, since
 * every origin has its input window inside its own frame.
 */
export function joinFrames(frames: readonly SeriesFrame[]): { joined: SeriesFrame; offsets: Int32Array } {
  const offsets = new Int32Array(frames.length);
  for (let i = 1; i < frames.length; i++) offsets[i] = offsets[i - 1]! + frames[i - 1]!.time.length;
  return { joined: frames.length === 1 ? frames[0]! : concatFrames(frames), offsets };
}

/** Frames appended in time order (same columns); used to give a split the history that precedes it. */
export function concatFrames(frames: readonly SeriesFrame[]): SeriesFrame {
  const first = frames[0];
  if (!first) throw new DataError('No frames to concatenate.');
  const total = frames.reduce((sum, frame) => sum + frame.time.length, 0);
  const time = new Float64Array(total);
  const columns: Record<string, Float64Array> = {};
  for (const name of first.names) columns[name] = new Float64Array(total);
  let offset = 0;
  for (const frame of frames) {
    time.set(frame.time, offset);
    for (const name of first.names) columns[name]!.set(column(frame, name), offset);
    offset += frame.time.length;
  }
  return { time, names: [...first.names], columns };
}
