/**
 * The trainers, eval and inference bundles end to end on the built-in synthetic data (a sample of it to keep the
 * run short), tracked three ways: offline mlruns read back by Python MLflow, a real MLflow server with proxied
 * artifacts, and a real MLflow server whose artifacts go straight to a real MinIO with the claim check on.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inferenceSpec } from '../../components/inference/spec.js';
import { openTracking } from '../../shared/tracking/index.js';
import { artifactOf, runLocally, tempDir, type LocalRunResult } from '../helpers/component.js';
import { pythonJson } from '../helpers/python.js';
import { runPipeline, type PipelineRun } from '../helpers/pipeline.js';
import { startMinio, type MinioServer } from '../services/minio.js';
import { startMlflow, type MlflowServer } from '../services/mlflow.js';

describe('the pipeline with offline tracking (./mlruns)', () => {
  let run: PipelineRun;
  let mlruns: string;
  before(async () => {
    mlruns = join(await tempDir(), 'mlruns');
    run = await runPipeline({ mlflow_tracking_uri: mlruns }, { FLTS_LOCAL_STORE: join(mlruns, '..', 'store') });
  });

  it('gives every trainer the same held-out targets, with metrics, baselines and lineage in its model metadata', () => {
    const metadata = [run.gru, run.lstm, run.prophet].map((r) => artifactOf(r, 'model').metadata!);
    assert.deepEqual(metadata.map((m) => m['model_type']), ['gru', 'lstm', 'prophet']);
    assert.equal(new Set(metadata.map((m) => m['targets'])).size, 1);
    assert.equal(new Set(metadata.map((m) => m['persistence_rmse'])).size, 1, 'the same baseline for all: the same targets');
    for (const m of metadata) {
      assert.equal(m['config_hash'], run.prep.output!.parameterValues!['config_hash']);
      assert.equal(m['model_uri'], `runs:/${m['run_id']}/model`);
      for (const key of ['test_rmse', 'test_mae', 'test_mse', 'test_rmse_original', 'persistence_rmse', 'skill_vs_persistence']) {
        assert.equal(typeof m[key], 'number', key);
      }
    }
  });

  it('logs runs that Python MLflow reads: params, per-epoch metric history, held-out metrics and the model', async () => {
    const runId = run.gru.output!.parameterValues!['run_id'] as string;
    const seen = await pythonJson<{ status: string; params: Record<string, string>; history: number[]; metrics: string[]; files: string[]; tags: Record<string, string> }>(
      `
import json, mlflow
from mlflow.tracking import MlflowClient
mlflow.set_tracking_uri(${JSON.stringify(`file://${mlruns}`)})
c = MlflowClient()
r = c.get_run(${JSON.stringify(runId)})
files = [f.path for f in c.list_artifacts(${JSON.stringify(runId)}, 'model')]
print(json.dumps({'status': r.info.status, 'params': r.data.params, 'tags': r.data.tags,
  'history': [m.step for m in c.get_metric_history(${JSON.stringify(runId)}, 'val_loss')],
  'metrics': sorted(r.data.metrics), 'files': sorted(files)}))`,
      { env: { MLFLOW_ALLOW_FILE_STORE: 'true' } },
    );
    assert.equal(seen.status, 'FINISHED');
    assert.equal(seen.params['hidden_size'], '8');
    assert.equal(seen.params['config_hash'], run.prep.output!.parameterValues!['config_hash']);
    assert.deepEqual(seen.history, [1, 2]);
    for (const key of ['test_rmse', 'test_rmse_original', 'persistence_rmse', 'skill_vs_persistence', 'best_epoch']) assert.ok(seen.metrics.includes(key), key);
    assert.deepEqual(seen.files, ['model/MLmodel', 'model/manifest.json', 'model/model.json', 'model/weights.bin']);
    assert.equal(seen.tags['mlflow.runName'], 'GRU');
    assert.equal(seen.tags['flts.config_hash'], run.prep.output!.parameterValues!['config_hash']);
  });

  it('promotes the lowest composite score and points the registry alias at it', async () => {
    const record = JSON.parse(await readFile(artifactOf(run.selection, 'promotion_metadata').uri, 'utf8'));
    const scores = record.candidates.map((c: { score: number }) => c.score);
    assert.deepEqual(scores, [...scores].sort((a: number, b: number) => a - b));
    assert.equal(record.model_type, record.candidates[0].model_type);
    assert.equal(run.selection.output!.parameterValues!['selected_model_type'], record.model_type);
    const tracker = await openTracking({ trackingUri: mlruns, experiment: 'flts-eval' });
    const version = await tracker.getModelVersionByAlias('flts-forecaster', 'champion');
    assert.equal(version.runId, record.run_id);
    const promoted = await tracker.getRun(record.run_id);
    assert.equal(promoted.tags['promoted'], 'true');
  });

  it('writes upstream-style promotion records to the (local) promotion bucket', async () => {
    const store = join(mlruns, '..', 'store', 'model-promotion');
    const current = JSON.parse(await readFile(join(store, 'current.json'), 'utf8'));
    assert.equal(current.run_id, run.selection.output!.parameterValues!['selected_run_id']);
  });

  it('runs inference with the selected model: a scored backtest and a forecast past the data, in original units', async () => {
    const metrics = artifactOf(run.inference, 'metrics').metadata!;
    assert.equal(metrics['future_steps'], 10);
    assert.ok((metrics['backtest_rmse_original'] as number) > 0);
    const predictions = await pythonJson<{ rows: number; future: number; dtypes: Record<string, string>; last_future_step: number }>(`
import json, pandas as pd
df = pd.read_parquet(${JSON.stringify(artifactOf(run.inference, 'predictions').uri)})
f = df[df.is_future]
print(json.dumps({'rows': len(df), 'future': len(f), 'dtypes': {c: str(t) for c, t in df.dtypes.items()}, 'last_future_step': int(f.step.max())}))`);
    assert.equal(predictions.future, 10);
    assert.equal(predictions.last_future_step, 10);
    // Every column the spec documents, with the documented type.
    assert.deepEqual(predictions.dtypes, {
      time: 'datetime64[ms, UTC]',
      origin_time: 'datetime64[ms, UTC]',
      step: 'int32',
      forecast: 'float64',
      lower: 'float64',
      upper: 'float64',
      actual: 'float64',
      error: 'float64',
      is_future: 'bool',
    });
    assert.equal(predictions.rows, metrics['rows_predicted']);
  });

  it('gives every model an interval around its forecasts, backtest and future: Prophet its own, the networks a calibrated one', async () => {
    const inferWith = async (model: LocalRunResult) => {
      const result = await runLocally(inferenceSpec, join(await tempDir(), 'inference'), { mlflow_tracking_uri: mlruns, inference_length: 10 }, {
        inference_data: artifactOf(run.prep, 'inference_data'),
        selected_model: artifactOf(model, 'model'),
      }, { FLTS_LOCAL_STORE: join(mlruns, '..', 'store') });
      assert.equal(result.code, 0, result.stderr);
      const intervals = await pythonJson<{ inside: number; finite: number; future: number; rows: number }>(`
import json, pandas as pd
df = pd.read_parquet(${JSON.stringify(artifactOf(result, 'predictions').uri)})
ok = df.lower.notna() & df.upper.notna()
print(json.dumps({'finite': int(ok.sum()), 'future': int((ok & df.is_future).sum()), 'rows': len(df), 'inside': int(((df.lower <= df.forecast) & (df.forecast <= df.upper))[ok].sum())}))`);
      return { ...intervals, metrics: artifactOf(result, 'metrics').metadata! };
    };
    for (const trained of [run.prophet, run.gru, run.lstm]) {
      const { rows, finite, inside, future, metrics } = await inferWith(trained);
      assert.ok(rows > 0);
      assert.equal(finite, rows, 'an interval on every row');
      assert.equal(inside, rows, 'around the forecast');
      assert.equal(future, 10, 'on every future step');
      assert.ok((metrics['backtest_coverage'] as number) > 0 && (metrics['backtest_coverage'] as number) <= 1, 'coverage is reported');
    }
    const gruMetadata = artifactOf(run.gru, 'model').metadata!;
    for (const key of ['test_coverage', 'test_winkler', 'test_coverage_step1', 'test_coverage_step3']) assert.equal(typeof gruMetadata[key], 'number', key);
  });

  it('predicts the same numbers when the model is loaded again in a fresh process', async () => {
    const again = await runLocally(inferenceSpec, join(await tempDir(), 'inference'), { mlflow_tracking_uri: mlruns, inference_length: 10 }, {
      inference_data: artifactOf(run.prep, 'inference_data'),
      selected_model: artifactOf(run.selection, 'selected_model'),
    }, { FLTS_LOCAL_STORE: join(mlruns, '..', 'store') });
    assert.equal(again.code, 0, again.stderr);
    const read = (uri: string) => pythonJson<number[]>(`import json, pandas as pd; print(json.dumps(pd.read_parquet(${JSON.stringify(uri)}).forecast.tolist()))`);
    assert.deepEqual(await read(artifactOf(again, 'predictions').uri), await read(artifactOf(run.inference, 'predictions').uri));
  });
});

describe('the pipeline against a real MLflow server with proxied artifacts', () => {
  let mlflow: MlflowServer;
  before(async () => {
    mlflow = await startMlflow({ artifacts: 'proxy' });
  });
  after(async () => mlflow?.stop());

  it('tracks every step on the server and registers the winner', async () => {
    const run = await runPipeline({ mlflow_tracking_uri: mlflow.url }, { FLTS_LOCAL_STORE: join(await tempDir(), 'store') });
    const tracker = await openTracking({ trackingUri: mlflow.url, experiment: 'flts-gru' });
    const gruRun = await tracker.getRun(run.gru.output!.parameterValues!['run_id'] as string);
    assert.equal(gruRun.info.status, 'FINISHED');
    assert.match(gruRun.info.artifactUri, /^mlflow-artifacts:/);
    const files = (await tracker.listArtifacts(gruRun.info.runId, 'model')).map((f) => f.path).sort();
    assert.deepEqual(files, ['model/MLmodel', 'model/manifest.json', 'model/model.json', 'model/weights.bin']);
    const version = await tracker.getModelVersionByAlias('flts-forecaster', 'champion');
    assert.equal(version.runId, run.selection.output!.parameterValues!['selected_run_id']);
    const local = await tracker.downloadArtifacts('models:/flts-forecaster@champion', join(await tempDir(), 'champion'));
    assert.ok((await readFile(join(local, 'manifest.json'), 'utf8')).includes('"configHash"'));
  });
});

describe('the pipeline with the claim check on MinIO and MLflow artifacts in S3', () => {
  let minio: MinioServer;
  let mlflow: MlflowServer;
  before(async () => {
    minio = await startMinio();
    mlflow = await startMlflow({ artifacts: 's3', minio });
  });
  after(async () => {
    await mlflow?.stop();
    await minio?.stop();
  });

  it('keeps data and artifacts in the buckets and still runs end to end', async () => {
    const env = { ...minio.env, ...mlflow.env };
    const run = await runPipeline({ mlflow_tracking_uri: mlflow.url, identifier: 'elborn' }, env, { data_location: 'claim-check', identifier: 'elborn' });
    assert.match(artifactOf(run.prep, 'training_data').metadata!['claim_check_uri'] as string, /^s3:\/\/processed-data\/elborn\//);
    const tracker = await openTracking({ trackingUri: mlflow.url, experiment: 'flts-lstm', env });
    const lstmRun = await tracker.getRun(run.lstm.output!.parameterValues!['run_id'] as string);
    assert.match(lstmRun.info.artifactUri, /^s3:\/\/mlflow\//);
    const { createStore } = await import('../../shared/store/index.js');
    const store = createStore({ env });
    const promotions = await store.list('s3://model-promotion/elborn/');
    assert.ok(promotions.some((object) => object.uri.endsWith('/current.json')));
    const logs = await store.list('s3://inference-logs/elborn/');
    assert.equal(logs.length, 1);
  });
});
