/**
 * Potential trend changepoints, placed exactly as Prophet's `set_changepoints` places them: a grid of history
 * rows over the first `changepoint_range` of the data (numpy round-half-to-even), or the user's dates; and
 * their scaled times, with the dummy `[0]` when there are none.
 */
import { DataError } from '../../errors.js';
import { linspace, roundHalfEven } from './numeric.js';

/** The automatic grid: the chosen dates, their row numbers in the history, and the (possibly reduced) count. */
export interface ChangepointGrid {
  changepoints: Float64Array;
  /** Row numbers in the sorted history (pandas index of the `changepoints` Series). */
  index: number[];
  n_changepoints: number;
}

/**
 * `n_changepoints` rows evenly spread over the first `changepoint_range` of the sorted history `ds`
 * (duplicates included), dropping the first row. Reduces the count when the history is too short.
 */
export function changepointGrid(ds: Float64Array, n_changepoints: number, changepoint_range: number): ChangepointGrid {
  const hist_size = Math.floor(ds.length * changepoint_range);
  let n = n_changepoints;
  if (n + 1 > hist_size) n = hist_size - 1;
  if (n <= 0) return { changepoints: new Float64Array(0), index: [], n_changepoints: n };
  // Porting note: numpy's round sends halves to even and Math.round sends them up; the grid uses numpy's rule.
  const cp_indexes = Array.from(linspace(0, hist_size - 1, n + 1), roundHalfEven).slice(1);
  return { changepoints: Float64Array.from(cp_indexes, (i) => ds[i]!), index: cp_indexes, n_changepoints: n };
}

/** Prophet's check that user-given changepoints lie within the history. */
export function checkChangepointsInHistory(changepoints: ArrayLike<number>, ds: Float64Array): void {
  if (changepoints.length === 0) return;
  const cps = Array.from(changepoints);
  const [first, last] = [ds[0]!, ds[ds.length - 1]!];
  if (Math.min(...cps) < first || Math.max(...cps) > last) {
    throw new DataError('Changepoints must fall within training data.');
  }
}

/** Sorted scaled times of the changepoints; `[0]`, a dummy, when there are none. */
export function changepointsT(changepoints: ArrayLike<number>, start: number, t_scale: number): Float64Array {
  if (changepoints.length === 0) return Float64Array.of(0);
  return Float64Array.from(changepoints, (c) => (c - start) / t_scale).sort();
}
