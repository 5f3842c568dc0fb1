/**
 * Test data for the Prophet port: the CSVs of ../shared/data/prophet-examples read into frames, Prophet's
 * train/test split and RMSE, and the skip message when the shared data is absent.
 */
import { readFileSync } from 'node:fs';
import { formatDate, toEpochMs } from '../../../shared/models/prophet/dates.js';
import { makeAllSeasonalityFeatures, type AllFeatures } from '../../../shared/models/prophet/features.js';
import { applyScales, checkAndSort, initializeScales, standardizeRegressors } from '../../../shared/models/prophet/prepare.js';
import type { Prophet } from '../../../shared/models/prophet/prophet.js';
import { setAutoSeasonalities } from '../../../shared/models/prophet/seasonality.js';
import type { DataFrame, PreparedFrame } from '../../../shared/models/prophet/types.js';
import { sharedPath, skipWithoutShared } from '../../helpers/shared-data.js';

export const EXAMPLES = 'data/prophet-examples/';

/** The `skip` option for tests that need the Prophet example data. */
export const skipNoData = skipWithoutShared(EXAMPLES);

/** Reads a CSV of the example data into columns (strings, quoted or not); `ds` as epoch ms, others as numbers. */
export function readCsv(relative: string): { ds: Float64Array; [column: string]: Float64Array } {
  const path = sharedPath(`${EXAMPLES}${relative}`);
  if (!path) throw new Error(`missing shared data file ${EXAMPLES}${relative}`);
  const lines = readFileSync(path, 'utf8').trim().split(/\r?\n/);
  const header = splitLine(lines[0]!);
  const rows = lines.slice(1).map(splitLine);
  const out: Record<string, Float64Array> = {};
  header.forEach((name, j) => {
    out[name] = Float64Array.from(rows, (row) => {
      const cell = row[j] ?? '';
      if (name === 'ds') return toEpochMs(cell);
      return cell === '' || cell === 'NA' ? NaN : Number(cell);
    });
  });
  return out as { ds: Float64Array; [column: string]: Float64Array };
}

function splitLine(line: string): string[] {
  return line.split(',').map((cell) => cell.replace(/^"|"$/g, ''));
}

/** Python Prophet's fixture `daily_univariate_ts`: data.csv, 510 business days. */
export const dailyUnivariateTs = (): DataFrame => readCsv('python-tests/data.csv');
/** `subdaily_univariate_ts`: data2.csv, 5-minute data over 3 days. */
export const subdailyUnivariateTs = (): DataFrame => readCsv('python-tests/data2.csv');
/** `large_numbers_ts`: data3.csv, values ≈ 6.2e8. */
export const largeNumbersTs = (): DataFrame => readCsv('python-tests/data3.csv');
/** Peyton Manning's log daily page views, 2905 rows. */
export const peytonManning = (): DataFrame => readCsv('example_wp_log_peyton_manning.csv');

/** The first `n` rows of every column. */
export function head(df: DataFrame, n: number): DataFrame {
  const out: DataFrame = { ds: [] };
  for (const [name, column] of Object.entries(df)) if (column) out[name] = Array.prototype.slice.call(column, 0, n) as number[];
  return out;
}

/** The last `n` rows of every column. */
export function tail(df: DataFrame, n: number): DataFrame {
  const out: DataFrame = { ds: [] };
  for (const [name, column] of Object.entries(df)) if (column) out[name] = Array.prototype.slice.call(column, column.length - n) as number[];
  return out;
}

/** Prophet's test split: all rows but the last `nTest` for training, the last `nTest` for testing. */
export function trainTestSplit(df: DataFrame, nTest: number): [DataFrame, DataFrame] {
  return [head(df, df.ds.length - nTest), tail(df, nTest)];
}

/** RMSE by position, as Prophet's tests compute it (forecast and test frames both indexed 0..n−1). */
export function rmse(predictions: ArrayLike<number>, targets: ArrayLike<number>): number {
  let ss = 0;
  for (let i = 0; i < predictions.length; i++) ss += (predictions[i]! - targets[i]!) ** 2;
  return Math.sqrt(ss / predictions.length);
}

/**
 * What Python's tests get from `m.setup_dataframe(df, initialize_scales=True)` followed by
 * `m.history = …; m.set_auto_seasonalities()`: the scaled history and the model's settings, without fitting.
 */
export function setupHistory(m: Prophet, df: DataFrame): PreparedFrame {
  const ctx = { growth: m.growth, scaling: m.scaling, extra_regressors: m.extra_regressors, seasonalities: m.seasonalities };
  const sorted = checkAndSort(df, ctx);
  const scales = initializeScales(sorted, m.growth, m.scaling);
  Object.assign(m, scales);
  m.extra_regressors = standardizeRegressors(sorted, m.extra_regressors);
  m.history = applyScales(sorted, scales, { ...ctx, extra_regressors: m.extra_regressors });
  setAutoSeasonalities(m.history.ds, m, m.seasonalities);
  return m.history;
}

/** `make_all_seasonality_features` on a frame prepared by `setupHistory`. */
export function allFeatures(m: Prophet, frame: PreparedFrame): AllFeatures {
  return makeAllSeasonalityFeatures(frame, {
    seasonalities: m.seasonalities,
    extra_regressors: m.extra_regressors,
    holidays: m.holidays,
    holidays_prior_scale: m.holidays_prior_scale,
    holidays_mode: m.holidays_mode,
    train_holiday_names: m.train_holiday_names,
    train_component_cols: m.train_component_cols,
  });
}

/** Sum of a 0/1 indicator. */
export const count = (values: ArrayLike<number>): number => Array.from(values).reduce((s, v) => s + v, 0);

/** Dates as ISO days. */
export const days = (values: ArrayLike<number>): string[] => Array.from(values, (v) => formatDate(v));
