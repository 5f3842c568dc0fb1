/**
 * Puts a series on a regular time grid: sorted, exact duplicate timestamps dropped (first kept), and every
 * missing grid point inserted as a row of NaN to be imputed. Rows off the grid are dropped and counted,
 * as pandas' `asfreq` would.
 */
import type { SeriesFrame } from './frame.js';

export interface Gap {
  /** Last timestamp before the gap and first after it. */
  after: number;
  before: number;
  /** Grid points missing in between. */
  missing: number;
}

export interface Regularized {
  frame: SeriesFrame;
  duplicates: number;
  offGrid: number;
  gaps: Gap[];
  /** Rows inserted for gaps. */
  inserted: number;
  /** Whether the columns are new arrays (the grid filled in), which later steps may change in place; else the input's. */
  copied: boolean;
}

/** Sorts by time (stable) and keeps the first row of each timestamp. */
export function sortAndDeduplicate(frame: SeriesFrame): { frame: SeriesFrame; duplicates: number } {
  if (isStrictlyIncreasing(frame.time)) return { frame, duplicates: 0 };
  // Row indices in typed arrays, here and below: off the JavaScript heap, 4 bytes a row.
  const order = Uint32Array.from(frame.time.keys()).sort((a, b) => frame.time[a]! - frame.time[b]! || a - b);
  const keep = new Uint32Array(order.length);
  let kept = 0;
  for (const index of order) {
    if (kept === 0 || frame.time[index] !== frame.time[keep[kept - 1]!]) keep[kept++] = index;
  }
  return { frame: takeRows(frame, keep.subarray(0, kept)), duplicates: order.length - kept };
}

/** Reindexes a sorted, duplicate-free frame onto the grid first + k·step. */
export function regularize(frame: SeriesFrame, stepMs: number): Regularized {
  const n = frame.time.length;
  if (n === 0) return { frame, duplicates: 0, offGrid: 0, gaps: [], inserted: 0, copied: false };
  const start = frame.time[0]!;
  const onGridRows = new Uint32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) if ((frame.time[i]! - start) % stepMs === 0) onGridRows[count++] = i;
  const onGrid = onGridRows.subarray(0, count);
  const offGrid = n - count;
  const last = frame.time[onGrid[onGrid.length - 1]!]!;
  const length = Math.round((last - start) / stepMs) + 1;
  const time = new Float64Array(length);
  for (let k = 0; k < length; k++) time[k] = start + k * stepMs;
  // Each on-grid row's slot first, then one tight copy loop per column.
  const slots = new Uint32Array(onGrid.length);
  const gaps: Gap[] = [];
  let previous = -1;
  for (let r = 0; r < onGrid.length; r++) {
    const k = Math.round((frame.time[onGrid[r]!]! - start) / stepMs);
    slots[r] = k;
    if (previous >= 0 && k - previous > 1) gaps.push({ after: time[previous]!, before: time[k]!, missing: k - previous - 1 });
    previous = k;
  }
  const columns: Record<string, Float64Array> = {};
  // Already regular (no gap, nothing off the grid): every row keeps its place, so the columns are the input's
  // (which no step may change in place).
  if (length === n && offGrid === 0) {
    for (const name of frame.names) columns[name] = frame.columns[name]!;
    return { frame: { time, names: [...frame.names], columns }, duplicates: 0, offGrid, gaps, inserted: 0, copied: false };
  }
  for (const name of frame.names) {
    const source = frame.columns[name]!;
    const target = new Float64Array(length).fill(NaN);
    for (let r = 0; r < slots.length; r++) target[slots[r]!] = source[onGrid[r]!]!;
    columns[name] = target;
  }
  return {
    frame: { time, names: [...frame.names], columns },
    duplicates: 0,
    offGrid,
    gaps,
    inserted: length - onGrid.length,
    copied: true,
  };
}

function isStrictlyIncreasing(time: Float64Array): boolean {
  for (let i = 1; i < time.length; i++) if (!(time[i]! > time[i - 1]!)) return false;
  return true;
}

/** The rows at `indices`, in that order (copies). */
export function takeRows(frame: SeriesFrame, indices: ArrayLike<number>): SeriesFrame {
  const time = Float64Array.from(indices, (i) => frame.time[i]!);
  const columns: Record<string, Float64Array> = {};
  for (const name of frame.names) {
    const source = frame.columns[name]!;
    columns[name] = Float64Array.from(indices, (i) => source[i]!);
  }
  return { time, names: [...frame.names], columns };
}
