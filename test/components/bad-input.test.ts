/**
 * Trainers, eval and inference on bad input: a clear one-line error naming the problem, a non-zero exit,
 * nothing written, and an MLflow run marked FAILED when one had started.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { evalSpec } from '../../components/eval/spec.js';
import { inferenceSpec } from '../../components/inference/spec.js';
import { preprocessSpec } from '../../components/preprocess/spec.js';
import { trainGruSpec } from '../../components/train-gru/spec.js';
import { trainProphetSpec } from '../../components/train-prophet/spec.js';
import { readDataset, writeDataset } from '../../shared/table/dataset.js';
import { artifactOf, runLocally, tempDir, type LocalRunResult } from '../helpers/component.js';
import { pythonJson } from '../helpers/python.js';
import { sampleData } from '../helpers/sample-data.js';

const sample = await sampleData();

async function preprocess(parameters: Record<string, unknown>): Promise<LocalRunResult> {
  const run = await runLocally(preprocessSpec, join(await tempDir(), 'prep'), { data_uri: sample.train, test_data_uri: sample.test, ...parameters } as never);
  assert.equal(run.code, 0, run.stderr);
  return run;
}

const splitsOf = (prep: LocalRunResult) => ({
  training_data: artifactOf(prep, 'training_data'),
  validation_data: artifactOf(prep, 'validation_data'),
  inference_data: artifactOf(prep, 'inference_data'),
});

/** The run's one stderr line, after asserting the exit code and that no output was left. */
async function failure(run: LocalRunResult, code: number): Promise<string> {
  assert.equal(run.code, code, run.stderr);
  const written = existsSync(run.taskRoot) ? await readdir(run.taskRoot) : [];
  assert.deepEqual(written, [], 'nothing written');
  const lines = run.stderr.trim().split('\n').filter((line) => line.startsWith('flts '));
  assert.equal(lines.length, 1, run.stderr);
  return lines[0]!;
}

/** The status of every run in experiment `experiment` of the offline store `mlruns`, as Python MLflow reads them. */
async function runStatuses(mlruns: string, experiment: string): Promise<string[]> {
  return pythonJson<string[]>(
    `import json, mlflow
mlflow.set_tracking_uri(${JSON.stringify(`file://${mlruns}`)})
print(json.dumps([r.info.status for r in mlflow.search_runs(experiment_names=[${JSON.stringify(experiment)}], output_format='list')]))`,
    { env: { MLFLOW_ALLOW_FILE_STORE: 'true' } },
  );
}

/** The trainer opens its MLflow run before it checks the data's contents, so such an error leaves exactly one run, FAILED. */
async function assertRunFailed(mlruns: string, experiment: string): Promise<void> {
  assert.deepEqual(await runStatuses(mlruns, experiment), ['FAILED'], `the MLflow run in ${mlruns}, experiment ${experiment}`);
}

describe('eval on bad input', () => {
  it('eval without any candidate model', async () => {
    const run = await runLocally(evalSpec, join(await tempDir(), 'task'), {});
    assert.equal(await failure(run, 2), 'flts eval: DataError: Eval needs at least 1 candidate model(s) (min_models); got 0: none.');
  });
});

describe('trainers on bad input', () => {
  let small: LocalRunResult;
  let full: LocalRunResult;
  before(async () => {
    small = await preprocess({ sample_train_rows: 30, sample_test_rows: 100 });
    full = await preprocess({ sample_train_rows: 600, sample_test_rows: 200 });
  });

  it('too few rows for one window plus validation: says how many are needed, and the MLflow run is FAILED', async () => {
    const mlruns = join(await tempDir(), 'mlruns');
    const [inputLength, horizon] = [30, 6];
    const trainRows = (await readDataset(artifactOf(small, 'training_data').uri, 'training_data')).frame.time.length;
    assert.ok(trainRows < inputLength + horizon, `the sample must be too short: ${trainRows} training rows`);
    const run = await runLocally(trainGruSpec, join(await tempDir(), 'task'), { input_length: inputLength, horizon, mlflow_tracking_uri: mlruns }, splitsOf(small));
    assert.equal(
      await failure(run, 2),
      `flts train-gru: DataError: Training data has ${trainRows} rows; one window needs input_length + horizon = 30 + 6 = 36 rows.`,
    );
    await assertRunFailed(mlruns, 'flts-gru');
  });

  it('a horizon below 1: exit 2 naming the parameter', async () => {
    const run = await runLocally(trainGruSpec, join(await tempDir(), 'task'), { horizon: 0 }, splitsOf(full));
    assert.equal(await failure(run, 2), 'flts train-gru: InvalidParameterError: Parameter "horizon" must be >= 1 and <= 10000; got 0.');
  });

  it('size parameters beyond their documented bounds: exit 2 naming the parameter, before any work', async () => {
    const gru = await runLocally(trainGruSpec, join(await tempDir(), 'task'), { hidden_size: 200_000 }, splitsOf(full));
    assert.equal(await failure(gru, 2), 'flts train-gru: InvalidParameterError: Parameter "hidden_size" must be >= 1 and <= 4096; got 200000.');
    const prophet = await runLocally(trainProphetSpec, join(await tempDir(), 'task'), { weekly_seasonality: '100000' }, splitsOf(full));
    assert.match(await failure(prophet, 2), /Parameter "weekly_seasonality" must be "auto", "true", "false" or a Fourier order from 1 to 100 such as "10"; got "100000"\./);
    const inference = await runLocally(inferenceSpec, join(await tempDir(), 'task'), { inference_length: 10_000_000 }, {});
    assert.match(await failure(inference, 2), /Parameter "inference_length" must be >= 0 and <= 100000; got 10000000\./);
  });

  it('an input length below 1: exit 2 naming the parameter', async () => {
    const run = await runLocally(trainGruSpec, join(await tempDir(), 'task'), { input_length: 0 }, splitsOf(full));
    assert.equal(await failure(run, 2), 'flts train-gru: InvalidParameterError: Parameter "input_length" must be >= 1 and <= 10000; got 0.');
  });

  it('non-finite values in the features: names the column and the row, and the MLflow run is FAILED', async () => {
    const dir = await tempDir();
    const train = await readDataset(artifactOf(full, 'training_data').uri, 'training_data');
    train.frame.columns['up']![5] = NaN;
    await writeDataset(join(dir, 'train.parquet'), train);
    const run = await runLocally(trainGruSpec, join(dir, 'task'), { epochs: 1, mlflow_tracking_uri: join(dir, 'mlruns') }, {
      ...splitsOf(full),
      training_data: { uri: join(dir, 'train.parquet') },
    });
    const at = new Date(train.frame.time[5]!).toISOString();
    assert.equal(await failure(run, 2), `flts train-gru: DataError: Training data: column "up" is NaN at row 5 (${at}); impute or drop it first.`);
    await assertRunFailed(join(dir, 'mlruns'), 'flts-gru');
  });

  it('the training data without the target column: exit 2 naming the column, and the MLflow run is FAILED', async () => {
    const dir = await tempDir();
    const train = await readDataset(artifactOf(full, 'training_data').uri, 'training_data');
    const target = train.info.target;
    const kept = train.info.columns.filter((name) => name !== target);
    assert.equal(kept.length, train.info.columns.length - 1, `"${target}" is a column of the training data to begin with`);
    delete train.frame.columns[target];
    train.frame.names = kept;
    train.info.columns = kept;
    await writeDataset(join(dir, 'train.parquet'), train);
    const run = await runLocally(trainGruSpec, join(dir, 'task'), { epochs: 1, mlflow_tracking_uri: join(dir, 'mlruns') }, {
      ...splitsOf(full),
      training_data: { uri: join(dir, 'train.parquet') },
    });
    assert.equal(await failure(run, 2), `flts train-gru: DataError: Training data has no target column "${target}"; columns: ${kept.join(', ')}.`);
    await assertRunFailed(join(dir, 'mlruns'), 'flts-gru');
  });

  it('splits from different preprocess runs: names both configs', async () => {
    const run = await runLocally(trainGruSpec, join(await tempDir(), 'task'), { epochs: 1 }, { ...splitsOf(full), inference_data: artifactOf(small, 'inference_data') });
    assert.match(await failure(run, 2), /^flts train-gru: DataError: Input "inference_data" comes from preprocess config [0-9a-f]{64}, "training_data" from [0-9a-f]{64}; give all three splits of one preprocess run\.$/);
  });

  it('Prophet with logistic growth and no cap: as Prophet says it', async () => {
    const run = await runLocally(trainProphetSpec, join(await tempDir(), 'task'), { growth: 'logistic' }, splitsOf(full));
    assert.match(await failure(run, 2), /Parameter "cap" is required for logistic growth/);
  });

  it('Prophet with an unknown seasonality mode or seasonality setting', async () => {
    const mode = await runLocally(trainProphetSpec, join(await tempDir(), 'task'), { seasonality_mode: 'geometric' }, splitsOf(full));
    assert.match(await failure(mode, 2), /Parameter "seasonality_mode" must be one of "additive", "multiplicative"; got "geometric"\./);
    const daily = await runLocally(trainProphetSpec, join(await tempDir(), 'task'), { daily_seasonality: 'sometimes' }, splitsOf(full));
    assert.match(await failure(daily, 2), /Parameter "daily_seasonality" must be "auto", "true", "false" or a Fourier order from 1 to 100/);
  });

  it('Prophet with a regressor the data lacks, and the MLflow run is FAILED', async () => {
    const mlruns = join(await tempDir(), 'mlruns');
    const run = await runLocally(trainProphetSpec, join(await tempDir(), 'task'), { regressors: ['wind'], mlflow_tracking_uri: mlruns }, splitsOf(full));
    assert.match(await failure(run, 2), /^flts train-prophet: DataError: Parameter "regressors" names column\(s\) the data lacks: wind; it has: down, up, /);
    await assertRunFailed(mlruns, 'flts-prophet');
  });

  it('Prophet on a constant series forecasts the constant, as Prophet does', async () => {
    const dir = await tempDir();
    const write = async (name: 'training_data' | 'validation_data' | 'inference_data') => {
      const dataset = await readDataset(artifactOf(full, name).uri, name);
      dataset.frame.columns['down']!.fill(0.25);
      await writeDataset(join(dir, `${name}.parquet`), dataset);
      return { uri: join(dir, `${name}.parquet`) };
    };
    const run = await runLocally(trainProphetSpec, join(dir, 'task'), { ...{ input_length: 12, horizon: 3 }, uncertainty_samples: 0, mlflow_tracking_uri: join(dir, 'mlruns') }, {
      training_data: await write('training_data'),
      validation_data: await write('validation_data'),
      inference_data: await write('inference_data'),
    });
    assert.equal(run.code, 0, run.stderr);
    assert.ok((artifactOf(run, 'model').metadata!['test_rmse'] as number) < 1e-9);
  });
});

describe('eval and inference on bad input', () => {
  it('eval given something that is not a trained model', async () => {
    const prep = await preprocess({ sample_train_rows: 300, sample_test_rows: 100 });
    const run = await runLocally(evalSpec, join(await tempDir(), 'task'), {}, { gru_model: artifactOf(prep, 'scaler') });
    assert.match(await failure(run, 2), /^flts eval: InvalidArtifactError: Input artifact "gru_model" is not a model from an FLTS trainer: model_type undefined/);
  });

  it("inference on data without the features the model's manifest lists", async () => {
    const prep = await preprocess({ sample_train_rows: 600, sample_test_rows: 200 });
    const dir = await tempDir();
    const gru = await runLocally(trainGruSpec, join(dir, 'gru'), { epochs: 1, hidden_size: 4, input_length: 12, horizon: 3, mlflow_tracking_uri: join(dir, 'mlruns') }, splitsOf(prep));
    assert.equal(gru.code, 0, gru.stderr);
    const narrow = await preprocess({ sample_train_rows: 600, sample_test_rows: 200, feature_columns: ['up'] });
    const run = await runLocally(inferenceSpec, join(dir, 'task'), { mlflow_tracking_uri: join(dir, 'mlruns') }, {
      inference_data: artifactOf(narrow, 'inference_data'),
      selected_model: artifactOf(gru, 'model'),
    });
    assert.match(await failure(run, 2), /^flts inference: DataError: Input "inference_data" lacks column "rnti_count" that the model was trained on; it has: down, up, min_of_day_sin/);
  });
});

describe('trainers fail before fitting when the held-out split cannot be scored, and say why', () => {
  const remedy = 'Lower "horizon" (or "input_length"), or keep more held-out rows in preprocess ("sample_test_rows", "test_fraction").';
  let shortTest: LocalRunResult;
  before(async () => {
    shortTest = await preprocess({ sample_train_rows: 300, sample_test_rows: 3 });
  });

  it('preprocess records a warning that the test split is shorter than the trainers\' default window needs', () => {
    const warnings = artifactOf(shortTest, 'inference_data').metadata!['warnings'] as string[];
    assert.ok(warnings.some((warning) => /^The test split has 3 row\(s\), fewer than the trainers' default input_length \+ horizon \(30 \+ 6;/.test(warning)), warnings.join('\n'));
  });

  for (const [spec, parameters] of [
    [trainGruSpec, { epochs: 50 }],
    [trainProphetSpec, {}],
  ] as const) {
    it(`${spec.name}: 3 held-out rows, horizon 6: names the numbers and the parameters, opens no MLflow run`, async () => {
      const dir = await tempDir();
      const run = await runLocally(spec, join(dir, 'task'), { ...parameters, input_length: 30, horizon: 6, mlflow_tracking_uri: join(dir, 'mlruns') }, splitsOf(shortTest));
      assert.equal(
        await failure(run, 2),
        `flts ${spec.name}: DataError: Input "inference_data" has 3 row(s), fewer than horizon = 6: no held-out origin can be scored, so the model is not trained. ${remedy}`,
      );
      assert.ok(!existsSync(join(dir, 'mlruns')), 'no MLflow run was opened (the check comes before tracking, and before fitting)');
    });
  }

  it('train-prophet: held-out rows that follow a break in time and are too few for one contiguous window', async () => {
    // The 20 test rows start long after the 300 training rows end, so every window must lie in them: 20 < 30 + 6.
    const prep = await preprocess({ sample_train_rows: 300, sample_test_rows: 20 });
    const dir = await tempDir();
    const run = await runLocally(trainProphetSpec, join(dir, 'task'), { input_length: 30, horizon: 6, mlflow_tracking_uri: join(dir, 'mlruns') }, splitsOf(prep));
    assert.match(
      await failure(run, 2),
      /^flts train-prophet: DataError: The held-out data has no origin to score: it has 20 rows and needs at least horizon = 6, with input_length = 30 contiguous rows before the first target \(the splits before it give 300\)\.$/,
    );
    assert.ok(!existsSync(join(dir, 'mlruns')), 'no MLflow run was opened');
  });
});

describe('trainers while the MLflow server is unreachable', () => {
  it('warn on each retry, then fail naming the server, exit 1', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const uri = `http://127.0.0.1:${port}`;
    const prep = await preprocess({ sample_train_rows: 300, sample_test_rows: 100 });
    const run = await runLocally(trainGruSpec, join(await tempDir(), 'task'), { epochs: 1, mlflow_tracking_uri: uri }, splitsOf(prep), {
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1',
      MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.01',
      MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0',
    });
    const line = await failure(run, 1);
    assert.match(run.stderr, new RegExp(`^\\[train-gru\\] WARNING MLflow GET experiments/get-by-name at ${uri} failed; retrying attempt=1 .*reason=cannot connect \\(ECONNREFUSED\\)`, 'm'));
    assert.match(line, new RegExp(`^flts train-gru: TrackingError: MLflow GET experiments/get-by-name at ${uri} failed: cannot connect \\(ECONNREFUSED\\) \\(gave up after 2 attempts in `));
  });
});
