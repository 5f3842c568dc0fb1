/**
 * The preprocessing configuration and its lineage hash. The canonical config has upstream FLTS's shape
 * (reference/upstream-flts.md §2.3), so a configuration that upstream could express hashes to the same value
 * there and here; settings upstream does not have add keys only when they change the data.
 *
 * What the hash covers: the data file names and sampling (`_data`), missing-value handling, outlier
 * clipping, time features, lags, scaling, the salt, and — only when they differ from upstream's behaviour —
 * the imputation method, the columns used, an explicit frequency and the validation/test split. What it
 * does not cover: the identifier, where outputs are stored, the gap-report limit, and the data's bytes
 * (those are in the separate `data_digest`, so changed data is visible even under the same config hash).
 */
import { canonicalJson, configHash, PyFloat, type PyValue } from './canonical-json.js';

/**
 * Upstream FLTS's column names, the defaults of preprocess's `time_column` and `target_column`: the config hash
 * records a column only when it differs from these, as upstream's does.
 */
export const DEFAULT_COLUMNS = { time: 'time', target: 'down' } as const;

export type Imputation = 'time' | 'mean' | 'ffill' | 'drop';
export type OutlierMethod = 'none' | 'iqr' | 'percentile';
export type ScalerName = 'minmax' | 'standard' | 'robust' | 'none';

/** Everything that decides what preprocess produces, as validated parameters. */
export interface PreprocessConfig {
  /** Base names of the input files, as upstream's `train_file` / `test_file` ("" when there is no test file). */
  trainFile: string;
  testFile: string;
  timeColumn: string;
  targetColumn: string;
  /** Empty: every numeric column. */
  featureColumns: string[];
  /** Empty: inferred. */
  frequency: string;
  imputation: Imputation;
  outlierMethod: OutlierMethod;
  outlierFactor: number;
  timeFeatures: boolean;
  lags: number;
  lagStep: number;
  scaler: ScalerName;
  validationFraction: number;
  testFraction: number;
  sampleTrainRows: number;
  sampleTestRows: number;
  sampleStrategy: 'head' | 'tail';
  hashSalt: string;
}

/** Upstream's scaler names (scikit-learn classes); "" meant no scaling. */
const UPSTREAM_SCALER: Record<ScalerName, string> = {
  minmax: 'MinMaxScaler',
  standard: 'StandardScaler',
  robust: 'RobustScaler',
  none: '',
};

/** Upstream's fixed missing-value settings: a one-column KNNImputer, which amounts to the split's mean. */
const UPSTREAM_NANS = { drop_rows: false, enabled: true, knn_neighbors: 2, threshold: new PyFloat(0.33) };

/** The canonical config object in upstream's shape, plus the extension keys this config needs. */
export function canonicalConfig(config: PreprocessConfig): { [key: string]: PyValue } {
  const handleNans: { [key: string]: PyValue } = { ...UPSTREAM_NANS };
  // Porting note: upstream only had (per-split) mean imputation; any other method is recorded beside it.
  if (config.imputation !== 'mean') handleNans['method'] = config.imputation;

  const canonical: { [key: string]: PyValue } = {
    _data: {
      sample_strategy: config.sampleStrategy,
      sample_test_rows: config.sampleTestRows,
      sample_train_rows: config.sampleTrainRows,
      test_file: config.testFile,
      train_file: config.trainFile,
    },
    extra: { hash_salt: config.hashSalt },
    handle_nans: handleNans,
    lags: { enabled: config.lags > 0, n_lags: config.lags, step: config.lagStep },
    outliers: {
      enabled: config.outlierMethod !== 'none',
      factor: new PyFloat(config.outlierFactor),
      method: config.outlierMethod === 'none' ? 'iqr' : config.outlierMethod,
    },
    scaling: { add_constant: null, method: UPSTREAM_SCALER[config.scaler] },
    time_features: { enabled: config.timeFeatures },
  };

  const columns: { [key: string]: PyValue } = {};
  if (config.timeColumn !== DEFAULT_COLUMNS.time) columns['time'] = config.timeColumn;
  if (config.targetColumn !== DEFAULT_COLUMNS.target) columns['target'] = config.targetColumn;
  if (config.featureColumns.length > 0) columns['features'] = [...config.featureColumns];
  if (Object.keys(columns).length > 0) canonical['columns'] = columns;
  if (config.frequency) canonical['frequency'] = config.frequency;

  const split: { [key: string]: PyValue } = {};
  if (config.validationFraction > 0) split['validation_fraction'] = new PyFloat(config.validationFraction);
  if (!config.testFile) split['test_fraction'] = new PyFloat(config.testFraction);
  if (Object.keys(split).length > 0) canonical['split'] = split;
  return canonical;
}

/** The canonical JSON text and its sha256, exactly as upstream computes them. */
export function hashConfig(config: PreprocessConfig): { json: string; hash: string } {
  const json = canonicalJson(canonicalConfig(config));
  return { json, hash: configHash(json) };
}
