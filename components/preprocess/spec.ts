/** The preprocess component's interface: raw CSV/Parquet in, scaled and split Parquet with lineage out. */
import { lineageParameters } from '../../shared/kfp/common-parameters.js';
import { defineComponent } from '../../shared/kfp/spec.js';
import { DEFAULT_COLUMNS } from '../../shared/preprocess/config.js';

export const preprocessSpec = defineComponent({
  name: 'preprocess',
  description:
    'Reads a raw time series (CSV or Parquet), regularises the time index, imputes, clips, adds cyclical time features and lags, splits by time into train / validation / test, fits the scaler on train only, and writes Parquet stamped with the config hash.',
  inputs: {
    artifacts: {
      raw_data: {
        type: 'system.Dataset',
        description: 'The raw series as CSV or Parquet. Optional: `data_uri` names it instead.',
        optional: true,
      },
      raw_test_data: {
        type: 'system.Dataset',
        description:
          'Optional second file holding the held-out period (as upstream `<Name>_test.csv`). Without it the test split is the last `test_fraction` of the data.',
        optional: true,
      },
    },
    parameters: {
      data_uri: {
        type: 'STRING',
        description: 'The raw series when no `raw_data` artifact is given: a local path, file://, s3:// or minio:// URI of a CSV or Parquet file.',
        default: '',
      },
      test_data_uri: {
        type: 'STRING',
        description: 'The held-out period when no `raw_test_data` artifact is given (same forms as `data_uri`). Empty: split by time.',
        default: '',
      },
      csv_delimiter: {
        type: 'STRING',
        description: 'Field delimiter of CSV input, one character such as "," ";" "\\t" or "|". Empty: sniffed from the first lines (the one of , ; tab | that splits every line into as many fields as the header).',
        default: '',
      },
      decimal: {
        type: 'STRING',
        description: 'Decimal separator of numbers in CSV input. Empty: "," when the delimiter is not a comma and the first lines show decimal commas (such as 3,25) and no decimal points; else ".".',
        default: '',
        enum: ['', '.', ','],
      },
      time_column: {
        type: 'STRING',
        description: 'Name of the timestamp column. Matched exactly, else ignoring case and surrounding spaces when one column matches so.',
        default: DEFAULT_COLUMNS.time,
      },
      time_format: {
        type: 'STRING',
        description:
          'Layout of the timestamps, strftime-style: %Y %y %m %d %H %M %S %f (fraction of a second) %z (Z, +01:00, +0100, +01), such as "%d/%m/%Y %H:%M". Empty: ISO 8601 dates and date-times with an optional offset; times without an offset are UTC.',
        default: '',
      },
      target_column: { type: 'STRING', description: 'Name of the column to forecast.', default: DEFAULT_COLUMNS.target },
      feature_columns: {
        type: 'LIST',
        description: 'Input columns besides the target, in this order. Empty: every numeric column of the file, in file order.',
        default: [],
      },
      frequency: {
        type: 'STRING',
        description: 'Sampling interval such as "2min", "1h", "1d" or "30s". Empty: inferred as the most common step. The index is regularised on this grid, not resampled: rows off the grid are dropped (with a warning), so a coarser interval than the data\'s thins it rather than averaging.',
        default: '',
      },
      imputation: {
        type: 'STRING',
        description:
          'How missing values (including rows added for gaps in the time index) are filled: "time" (linear in time), "mean" (training-split mean), "ffill" (last value), or "drop" (rows with any missing value are removed).',
        default: 'time',
        enum: ['time', 'mean', 'ffill', 'drop'],
      },
      max_gap_steps: {
        type: 'NUMBER_INTEGER',
        description: 'Gaps in the time index longer than this many steps are reported as warnings (they are still filled, or left out with imputation "drop").',
        default: 30,
        min: 1,
      },
      outlier_method: {
        type: 'STRING',
        description: 'Outlier clipping: "none", "iqr" (clip to [Q1 - f*IQR, Q3 + f*IQR]) or "percentile" (clip to the f and 1-f quantiles). Bounds come from the training split.',
        default: 'none',
        enum: ['none', 'iqr', 'percentile'],
      },
      outlier_factor: {
        type: 'NUMBER_DOUBLE',
        description: 'f for outlier clipping: the IQR multiplier, or the lower quantile for "percentile" (0 < f < 0.5).',
        default: 1.5,
        greaterThan: 0,
      },
      time_features: {
        type: 'BOOLEAN',
        description:
          'Add cyclical time features as upstream: sin/cos of minute of day (period 1440), day of week (Monday = 0, period 7) and day of year (period 365.25).',
        default: true,
      },
      lags: {
        type: 'NUMBER_INTEGER',
        description: 'Number of lagged copies of the target to add as features (0 = none). Rows without a full lag history are dropped.',
        default: 0,
        min: 0,
        max: 1000,
      },
      lag_step: { type: 'NUMBER_INTEGER', description: 'Distance in time steps between lags.', default: 1, min: 1, max: 10_000 },
      scaler: {
        type: 'STRING',
        description:
          'Scaling fitted on the training split only and applied to every split: "minmax" (to [0, 1], upstream default), "standard" (zero mean, unit variance), "robust" (median and IQR) or "none".',
        default: 'minmax',
        enum: ['minmax', 'standard', 'robust', 'none'],
      },
      validation_fraction: {
        type: 'NUMBER_DOUBLE',
        description:
          'Fraction of the training period, at its end, kept as the validation split (early stopping of GRU/LSTM, so it must be > 0). With both fractions at most 0.5, at least a quarter of the rows stay in the training split.',
        default: 0.1,
        greaterThan: 0,
        max: 0.5,
      },
      test_fraction: {
        type: 'NUMBER_DOUBLE',
        description: 'Fraction of the data, at its end, held out as the test split when no separate test file is given.',
        default: 0.2,
        greaterThan: 0,
        max: 0.5,
      },
      sample_train_rows: {
        type: 'NUMBER_INTEGER',
        description: 'Keep only this many rows of the training file (0 = all); see `sample_strategy`.',
        default: 0,
        min: 0,
      },
      sample_test_rows: {
        type: 'NUMBER_INTEGER',
        description: 'Keep only this many rows of the test file (0 = all).',
        default: 0,
        min: 0,
      },
      sample_strategy: {
        type: 'STRING',
        description: 'Which rows sampling keeps: the first ("head") or the last ("tail"). Never random rows of a time series.',
        default: 'head',
        enum: ['head', 'tail'],
      },
      hash_salt: { type: 'STRING', description: 'Extra text mixed into the config hash (upstream EXTRA_HASH_SALT).', default: '' },
      invalid_values: {
        type: 'STRING',
        description:
          'What an infinite value, or one beyond `value_bound` in magnitude, in the target or a feature does: "error" stops with the column, row and file; "gap" treats it as missing, so imputation fills it.',
        default: 'error',
        enum: ['error', 'gap'],
      },
      value_bound: {
        type: 'NUMBER_DOUBLE',
        description: 'Largest magnitude a target or feature value may have (see `invalid_values`).',
        default: 1e15,
        greaterThan: 0,
      },
      identifier: lineageParameters.identifier,
      data_location: {
        type: 'STRING',
        description:
          'Where the processed data goes: "artifact" writes Parquet at the KFP artifact paths; "claim-check" stores it in object storage under `claim_check_bucket` and the artifacts carry the pointer.',
        default: 'artifact',
        enum: ['artifact', 'claim-check'],
      },
      claim_check_bucket: {
        type: 'STRING',
        description: 'Where claim-check mode stores the data: a bucket name (the S3/MinIO bucket when MINIO_ENDPOINT / AWS_* are set, otherwise a directory of that name under FLTS_LOCAL_STORE, default ./object-store) or an s3:// / minio:// / local URI prefix.',
        default: 'processed-data',
      },
    },
  },
  outputs: {
    artifacts: {
      training_data: { type: 'system.Dataset', description: 'Training split, scaled, as Parquet (time column first, then target, then features).' },
      validation_data: { type: 'system.Dataset', description: 'Validation split: the tail of the training period, scaled with the training scaler.' },
      inference_data: { type: 'system.Dataset', description: 'Held-out test split, scaled with the training scaler.' },
      scaler: { type: 'system.Artifact', description: 'The fitted scaler as JSON: method and per-column parameters, ordered feature list, target.' },
      report: { type: 'system.HTML', description: 'Summary: rows per split, gaps found and filled, per-column statistics, a plot of the target.' },
    },
    parameters: {
      config_hash: { type: 'STRING', description: 'sha256 of the canonical preprocessing config, computed exactly as upstream FLTS.' },
      config_json: { type: 'STRING', description: 'The canonical config JSON that was hashed.' },
      data_digest: { type: 'STRING', description: 'sha256 of the raw input bytes (train file, then test file): changes whenever the data does.' },
    },
  },
});
