/**
 * train-prophet with an extra regressor and a holidays table, through the built component on the built-in
 * synthetic data (a sample): the saved model, read back by Python Prophet's own `model_from_json`, carries the
 * regressor (standardised on the training history as Prophet does) and the holidays with their fitted
 * effects; the manifest lists the regressor; the MLflow run records both as parameters.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { inferenceSpec } from '../../components/inference/spec.js';
import { preprocessSpec } from '../../components/preprocess/spec.js';
import { trainProphetSpec } from '../../components/train-prophet/spec.js';
import { readDataset } from '../../shared/table/dataset.js';
import { artifactOf, runLocally, tempDir, type LocalRunResult } from '../helpers/component.js';
import { pythonJson } from '../helpers/python.js';
import { sampleData } from '../helpers/sample-data.js';

const sample = await sampleData();
const REGRESSOR = 'up';

/** What Python Prophet sees in our saved prophet.json. */
interface LoadedByProphet {
  extra_regressors: Record<string, { prior_scale: number; mu: number; std: number; standardize: string | boolean; mode: string }>;
  train_holiday_names: string[];
  holidays: { holiday: string; ds: string; lower_window: number; upper_window: number; prior_scale: number }[];
  /** The fitted coefficients of the columns of each component (holiday names, the regressor). */
  beta: Record<string, number[]>;
}

interface TrackedRun {
  status: string;
  params: Record<string, string>;
  artifacts: string[];
}

/** The UTC calendar day of epoch milliseconds `ms`, as YYYY-MM-DD. */
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('train-prophet with an extra regressor and a holidays table', () => {
  let run: LocalRunResult;
  let modelDir: string;
  let stderr: string;
  let mlruns: string;
  let holidaysPath: string;
  let history: Float64Array;
  let target: string;
  /** A day inside the fitted history (its first day) and one inside the held-out period. */
  let inHistory: string;
  let heldOut: string;

  before(async () => {
    const root = await tempDir('flts-prophet-');
    const prep = await runLocally(preprocessSpec, join(root, 'prep'), {
      data_uri: sample.train,
      test_data_uri: sample.test,
      sample_train_rows: 1500,
      sample_test_rows: 200,
    });
    assert.equal(prep.code, 0, prep.stderr);
    const splits = {
      training_data: artifactOf(prep, 'training_data'),
      validation_data: artifactOf(prep, 'validation_data'),
      inference_data: artifactOf(prep, 'inference_data'),
    };
    const train = await readDataset(splits.training_data.uri, 'training_data');
    const validation = await readDataset(splits.validation_data.uri, 'validation_data');
    const test = await readDataset(splits.inference_data.uri, 'inference_data');
    target = train.info.target;
    // Prophet fits on the training and validation periods together (it has no early stopping).
    history = Float64Array.from([...train.frame.columns[REGRESSOR]!, ...validation.frame.columns[REGRESSOR]!]);
    inHistory = day(train.frame.time[0]!);
    heldOut = day(test.frame.time[0]!);
    assert.notEqual(day(validation.frame.time.at(-1)!), inHistory, 'the history runs past its first day, so the holiday covers only part of it');

    holidaysPath = join(root, 'holidays.csv');
    await writeFile(holidaysPath, `holiday,ds,lower_window,upper_window,prior_scale\nfirst_day,${inHistory},0,0,10\nheld_out_day,${heldOut},-1,0,5\n`);
    mlruns = join(root, 'mlruns');
    run = await runLocally(
      trainProphetSpec,
      join(root, 'task'),
      { input_length: 12, horizon: 3, uncertainty_samples: 0, regressors: [REGRESSOR], holidays_uri: holidaysPath, mlflow_tracking_uri: mlruns },
      splits,
    );
    assert.equal(run.code, 0, run.stderr);
    stderr = run.stderr;
    modelDir = artifactOf(run, 'model').uri;
  });

  it('warns that an observed regressor is scored with its actual future values', () => {
    assert.match(stderr, new RegExp(`WARNING regressor\\(s\\) ${REGRESSOR} are observed, not calendar features`));
  });

  /** Our prophet.json as Python Prophet loads it. */
  const loadedByProphet = () =>
    pythonJson<LoadedByProphet>(`
import json
from prophet.serialize import model_from_json
m = model_from_json(open(${JSON.stringify(join(modelDir, 'prophet.json'))}).read())
holidays = m.holidays.assign(ds=m.holidays['ds'].dt.strftime('%Y-%m-%d'))
beta = m.params['beta'][0]
cols = m.train_component_cols
print(json.dumps({
    'extra_regressors': {name: dict(props) for name, props in m.extra_regressors.items()},
    'train_holiday_names': [str(n) for n in m.train_holiday_names],
    'holidays': holidays.to_dict('records'),
    'beta': {c: [float(b) for b, on in zip(beta, cols[c]) if on] for c in cols.columns},
}))
`);

  it('saves a model in which Python Prophet finds the regressor, standardised on the training history', async () => {
    const loaded = await loadedByProphet();
    const n = history.length;
    const mu = history.reduce((sum, v) => sum + v, 0) / n;
    const std = Math.sqrt(history.reduce((sum, v) => sum + (v - mu) ** 2, 0) / (n - 1));
    assert.deepEqual(Object.keys(loaded.extra_regressors), [REGRESSOR]);
    const up = loaded.extra_regressors[REGRESSOR]!;
    assert.deepEqual({ prior_scale: up.prior_scale, standardize: up.standardize, mode: up.mode }, { prior_scale: 10, standardize: 'auto', mode: 'additive' });
    assert.ok(Math.abs(up.mu - mu) <= 1e-12 * Math.abs(mu), `mu ${up.mu}, the history's mean ${mu}`);
    assert.ok(Math.abs(up.std - std) <= 1e-12 * std, `std ${up.std}, the history's sample std ${std}`);
    assert.equal(loaded.beta[REGRESSOR]!.length, 1, 'one column for the regressor');
    assert.notEqual(loaded.beta[REGRESSOR]![0], 0, 'a fitted coefficient for the regressor');
  });

  it('saves the holidays table, all its holiday names, and an effect fitted only where the holiday falls in the history', async () => {
    const loaded = await loadedByProphet();
    assert.deepEqual(loaded.holidays, [
      { holiday: 'first_day', ds: inHistory, lower_window: 0, upper_window: 0, prior_scale: 10 },
      { holiday: 'held_out_day', ds: heldOut, lower_window: -1, upper_window: 0, prior_scale: 5 },
    ]);
    assert.deepEqual(loaded.train_holiday_names, ['first_day', 'held_out_day']);
    assert.equal(loaded.beta['first_day']!.length, 1, 'window 0..0: one column');
    assert.notEqual(loaded.beta['first_day']![0], 0, 'the holiday inside the history has an effect');
    // Two columns (offsets -1 and 0) that are zero all through the history: the prior keeps them at 0.
    assert.deepEqual(loaded.beta['held_out_day'], [0, 0]);
  });

  it("lists the regressor after the target in the model's preprocessing manifest", async () => {
    const manifest = JSON.parse(await readFile(join(modelDir, 'manifest.json'), 'utf8')) as { target: string; features: string[] };
    assert.deepEqual({ target: manifest.target, features: manifest.features }, { target, features: [target, REGRESSOR] });
  });

  it('records the regressor and the holidays table as parameters of a FINISHED MLflow run that holds the model', async () => {
    const runId = run.output!.parameterValues!['run_id'] as string;
    const tracked = await pythonJson<TrackedRun>(
      `
import json, mlflow
from mlflow import MlflowClient
client = MlflowClient(${JSON.stringify(`file://${mlruns}`)})
run = client.get_run(${JSON.stringify(runId)})
print(json.dumps({'status': run.info.status, 'params': run.data.params,
                  'artifacts': [a.path for a in client.list_artifacts(run.info.run_id, 'model')]}))
`,
      { env: { MLFLOW_ALLOW_FILE_STORE: 'true' } },
    );
    assert.equal(tracked.status, 'FINISHED');
    assert.deepEqual(
      { regressors: tracked.params['regressors'], holidays_uri: tracked.params['holidays_uri'], holidays_prior_scale: tracked.params['holidays_prior_scale'] },
      { regressors: REGRESSOR, holidays_uri: holidaysPath, holidays_prior_scale: '10' },
    );
    assert.ok(tracked.artifacts.includes('model/prophet.json'), `logged model files: ${tracked.artifacts.join(', ')}`);
  });
});

describe('train-prophet with logistic growth, then inference past the data through the components', () => {
  it('saves cap and floor with the model, and inference forecasts beyond the horizon between them, in a fresh process', async () => {
    const root = await tempDir('flts-logistic-');
    const prep = await runLocally(preprocessSpec, join(root, 'prep'), { data_uri: sample.train, test_data_uri: sample.test, sample_train_rows: 1500, sample_test_rows: 200 });
    assert.equal(prep.code, 0, prep.stderr);
    const splits = { training_data: artifactOf(prep, 'training_data'), validation_data: artifactOf(prep, 'validation_data'), inference_data: artifactOf(prep, 'inference_data') };
    const mlruns = join(root, 'mlruns');
    const [cap, floor] = [1.1, -0.05];
    const trained = await runLocally(
      trainProphetSpec,
      join(root, 'train'),
      { input_length: 12, horizon: 3, growth: 'logistic', cap, floor, uncertainty_samples: 50, mlflow_tracking_uri: mlruns },
      splits,
    );
    assert.equal(trained.code, 0, trained.stderr);
    const manifest = JSON.parse(await readFile(join(artifactOf(trained, 'model').uri, 'manifest.json'), 'utf8')) as { constants?: Record<string, number> };
    assert.deepEqual(manifest.constants, { cap, floor });

    const inference = await runLocally(
      inferenceSpec,
      join(root, 'inference'),
      { inference_length: 10, mlflow_tracking_uri: mlruns, log_bucket: '' },
      { inference_data: splits.inference_data, selected_model: artifactOf(trained, 'model') },
    );
    assert.equal(inference.code, 0, inference.stderr);
    const predictions = await readParquetColumns(artifactOf(inference, 'predictions').uri);
    const future = predictions.filter((row) => row.is_future);
    assert.equal(future.length, 10);
    const test = await readDataset(splits.inference_data.uri, 'inference_data');
    const { center, scale } = test.info.scaler.columns[test.info.target]!;
    for (const row of future) {
      const scaled = (row.forecast - center) / scale;
      assert.ok(scaled >= floor - 1e-9 && scaled <= cap + 1e-9, `future forecast ${scaled} (scaled) within [${floor}, ${cap}]`);
      assert.ok(Number.isFinite(row.lower) && Number.isFinite(row.upper) && row.lower <= row.upper, 'an interval on every future step');
    }
  });
});

/** The predictions Parquet as rows (pandas reads it; the columns inference documents). */
async function readParquetColumns(path: string): Promise<{ forecast: number; lower: number; upper: number; is_future: boolean }[]> {
  return pythonJson(`
import json, pandas as pd
df = pd.read_parquet(${JSON.stringify(path)})
print(json.dumps(df[['forecast', 'lower', 'upper', 'is_future']].astype({'is_future': bool}).to_dict('records')))
`);
}
