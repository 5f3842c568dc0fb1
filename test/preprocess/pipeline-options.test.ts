/**
 * The preprocess pipeline's optional steps, on small hand-made series whose every output value is worked out
 * by hand: imputation by training mean, forward fill and dropping; outlier clipping; lags; tail sampling.
 * The last part runs the preprocess bundle to show the component parameters reach these steps.
 */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { preprocessSpec } from '../../components/preprocess/spec.js';
import { preprocessTables, type PreprocessOptions, type PreprocessResult, type SplitName } from '../../shared/preprocess/pipeline.js';
import type { SeriesFrame } from '../../shared/series/frame.js';
import type { RawTable } from '../../shared/table/raw-table.js';
import { readDataset } from '../../shared/table/dataset.js';
import { artifactOf, runLocally, tempDir } from '../helpers/component.js';

const T0 = Date.UTC(2024, 0, 1);
const MINUTE = 60_000;
const SPLITS: SplitName[] = ['train', 'validation', 'test'];

/** A raw table at one-minute steps from T0: `minutes` gives each row's offset (default 0, 1, 2, …); null is an empty cell. */
function table(columns: Record<string, (number | null)[]>, minutes?: number[]): RawTable {
  const rows = Object.values(columns)[0]!.length;
  const offsets = minutes ?? Array.from({ length: rows }, (_, i) => i);
  const raw: RawTable = { names: ['time'], columns: { time: { kind: 'time', values: Float64Array.from(offsets, (m) => T0 + m * MINUTE) } }, rows };
  for (const [name, values] of Object.entries(columns)) {
    raw.names.push(name);
    raw.columns[name] = { kind: 'number', values: Float64Array.from(values, (v) => v ?? NaN) };
  }
  return raw;
}

/**
 * Options with nothing optional switched on, no scaling (so outputs are the values themselves) and splits that
 * cut 20 rows into train 0–11, validation 12–14 (20 % of the first 15), test 15–19 (the last 25 %).
 */
function options(overrides: Partial<PreprocessOptions> = {}): PreprocessOptions {
  return {
    trainFile: 'raw.csv', testFile: '', timeColumn: 'time', targetColumn: 'down', featureColumns: [], frequency: '',
    imputation: 'time', outlierMethod: 'none', outlierFactor: 1.5, timeFeatures: false, lags: 0, lagStep: 1, scaler: 'none',
    validationFraction: 0.2, testFraction: 0.25, sampleTrainRows: 0, sampleTestRows: 0, sampleStrategy: 'head', hashSalt: '',
    maxGapSteps: 30, ...overrides,
  };
}

const run = (raw: RawTable, overrides: Partial<PreprocessOptions> = {}, test?: RawTable): PreprocessResult =>
  preprocessTables({ train: { table: raw, source: 'raw.csv' }, ...(test ? { test: { table: test, source: 'raw_test.csv' } } : {}) }, options(overrides));

const values = (frame: SeriesFrame, name: string) => Array.from(frame.columns[name]!);
const minutes = (frame: SeriesFrame) => Array.from(frame.time, (t) => (t - T0) / MINUTE);
const rowCounts = (result: PreprocessResult) => SPLITS.map((split) => result.splits[split].time.length);

/**
 * 20 one-minute steps with missing values in every split: `down` is empty at minute 3 (train) and 17 (test),
 * `up` at 18 (test), and minute 13 (validation) is absent from the file, so the grid gets a row of NaN there.
 * The held-out values are far from the training values, so a mean taken over them would show.
 */
const DOWN = [0, 10, 20, null, 40, 50, 60, 70, 80, 90, 100, 110, 1000, 1000, 1000, 5000, 5000, null, 5000, 5000];
const UP = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, null, 19];
const withGaps = () => {
  const keep = DOWN.map((_, i) => i).filter((i) => i !== 13);
  return table({ down: keep.map((i) => DOWN[i]!), up: keep.map((i) => UP[i]!) }, keep);
};

describe('imputation "mean"', () => {
  const result = run(withGaps(), { imputation: 'mean' });
  // Training rows 0–11: down sums to 660 − 30 (minute 3 is missing) over 11 values; up is 0…11.
  const downMean = 630 / 11;
  const upMean = 5.5;

  it('fills every split, the row added for the gap included, with the training split\'s means only', () => {
    const { train, validation, test } = result.unscaled;
    assert.equal(train.columns['down']![3], downMean);
    assert.deepEqual(values(validation, 'down'), [1000, downMean, 1000], 'minute 13 is the inserted row');
    assert.deepEqual(values(validation, 'up'), [12, upMean, 14]);
    assert.deepEqual(values(test, 'down'), [5000, 5000, downMean, 5000, 5000]);
    assert.deepEqual(values(test, 'up'), [15, 16, 17, upMean, 19]);
  });

  it('keeps every row and reports the gap it filled', () => {
    assert.deepEqual(rowCounts(result), [12, 3, 5]);
    assert.equal(result.summary.rowsInserted, 1);
    assert.equal(result.summary.rowsDroppedMissing, 0);
    assert.deepEqual(result.summary.warnings, ['Filled 1 missing time step(s) in 1 gap(s).']);
  });

  it('counts the values that were missing before imputation, over all splits', () => {
    assert.equal(result.summary.stats['down']!.missing, 3);
    assert.equal(result.summary.stats['up']!.missing, 2);
  });
});

describe('imputation "ffill"', () => {
  // Empty cells at the very start, at the first validation row (12) and at the first test row (15).
  const down = [null, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, null, 1000, 1001, null, 5000, 5001, 5002, 5003];
  const result = run(table({ down }), { imputation: 'ffill' });

  it('carries the last known value forward, across split boundaries, and back-fills a leading gap with the first value', () => {
    const { train, validation, test } = result.unscaled;
    assert.deepEqual(values(train, 'down'), [10, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110]);
    assert.deepEqual(values(validation, 'down'), [110, 1000, 1001], 'the validation split starts with the last training value');
    assert.deepEqual(values(test, 'down'), [1001, 5000, 5001, 5002, 5003], 'the test split starts with the last validation value');
  });

  it('keeps every row and warns of nothing', () => {
    assert.deepEqual(rowCounts(result), [12, 3, 5]);
    assert.deepEqual(result.summary.warnings, []);
  });
});

describe('imputation "drop"', () => {
  const result = run(withGaps(), { imputation: 'drop' });

  it('removes from every split each row with any missing value, the row added for the gap included', () => {
    assert.deepEqual(minutes(result.splits.train), [0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11]);
    assert.deepEqual(minutes(result.splits.validation), [12, 14]);
    assert.deepEqual(minutes(result.splits.test), [15, 16, 19]);
    assert.deepEqual(values(result.splits.test, 'down'), [5000, 5000, 5000]);
    assert.deepEqual(values(result.splits.test, 'up'), [15, 16, 19]);
  });

  it('counts the dropped rows and records a warning for them, and says the missing time step was left out, not filled', () => {
    // Minutes 3, 17 and 18 have an empty cell; minute 13 is the gap, which "drop" never fills.
    assert.equal(result.summary.rowsDroppedMissing, 3);
    assert.equal(result.summary.rowsInserted, 1);
    assert.equal(result.summary.gapsFilled, false);
    assert.deepEqual(result.summary.rows, { train: 11, validation: 2, test: 3 });
    assert.deepEqual(result.summary.warnings, [
      'Found 1 missing time step(s) in 1 gap(s); left out, not filled (imputation "drop").',
      'Dropped 3 row(s) with missing values (imputation "drop").',
    ]);
  });
});

describe('outlier clipping', () => {
  // Training rows 0–11 hold 10…20 and one spike of 1000; the held-out rows hold values beyond both bounds.
  const down = [10, 11, 12, 13, 14, 1000, 15, 16, 17, 18, 19, 20, 100, 15, 15, 30, -5, 15, 15, 15];
  const up = Array.from({ length: 20 }, (_, i) => i % 4);
  // Sorted training values 10…20, 1000: Q1 at position 11·0.25 = 2.75 → 12.75; Q3 at 8.25 → 18.25; IQR 5.5.

  it('"iqr" clips every split to the training split\'s [Q1 − f·IQR, Q3 + f·IQR] and counts the clipped values per column', () => {
    const result = run(table({ down, up }), { outlierMethod: 'iqr', outlierFactor: 1.5 });
    // 1.5·5.5 = 8.25: bounds [4.5, 26.5].
    const { train, validation, test } = result.unscaled;
    assert.deepEqual(values(train, 'down'), [10, 11, 12, 13, 14, 26.5, 15, 16, 17, 18, 19, 20]);
    assert.deepEqual(values(validation, 'down'), [26.5, 15, 15]);
    assert.deepEqual(values(test, 'down'), [26.5, 4.5, 15, 15, 15]);
    // up (0–3 repeating, bounds [−1.5, 4.5]) has nothing to clip, so it has no count.
    assert.deepEqual(values(test, 'up'), [3, 0, 1, 2, 3]);
    assert.deepEqual(result.summary.clipped, { down: 4 });
  });

  it('"iqr" widens the bounds with the factor', () => {
    // 3·5.5 = 16.5: bounds [−3.75, 34.75]. Clipped: the spike, the validation 100 and the test −5; the test 30 stays.
    const result = run(table({ down, up }), { outlierMethod: 'iqr', outlierFactor: 3 });
    assert.deepEqual(values(result.unscaled.test, 'down'), [30, -3.75, 15, 15, 15]);
    assert.equal(result.unscaled.train.columns['down']![5], 34.75);
    assert.deepEqual(result.summary.clipped, { down: 3 });
  });

  it('"percentile" clips to the training split\'s f and 1 − f quantiles', () => {
    const result = run(table({ down, up }), { outlierMethod: 'percentile', outlierFactor: 0.25 });
    // Bounds [12.75, 18.25]: 10, 11, 12 and 19, 20, 1000 in train; 100 in validation; 30 and −5 in test.
    assert.deepEqual(values(result.unscaled.train, 'down'), [12.75, 12.75, 12.75, 13, 14, 18.25, 15, 16, 17, 18, 18.25, 18.25]);
    assert.deepEqual(values(result.unscaled.test, 'down'), [18.25, 12.75, 15, 15, 15]);
    // up: 0.25 and 0.75 quantiles of 0,1,2,3 ×3 are 0.75 and 2.25, so every 0 and 3 is clipped: 5 of each in 20 rows.
    assert.deepEqual(result.summary.clipped, { down: 9, up: 10 });
  });

  it('clips nothing and counts nothing when off', () => {
    const result = run(table({ down, up }));
    assert.equal(result.unscaled.train.columns['down']![5], 1000);
    assert.deepEqual(result.summary.clipped, {});
  });

  it('clips after imputing, so a filled value is clipped like any other', () => {
    const holes = down.map((v, i) => (i === 16 ? null : v));
    const result = run(table({ down: holes, up }), { outlierMethod: 'iqr', outlierFactor: 1.5, imputation: 'ffill' });
    // Minute 16 takes minute 15's 30, which is clipped to 26.5 like minute 15 itself.
    assert.deepEqual(values(result.unscaled.test, 'down'), [26.5, 26.5, 15, 15, 15]);
  });
});

describe('lags', () => {
  const down = Array.from({ length: 20 }, (_, i) => 100 + i * i);

  it('adds <target>_lag<k> for k = step … lags·step after every other column, holding the target k steps earlier in every split', () => {
    const result = run(table({ down, up: down.map((v) => -v) }), { lags: 2, lagStep: 3 });
    assert.deepEqual(result.columns, ['down', 'up', 'down_lag3', 'down_lag6']);
    for (const split of SPLITS) {
      const frame = result.unscaled[split];
      for (const [i, minute] of minutes(frame).entries()) {
        assert.equal(frame.columns['down_lag3']![i], down[minute - 3], `${split} minute ${minute}`);
        assert.equal(frame.columns['down_lag6']![i], down[minute - 6], `${split} minute ${minute}`);
      }
    }
  });

  it('drops the first lags·step training rows, which lack a full history, and says so', () => {
    const result = run(table({ down }), { lags: 2, lagStep: 3 });
    assert.deepEqual(minutes(result.splits.train), [6, 7, 8, 9, 10, 11]);
    assert.deepEqual(rowCounts(result), [6, 3, 5]);
    assert.equal(result.summary.rowsDroppedLags, 6);
    assert.deepEqual(result.summary.warnings, ['Dropped the first 6 row(s), which lack a full lag history.']);
    for (const split of SPLITS) for (const name of result.columns) assert.ok(result.splits[split].columns[name]!.every(Number.isFinite), `${split}.${name}`);
  });

  it('goes after the time features in the column order, and is scaled like any column', () => {
    const result = run(table({ down }), { lags: 1, timeFeatures: true, scaler: 'minmax' });
    assert.deepEqual(result.columns.slice(-2), ['day_of_year_cos', 'down_lag1']);
    // Training rows 1–11 after the first is dropped: lag1 holds down at minutes 0–10, 100 … 200.
    assert.deepEqual(result.scaler.columns['down_lag1'], { center: 100, scale: 100 });
    assert.equal(result.splits.train.columns['down_lag1']![0], 0);
  });

  it('are taken from the clipped target', () => {
    const spiky = down.map((v, i) => (i === 4 ? 1e6 : v));
    const result = run(table({ down: spiky }), { lags: 1, outlierMethod: 'iqr', outlierFactor: 1.5 });
    const frame = result.unscaled.train;
    const at = minutes(frame).indexOf(5);
    assert.equal(frame.columns['down_lag1']![at], frame.columns['down']![at - 1]);
    assert.ok(frame.columns['down_lag1']![at]! < 1e6);
  });

  it('never reach back over rows removed by imputation "drop": a row whose lag step is missing is dropped', () => {
    // Minute 7 is empty and dropped; minutes 8 and 9 would otherwise take minutes 6 and 5 as their lag 1 and 2.
    const holes = down.map((v, i) => (i === 7 ? null : v));
    const result = run(table({ down: holes }), { lags: 2, imputation: 'drop' });
    for (const split of SPLITS) {
      const frame = result.unscaled[split];
      for (const [i, minute] of minutes(frame).entries()) {
        assert.equal(frame.columns['down_lag1']![i], holes[minute - 1], `${split} minute ${minute}: lag 1`);
        assert.equal(frame.columns['down_lag2']![i], holes[minute - 2], `${split} minute ${minute}: lag 2`);
      }
    }
    assert.deepEqual(minutes(result.splits.train), [2, 3, 4, 5, 6, 10, 11]);
    assert.equal(result.summary.rowsDroppedLags, 4);
    assert.deepEqual(result.summary.warnings, [
      'Dropped 1 row(s) with missing values (imputation "drop").',
      'Dropped the first 2 row(s), which lack a full lag history.',
      'Dropped 2 later row(s) whose lag history falls in a gap (rows dropped or the stretch between the files).',
    ]);
  });

  it('never reach back over the stretch between the training file and a later test file', () => {
    // The test file starts 10 steps after the training file ends; its first rows have no history of their own.
    const train = table({ down: down.slice(0, 15) });
    const test = table({ down: down.slice(0, 5).map((v) => v + 10_000) }, [25, 26, 27, 28, 29]);
    const result = run(train, { lags: 2, testFile: 'raw_test.csv' }, test);
    const frame = result.unscaled.test;
    // Minutes 25 and 26 lack a lag-2 and a lag-1 history within the test file's period, so they go.
    assert.deepEqual(minutes(frame), [27, 28, 29]);
    const testDown = (minute: number) => test.columns['down']!.values[minute - 25];
    for (const [i, minute] of minutes(frame).entries()) {
      assert.equal(frame.columns['down_lag1']![i], testDown(minute - 1), `test minute ${minute}: lag 1`);
      assert.equal(frame.columns['down_lag2']![i], testDown(minute - 2), `test minute ${minute}: lag 2`);
    }
    assert.deepEqual(result.summary.warnings, [
      'The test period starts 10 step(s) after the training period ends; that stretch is not filled.',
      'Dropped the first 2 row(s), which lack a full lag history.',
      'Dropped 2 later row(s) whose lag history falls in a gap (rows dropped or the stretch between the files).',
    ]);
  });

  it('fail with a clear error naming lags and lag_step, not a crash, when the lag history is longer than the data', () => {
    assert.throws(() => run(table({ down }), { lags: 30 }), {
      name: 'DataError',
      message: /Too few rows after preprocessing: the train split has 0 .* row\(s\) were dropped for lacking a full lag history of lags × lag_step = 30 × 1 steps; lower "lags" or "lag_step"\./,
    });
  });
});

describe('sample_strategy "tail"', () => {
  const down = Array.from({ length: 30 }, (_, i) => i);

  it('keeps the last rows of the training file, in time order', () => {
    const result = run(table({ down }), { sampleTrainRows: 20, sampleStrategy: 'tail' });
    const all = SPLITS.flatMap((split) => values(result.unscaled[split], 'down'));
    assert.deepEqual(all, down.slice(10));
    assert.deepEqual(rowCounts(result), [12, 3, 5]);
    assert.equal(result.summary.timeRange.train[0], '2024-01-01T00:10:00Z');
    assert.deepEqual(result.summary.inputRows, { train: 30, test: 0 });
  });

  it('"head" keeps the first rows instead', () => {
    const result = run(table({ down }), { sampleTrainRows: 20, sampleStrategy: 'head' });
    assert.deepEqual(SPLITS.flatMap((split) => values(result.unscaled[split], 'down')), down.slice(0, 20));
  });

  it('keeps the last rows of the test file too, and reports the stretch it leaves between the two files', () => {
    const train = table({ down: down.slice(0, 10) });
    const test = table({ down: down.slice(10) }, down.slice(10));
    const result = run(train, { sampleTestRows: 5, sampleStrategy: 'tail', validationFraction: 0, testFile: 'raw_test.csv' }, test);
    assert.deepEqual(values(result.unscaled.test, 'down'), [25, 26, 27, 28, 29]);
    assert.deepEqual(values(result.unscaled.train, 'down'), down.slice(0, 10));
    assert.deepEqual(result.summary.warnings, ['The test period starts 15 step(s) after the training period ends; that stretch is not filled.']);
  });
});

describe('the preprocess component passes these options to the pipeline', () => {
  it('mean imputation, IQR clipping, lags and tail sampling, read back from the Parquet it writes', async () => {
    const dir = await tempDir();
    const path = join(dir, 'raw.csv');
    // 40 one-minute rows; minute 33 (test) empty; a spike at minute 30 (test).
    const down = Array.from({ length: 40 }, (_, i) => (i === 33 ? '' : i === 30 ? '5000' : String(i % 10)));
    await writeFile(path, `time,down\n${down.map((v, i) => `2024-01-01 00:${String(i).padStart(2, '0')}:00,${v}`).join('\n')}\n`);
    const result = await runLocally(preprocessSpec, join(dir, 'task'), {
      data_uri: path, imputation: 'mean', outlier_method: 'iqr', outlier_factor: 1.5, lags: 2, lag_step: 1,
      sample_train_rows: 30, sample_strategy: 'tail', time_features: false, scaler: 'none', validation_fraction: 0.2, test_fraction: 0.2,
    });
    assert.equal(result.code, 0, result.stderr);
    const config = JSON.parse(result.output!.parameterValues!['config_json'] as string);
    assert.equal(config._data.sample_strategy, 'tail');
    assert.deepEqual(config.outliers, { enabled: true, factor: 1.5, method: 'iqr' });
    assert.deepEqual(config.lags, { enabled: true, n_lags: 2, step: 1 });
    assert.equal(config.handle_nans.method, undefined, 'mean imputation is upstream\'s, so it adds no key');

    // Tail 30 rows: minutes 10–39. Test: the last round(30·0.2) = 6, minutes 34–39; validation: round(24·0.2) = 5,
    // minutes 29–33; train: minutes 10–28, less the first 2 for the lags.
    const training = artifactOf(result, 'training_data').metadata!;
    assert.deepEqual(training['columns'], ['time', 'down', 'down_lag1', 'down_lag2']);
    assert.deepEqual(['training_data', 'validation_data', 'inference_data'].map((name) => artifactOf(result, name).metadata!['rows']), [17, 5, 6]);
    assert.equal(training['start'], '2024-01-01T00:12:00Z');
    assert.deepEqual(training['warnings'], ['Dropped the first 2 row(s), which lack a full lag history.']);

    const validation = (await readDataset(artifactOf(result, 'validation_data').uri, 'validation_data')).frame;
    // Training minutes 10–28 hold 0–9 and 0–8: mean 81/19. Sorted 0,0,1,1,…,8,8,9: Q1 (position 4.5) 2, Q3 (13.5) 6.5,
    // IQR 4.5, so the bounds are [2 − 6.75, 6.5 + 6.75] = [−4.75, 13.25]. Validation minutes 29–33: 9, the spike, 1, 2, empty.
    const mean = 81 / 19;
    assert.deepEqual(Array.from(validation.columns['down']!), [9, 13.25, 1, 2, mean]);
    assert.deepEqual(Array.from(validation.columns['down_lag1']!), [8, 9, 13.25, 1, 2]);
    assert.deepEqual(Array.from(validation.columns['down_lag2']!), [7, 8, 9, 13.25, 1]);
  });
});
