import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StorageError } from '../../shared/errors.js';
import { createStore } from '../../shared/store/index.js';
import { openTracking, type TrackedRun, type Tracker } from '../../shared/tracking/index.js';
import { startMinio, type MinioServer } from '../services/minio.js';
import { startMlflow, type MlflowServer } from '../services/mlflow.js';

describe('MLflow with an s3:// artifact root on MinIO (artifacts go straight to S3)', () => {
  let minio: MinioServer;
  let mlflow: MlflowServer;
  let tracker: Tracker;
  let run: TrackedRun;
  let dir: string;
  let modelDir: string;

  before(async () => {
    minio = await startMinio();
    mlflow = await startMlflow({ artifacts: 's3', minio, bucket: 'mlflow' });
    // Only the MLflow variables: MLFLOW_S3_ENDPOINT_URL and the AWS keys, as a KFP component gets them.
    tracker = await openTracking({ trackingUri: mlflow.url, experiment: 'flts-s3', env: mlflow.env });
    run = await tracker.startRun({ runName: 'train-lstm' });
    dir = await mkdtemp(join(tmpdir(), 'flts-s3-artifacts-'));
    modelDir = join(dir, 'lstm-model');
    await mkdir(modelDir);
    await writeFile(join(modelDir, 'model.json'), '{"format":"layers-model"}');
    await writeFile(join(modelDir, 'group1-shard1of1.bin'), Buffer.from([42, 43]));
  });
  after(async () => {
    await mlflow?.stop();
    await minio?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('gives runs an s3:// artifact URI under the server’s default root', () => {
    assert.equal(run.artifactUri, `s3://mlflow/artifacts/${tracker.experimentId}/${run.runId}/artifacts`);
  });

  it('writes artifacts as objects in the bucket, where MLflow expects them', async () => {
    const file = join(dir, 'metrics.json');
    await writeFile(file, '{"rmse":0.12}');
    await run.logArtifact(file, 'evaluation');
    const store = createStore({ env: minio.env });
    assert.equal(
      (await store.readBytes(`s3://mlflow/artifacts/${tracker.experimentId}/${run.runId}/artifacts/evaluation/metrics.json`)).toString(),
      '{"rmse":0.12}',
    );
    assert.deepEqual(await tracker.listArtifacts(run.runId, 'evaluation'), [{ path: 'evaluation/metrics.json', size: 13 }]);
  });

  it('logs, registers, aliases and downloads a model through S3', async () => {
    const logged = await run.logModel(modelDir, 'model', { flavor: { name: 'tfjs_layers', config: { model_file: 'model.json' } } });
    assert.equal(logged.artifactUri, `${run.artifactUri}/model`);
    const version = await tracker.registerModel(logged.modelUri, 'flts-lstm');
    assert.equal(version.source, `${run.artifactUri}/model`);
    await tracker.setAlias('flts-lstm', 'champion', version.version);
    const local = await tracker.downloadArtifacts('models:/flts-lstm@champion', join(dir, 'champion'));
    assert.deepEqual(await readFile(join(local, 'group1-shard1of1.bin')), Buffer.from([42, 43]));
    assert.match(await readFile(join(local, 'MLmodel'), 'utf8'), /tfjs_layers:/);
  });

  it('reports S3 credentials the server accepts but S3 refuses, without revealing them', async () => {
    const wrong = await openTracking({ trackingUri: mlflow.url, experiment: 'flts-s3', env: { ...mlflow.env, AWS_SECRET_ACCESS_KEY: 'not-the-secret' } });
    const other = await wrong.startRun({ runName: 'bad-keys' });
    const file = join(dir, 'note.txt');
    await writeFile(file, 'x');
    await assert.rejects(other.logArtifact(file), (error: unknown) => {
      assert.ok(error instanceof StorageError);
      assert.equal(
        error.message,
        `Access denied to upload ${other.artifactUri}/note.txt at ${minio.endpoint} (AccessDenied); check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.`,
      );
      assert.ok(!error.message.includes('not-the-secret'));
      return true;
    });
  });
});
