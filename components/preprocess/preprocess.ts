/**
 * The preprocess component's body: parameters → config → the shared pipeline → Parquet datasets (at the
 * artifact paths, or checked in to a bucket with a pointer at the artifact path), the scaler, a report, and
 * the lineage parameters.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidParameterError } from '../../shared/errors.js';
import type { Executor } from '../../shared/kfp/executor.js';
import { camelOptions } from '../../shared/kfp/parameters.js';
import { Logger } from '../../shared/log.js';
import { hashConfig, type PreprocessConfig } from '../../shared/preprocess/config.js';
import { checkMemory } from '../../shared/preprocess/memory.js';
import { preprocessTables, type PreprocessResult, type SplitName } from '../../shared/preprocess/pipeline.js';
import { scaledRows } from '../../shared/series/scaler.js';
import { taskParameters } from '../../shared/series/task-parameters.js';
import { bucketUri, checkIn, claimCheckMetadata, defaultObjectStore, filesSha256 } from '../../shared/store/index.js';
import { claimCheckKey } from '../../shared/store/keys.js';
import { checkValues } from './values.js';
import { DATASET_FORMAT, writeDataset, type DatasetInfo } from '../../shared/table/dataset.js';
import { writeParquetFiles } from '../../shared/table/parquet.js';
import { tableShape, type TableShape } from '../../shared/table/read-table.js';
import { loadRawInput } from './inputs.js';
import { preprocessReport } from './report.js';
import type { preprocessSpec } from './spec.js';

const OUTPUTS: Record<SplitName, 'training_data' | 'validation_data' | 'inference_data'> = {
  train: 'training_data',
  validation: 'validation_data',
  test: 'inference_data',
};

/** The parameters that are preprocessing settings, as PreprocessConfig names them in camelCase (with the file names and feature list). */
const CONFIG_PARAMETERS = [
  'time_column',
  'target_column',
  'frequency',
  'imputation',
  'outlier_method',
  'outlier_factor',
  'time_features',
  'lags',
  'lag_step',
  'scaler',
  'validation_fraction',
  'test_fraction',
  'sample_train_rows',
  'sample_test_rows',
  'sample_strategy',
  'hash_salt',
] as const;

export async function runPreprocess(executor: Executor<typeof preprocessSpec>): Promise<void> {
  const p = executor.parameters;
  const log = new Logger('preprocess');
  const featureColumns = checkFeatureColumns(p.feature_columns);

  // How CSV input is read: the dialect, and the time column parsed as it is read (in `time_format`). Each file
  // is measured before it is read, and refused when the files so far would not fit in memory; Polars reads a plain
  // CSV only where its own copy of the data fits too.
  const csv = { delimiter: p.csv_delimiter, decimal: p.decimal, timeColumn: p.time_column, timeFormat: p.time_format };
  const shapes: (TableShape & { source: string })[] = [];
  const check = async (path: string, source: string) => {
    shapes.push({ ...(await tableShape(path, source, csv)), source });
    return checkMemory(shapes, { timeFeatures: p.time_features, lags: p.lags });
  };
  const train = await loadRawInput(executor.inputArtifact('raw_data'), p.data_uri, { artifact: 'raw_data', parameter: 'data_uri' }, log, { csv, check });
  if (!train) throw new InvalidParameterError('No raw data: give the "raw_data" input artifact or the "data_uri" parameter.');
  const test = await loadRawInput(executor.inputArtifact('raw_test_data'), p.test_data_uri, { artifact: 'raw_test_data', parameter: 'test_data_uri' }, log, { csv, check });
  const rules = { mode: p.invalid_values, bound: p.value_bound, timeColumn: p.time_column };
  for (const input of [train, test]) if (input) checkValues(input.table, input.source, rules, log);

  const config: PreprocessConfig = {
    ...camelOptions(p, CONFIG_PARAMETERS),
    trainFile: train.fileName,
    testFile: test?.fileName ?? '',
    featureColumns,
  };
  if (p.outlier_method === 'percentile' && p.outlier_factor >= 0.5) {
    throw new InvalidParameterError(`Parameter "outlier_factor" must be < 0.5 for "percentile" clipping (it is the lower quantile); got ${p.outlier_factor}.`);
  }
  const { json: configJson, hash: configHash } = hashConfig(config);
  const dataDigest = await filesSha256(test ? [train.path, test.path] : [train.path]);

  const started = performance.now();
  const result = preprocessTables(
    { train: { table: train.table, source: train.source }, test: test && { table: test.table, source: test.source }, handOver: true },
    { ...config, maxGapSteps: p.max_gap_steps, timeFormat: p.time_format },
  );
  const shortHeldOut = shortHeldOutWarning(result);
  if (shortHeldOut) result.summary.warnings.push(shortHeldOut);
  for (const warning of result.summary.warnings) log.warn(warning);
  const rows = result.summary.rows;
  log.info('preprocessed', {
    rows_in: train.table.rows + (test?.table.rows ?? 0),
    train: rows.train,
    validation: rows.validation,
    test: rows.test,
    frequency: result.frequency,
    ms: Math.round(performance.now() - started),
    config_hash: configHash.slice(0, 12),
  });

  const context = { configJson, configHash, dataDigest, identifier: p.identifier, claimCheck: p.data_location === 'claim-check', bucket: p.claim_check_bucket };
  await writeParquetFiles((['train', 'validation', 'test'] as const).map((split) => () => writeSplit(executor, result, split, context)));

  const scaler = { format: 'flts-scaler/1', target: result.target, features: result.columns, ...result.scaler };
  await writeFile(executor.outputArtifact('scaler').path, `${JSON.stringify(scaler, null, 2)}\n`);
  executor.setMetadata('scaler', { method: result.scaler.method, target: result.target, columns: result.columns, config_hash: configHash });
  await writeFile(executor.outputArtifact('report').path, await preprocessReport(result, { configHash, dataDigest, config: configJson }));
  executor.setMetadata('report', { warnings: result.summary.warnings.length });

  executor.setOutput('config_hash', configHash);
  executor.setOutput('config_json', configJson);
  executor.setOutput('data_digest', dataDigest);
}

interface SplitContext {
  configJson: string;
  configHash: string;
  dataDigest: string;
  identifier: string;
  claimCheck: boolean;
  bucket: string;
}

async function writeSplit(executor: Executor<typeof preprocessSpec>, result: PreprocessResult, split: SplitName, context: SplitContext): Promise<void> {
  const name = OUTPUTS[split];
  const frame = result.unscaled[split];
  const info: DatasetInfo = {
    format: DATASET_FORMAT,
    split,
    target: result.target,
    columns: result.columns,
    frequency: result.frequency,
    frequencyMs: result.frequencyMs,
    scaler: result.scaler,
    configHash: context.configHash,
    dataDigest: context.dataDigest,
    identifier: context.identifier,
  };
  const output = executor.outputArtifact(name);
  const metadata: Record<string, unknown> = {
    split,
    rows: frame.time.length,
    columns: ['time', ...result.columns],
    start: result.summary.timeRange[split][0],
    end: result.summary.timeRange[split][1],
    frequency: result.frequency,
    target: result.target,
    config_hash: context.configHash,
    data_digest: context.dataDigest,
    warnings: result.summary.warnings,
  };
  const dataset = { frame: scaledRows(result.scaler, frame), info, config: context.configJson };
  if (context.claimCheck) {
    // The data goes to the bucket; the artifact carries the pointer (metadata) and a small JSON copy of it.
    const local = join(await mkdtemp(join(tmpdir(), 'flts-claim-')), `${name}.parquet`);
    await writeDataset(local, dataset);
    const pointer = await checkIn(local, bucketUri(context.bucket), claimCheckKey(context.identifier, context.configHash, context.dataDigest, name), {
      // A run that fails after this upload removes the object again (only if it is new: see checkIn).
      created: (uri) => executor.onDiscard(() => defaultObjectStore().remove(uri)),
    });
    await writeFile(output.path, `${JSON.stringify({ claim_check: pointer }, null, 2)}\n`);
    Object.assign(metadata, claimCheckMetadata(pointer), { bytes: pointer.size });
  } else {
    metadata['bytes'] = await writeDataset(output.path, dataset);
  }
  executor.setMetadata(name, metadata);
}

/**
 * A warning when the test split is too short for the trainers' default window to score one origin there: the
 * evaluation protocol (shared/series/evaluation.ts) needs `horizon` held-out rows, plus `input_length` rows of
 * contiguous history, which come from the validation split when the test split follows it without a break.
 */
function shortHeldOutWarning(result: PreprocessResult): string | undefined {
  const { test, validation, train } = result.unscaled;
  const before = validation.time.length > 0 ? validation : train;
  const contiguous = before.time.length > 0 && test.time.length > 0 && test.time[0]! - before.time[before.time.length - 1]! === result.frequencyMs;
  const inputLength = taskParameters.input_length.default;
  const horizon = taskParameters.horizon.default;
  const needed = contiguous ? horizon : inputLength + horizon;
  const rows = test.time.length;
  if (rows >= needed) return undefined;
  const why = contiguous
    ? `the trainers' default horizon (${horizon})`
    : `the trainers' default input_length + horizon (${inputLength} + ${horizon}; the test split does not follow the earlier data without a break, so its windows lie wholly in it)`;
  return `The test split has ${rows} row(s), fewer than ${why}: trainers at those settings find no held-out origin to score; lower their "horizon"/"input_length" or keep more held-out rows ("sample_test_rows", "test_fraction").`;
}

function checkFeatureColumns(value: unknown[]): string[] {
  const bad = value.findIndex((item) => typeof item !== 'string' || item === '');
  if (bad >= 0) throw new InvalidParameterError(`Parameter "feature_columns" must list column names; item ${bad} is ${JSON.stringify(value[bad])}.`);
  return value as string[];
}
