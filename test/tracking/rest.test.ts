import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TrackingError } from '../../shared/errors.js';
import { openTracking, type TrackedRun, type Tracker } from '../../shared/tracking/index.js';
import { startMlflow, type MlflowServer } from '../services/mlflow.js';

/** A TF.js-style model directory: topology JSON and one weights shard. */
async function writeModelDir(root: string): Promise<string> {
  const dir = join(root, 'gru-model');
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'model.json'), JSON.stringify({ format: 'layers-model', weightsManifest: [{ paths: ['group1-shard1of1.bin'] }] }));
  await writeFile(join(dir, 'group1-shard1of1.bin'), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
  return dir;
}

const tfjsFlavor = { name: 'tfjs_layers', config: { format: 'layers-model', model_file: 'model.json', tfjs_version: '4.22.0' } };

describe('MLflow tracking over REST (real server, artifacts through the server)', () => {
  let mlflow: MlflowServer;
  let tracker: Tracker;
  let dir: string;
  let modelDir: string;

  before(async () => {
    mlflow = await startMlflow({ artifacts: 'proxy' });
    tracker = await openTracking({ trackingUri: mlflow.url, experiment: 'flts-rest', env: {} });
    dir = await mkdtemp(join(tmpdir(), 'flts-rest-'));
    modelDir = await writeModelDir(dir);
  });
  after(async () => {
    await mlflow?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('openTracking', () => {
    it('chooses the REST client for an http tracking URI', () => {
      assert.equal(tracker.kind, 'rest');
      assert.equal(tracker.trackingUri, mlflow.url);
    });

    it('reads MLFLOW_TRACKING_URI when no URI is given', async () => {
      const fromEnv = await openTracking({ experiment: 'flts-rest', env: { MLFLOW_TRACKING_URI: mlflow.url } });
      assert.equal(fromEnv.experimentId, tracker.experimentId);
    });

    it('creates an experiment once even when several clients race to create it', async () => {
      const trackers = await Promise.all(Array.from({ length: 5 }, () => openTracking({ trackingUri: mlflow.url, experiment: 'raced', env: {} })));
      assert.equal(new Set(trackers.map((t) => t.experimentId)).size, 1);
    });
  });

  describe('a run', () => {
    let run: TrackedRun;
    before(async () => {
      run = await tracker.startRun({ runName: 'train-gru', tags: { 'flts.config_hash': 'abc123' } });
    });

    it('has an id, a name and an artifact URI served by the tracking server', async () => {
      assert.match(run.runId, /^[0-9a-f]{32}$/);
      assert.equal(run.artifactUri, `mlflow-artifacts:/${tracker.experimentId}/${run.runId}/artifacts`);
      const { info, tags } = await tracker.getRun(run.runId);
      assert.equal(info.status, 'RUNNING');
      assert.equal(info.runName, 'train-gru');
      assert.equal(tags['flts.config_hash'], 'abc123');
      assert.equal(tags['mlflow.source.type'], 'JOB');
    });

    it('logs params as text, booleans as Python writes them', async () => {
      await run.logParams({ hidden_size: 64, dropout: 0.2, bidirectional: false, optimizer: 'adam' });
      assert.deepEqual((await tracker.getRun(run.runId)).params, { hidden_size: '64', dropout: '0.2', bidirectional: 'False', optimizer: 'adam' });
    });

    it('accepts the same param value again but refuses a changed one', async () => {
      await run.logParams({ hidden_size: 64 });
      await assert.rejects(run.logParams({ hidden_size: 128 }), (error: unknown) => {
        assert.ok(error instanceof TrackingError);
        assert.equal(error.status, 400);
        assert.equal(error.errorCode, 'INVALID_PARAMETER_VALUE');
        assert.match(error.message, new RegExp(`^MLflow POST runs/log-batch at ${mlflow.url} failed: 400 INVALID_PARAMETER_VALUE: Changing param values is not allowed`));
        return true;
      });
    });

    it('logs metrics per step and keeps the whole history', async () => {
      for (const [step, loss] of [0.9, 0.5, 0.3].entries()) await run.logMetrics({ loss, 'val/loss': loss + 0.1 }, { step, timestamp: 1_000 + step });
      assert.deepEqual(await tracker.metricHistory(run.runId, 'loss'), [
        { key: 'loss', value: 0.9, timestamp: 1000, step: 0 },
        { key: 'loss', value: 0.5, timestamp: 1001, step: 1 },
        { key: 'loss', value: 0.3, timestamp: 1002, step: 2 },
      ]);
      assert.equal((await tracker.getRun(run.runId)).metrics['val/loss'], 0.4);
    });

    it('keeps NaN, and stores ±Infinity as the SQL store does (±max double)', async () => {
      await run.logMetrics({ nan_metric: Number.NaN, inf_metric: Infinity, neg_inf_metric: -Infinity });
      const { metrics } = await tracker.getRun(run.runId);
      assert.ok(Number.isNaN(metrics['nan_metric']));
      assert.equal(metrics['inf_metric'], Number.MAX_VALUE);
      assert.equal(metrics['neg_inf_metric'], -Number.MAX_VALUE);
    });

    it('splits large logs into log-batch requests within the server’s limits', async () => {
      const batchRun = await tracker.startRun({ runName: 'batched' });
      const points = Array.from({ length: 2500 }, (_, step) => ({ key: 'epoch_loss', value: 1 / (step + 1), timestamp: 1_000 + step, step }));
      await batchRun.logMetricPoints(points);
      await batchRun.logParams(Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`p${i}`, i])));
      await batchRun.setTags(Object.fromEntries(Array.from({ length: 150 }, (_, i) => [`t${i}`, `v${i}`])));
      const record = await tracker.getRun(batchRun.runId);
      assert.equal((await tracker.metricHistory(batchRun.runId, 'epoch_loss')).length, 2500);
      assert.equal(Object.keys(record.params).length, 250);
      assert.equal(Object.keys(record.tags).filter((key) => /^t\d+$/.test(key)).length, 150);
    });

    it('overwrites tags', async () => {
      await run.setTags({ stage: 'fit' });
      await run.setTags({ stage: 'evaluate' });
      assert.equal((await tracker.getRun(run.runId)).tags['stage'], 'evaluate');
    });

    it('uploads files and directories through the server and lists and downloads them back', async () => {
      const scaler = join(dir, 'scaler.json');
      await writeFile(scaler, '{"min":[0],"max":[1]}');
      assert.equal(await run.logArtifact(scaler, 'preprocessing'), 'preprocessing/scaler.json');
      assert.deepEqual(await run.logArtifacts(modelDir, 'raw-model'), ['raw-model/group1-shard1of1.bin', 'raw-model/model.json']);
      assert.deepEqual(await tracker.listArtifacts(run.runId), [
        { path: 'preprocessing/scaler.json', size: 21 },
        { path: 'raw-model/group1-shard1of1.bin', size: 8 },
        { path: 'raw-model/model.json', size: 80 },
      ]);
      const local = await tracker.downloadArtifacts(`runs:/${run.runId}/preprocessing/scaler.json`, join(dir, 'download-one'));
      assert.equal(await readFile(local, 'utf8'), '{"min":[0],"max":[1]}');
      const tree = await tracker.downloadArtifacts(`runs:/${run.runId}/raw-model`, join(dir, 'download-tree'));
      assert.deepEqual(await readFile(join(tree, 'group1-shard1of1.bin')), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
    });

    it('ends with the status given and an end time', async () => {
      const failing = await tracker.startRun({ runName: 'will-fail' });
      await failing.end('FAILED');
      const { info } = await tracker.getRun(failing.runId);
      assert.equal(info.status, 'FAILED');
      assert.ok(info.endTime !== undefined && info.endTime >= info.startTime);
    });

    it('sets and deletes tags of a finished run without resuming it: status and end time stay', async () => {
      const finished = await tracker.startRun({ runName: 'finished' });
      await finished.setTags({ kept: 'yes' });
      await finished.end('FINISHED');
      const before = (await tracker.getRun(finished.runId)).info;
      await tracker.setTags(finished.runId, { promoted: 'true', 'flts.promoted_at': '2024-01-01T00:00:00.000Z' });
      await tracker.deleteTag(finished.runId, 'promoted');
      await tracker.deleteTag(finished.runId, 'promoted'); // again: a tag that is not there is fine
      await tracker.deleteTag(finished.runId, 'never-set');
      const after = await tracker.getRun(finished.runId);
      assert.deepEqual(after.info, before);
      assert.equal(after.tags['promoted'], undefined);
      assert.equal(after.tags['flts.promoted_at'], '2024-01-01T00:00:00.000Z');
      assert.equal(after.tags['kept'], 'yes');
    });

    it('refuses to delete a tag of a run that does not exist, or an invalid key', async () => {
      await assert.rejects(tracker.deleteTag('0123456789abcdef0123456789abcdef', 'promoted'), { name: 'TrackingError', errorCode: 'RESOURCE_DOES_NOT_EXIST' });
      await assert.rejects(tracker.deleteTag(run.runId, '../x'), { message: /^Invalid tag key "\.\.\/x"/ });
    });

    it('can be resumed by id to log more', async () => {
      const resumed = await tracker.resumeRun(run.runId);
      await resumed.logMetrics({ resumed: 1 });
      assert.equal((await tracker.getRun(run.runId)).metrics['resumed'], 1);
    });
  });

  describe('models and the registry', () => {
    let run: TrackedRun;
    let modelUri: string;

    before(async () => {
      run = await tracker.startRun({ runName: 'model-run' });
      const logged = await run.logModel(modelDir, 'model', {
        flavor: tfjsFlavor,
        signature: { inputs: [{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 24, 5] } }], outputs: [{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 6] } }] },
      });
      modelUri = logged.modelUri;
      await run.end();
    });

    it('uploads the model with an MLmodel file and records it in the run’s model history', async () => {
      assert.equal(modelUri, `runs:/${run.runId}/model`);
      assert.deepEqual((await tracker.listArtifacts(run.runId, 'model')).map((file) => file.path), ['model/MLmodel', 'model/group1-shard1of1.bin', 'model/model.json']);
      const history = JSON.parse((await tracker.getRun(run.runId)).tags['mlflow.log-model.history']!);
      assert.equal(history.length, 1);
      assert.equal(history[0].artifact_path, 'model');
      assert.equal(history[0].run_id, run.runId);
      assert.deepEqual(history[0].flavors, { tfjs_layers: tfjsFlavor.config });
    });

    it('registers versions from runs:/ URIs and points an alias at one', async () => {
      const first = await tracker.registerModel(modelUri, 'flts-gru', { tags: { config_hash: 'abc123' } });
      const second = await tracker.registerModel(modelUri, 'flts-gru');
      assert.deepEqual([first.version, second.version], ['1', '2']);
      assert.equal(first.source, `mlflow-artifacts:/${tracker.experimentId}/${run.runId}/artifacts/model`);
      assert.equal(first.runId, run.runId);
      await tracker.setAlias('flts-gru', 'champion', 1);
      assert.deepEqual((await tracker.getModelVersionByAlias('flts-gru', 'champion')).version, '1');
      assert.deepEqual((await tracker.getModelVersion('flts-gru', 1)).aliases, ['champion']);
    });

    it('resolves models:/ (version, alias, latest) and runs:/ URIs to the model’s artifact URI', async () => {
      const expected = `mlflow-artifacts:/${tracker.experimentId}/${run.runId}/artifacts/model`;
      assert.equal(await tracker.resolveArtifactUri('models:/flts-gru/1'), expected);
      assert.equal(await tracker.resolveArtifactUri('models:/flts-gru@champion'), expected);
      assert.equal(await tracker.resolveArtifactUri('models:/flts-gru/latest'), expected);
      assert.equal(await tracker.resolveArtifactUri(`runs:/${run.runId}/model/MLmodel`), `${expected}/MLmodel`);
    });

    it('downloads a model by alias with the same bytes that were logged', async () => {
      const local = await tracker.downloadArtifacts('models:/flts-gru@champion', join(dir, 'champion'));
      assert.deepEqual(await readFile(join(local, 'group1-shard1of1.bin')), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
      assert.match(await readFile(join(local, 'MLmodel'), 'utf8'), /^artifact_path: "model"$/m);
    });

    it('refuses to register a path that holds no logged model', async () => {
      await assert.rejects(tracker.registerModel(`runs:/${run.runId}/nothing`, 'flts-gru'), {
        name: 'TrackingError',
        message: `runs:/${run.runId}/nothing is not a logged model: no nothing/MLmodel in the run's artifacts; log it with run.logModel() first.`,
      });
    });

    it('finds the versions of a registered model, all or those of one run, and deletes an alias', async () => {
      const other = await tracker.startRun({ runName: 'other-model-run' });
      const otherUri = (await other.logModel(modelDir, 'model', { flavor: tfjsFlavor })).modelUri;
      await other.end();
      const third = await tracker.registerModel(otherUri, 'flts-gru');
      assert.deepEqual((await tracker.searchModelVersions('flts-gru')).map((v) => [v.version, v.runId]), [
        ['1', run.runId],
        ['2', run.runId],
        [third.version, other.runId],
      ]);
      const mine = await tracker.searchModelVersions('flts-gru', { runId: run.runId });
      assert.deepEqual(mine.map((v) => v.version), ['1', '2']);
      assert.equal(mine[0]!.source, `mlflow-artifacts:/${tracker.experimentId}/${run.runId}/artifacts/model`);
      assert.deepEqual(await tracker.searchModelVersions('flts-gru', { runId: '0123456789abcdef0123456789abcdef' }), []);
      assert.deepEqual(await tracker.searchModelVersions('no-such-model'), []);

      await tracker.setAlias('flts-gru', 'staging', third.version);
      await tracker.deleteAlias('flts-gru', 'staging');
      await tracker.deleteAlias('flts-gru', 'staging'); // not set: fine
      await assert.rejects(tracker.getModelVersionByAlias('flts-gru', 'staging'), { errorCode: 'INVALID_PARAMETER_VALUE' });
      assert.equal((await tracker.getModelVersionByAlias('flts-gru', 'champion')).version, '1', 'other aliases stay');
      await assert.rejects(tracker.deleteAlias('no-such-model', 'staging'), { errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    });
  });

  describe('bad input', () => {
    it('names the server and the call for an unknown run id', async () => {
      await assert.rejects(tracker.getRun('0123456789abcdef0123456789abcdef'), (error: unknown) => {
        assert.ok(error instanceof TrackingError);
        assert.equal(
          error.message,
          `MLflow GET runs/get at ${mlflow.url} failed: 404 RESOURCE_DOES_NOT_EXIST: Run with id=0123456789abcdef0123456789abcdef not found.`,
        );
        assert.equal(error.errorCode, 'RESOURCE_DOES_NOT_EXIST');
        return true;
      });
    });

    it('reports an unknown alias', async () => {
      await assert.rejects(tracker.resolveArtifactUri('models:/flts-gru@nobody'), {
        message: `MLflow GET registered-models/alias at ${mlflow.url} failed: 400 INVALID_PARAMETER_VALUE: Registered model alias nobody not found.`,
      });
    });

    it('refuses an invalid metric key before sending anything', async () => {
      const run = await tracker.startRun();
      await assert.rejects(run.logMetrics({ 'loss (train)': 1 }), {
        message: 'Invalid metric key "loss (train)": it may contain only letters, digits, "_", "-", ".", "/", ":" and spaces.',
      });
    });

    it('refuses a reserved alias name', async () => {
      await assert.rejects(tracker.setAlias('flts-gru', 'latest', 1), {
        message: 'Invalid alias "latest": use letters, digits, "_" and "-" (not "latest" or "v<number>", which MLflow reserves).',
      });
    });
  });
});
