/**
 * A server that accepts connections and never answers (a frozen process, SIGSTOP) fails the call within the
 * configured deadlines with an error naming the server, instead of hanging the component: MLflow's REST API,
 * and run artifacts written straight to an s3:// artifact root on MinIO.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StorageError, TrackingError } from '../../shared/errors.js';
import { openTracking, type TrackedRun } from '../../shared/tracking/index.js';
import { startMinio, type MinioServer } from '../services/minio.js';
import { startMlflow, type MlflowServer } from '../services/mlflow.js';

/** Short deadlines, so that a frozen server fails the call in seconds (the defaults are minutes). */
const SHORT = {
  MLFLOW_HTTP_REQUEST_TIMEOUT: '1',
  FLTS_MLFLOW_RETRY_DEADLINE: '4',
  MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.1',
  MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0',
  FLTS_S3_REQUEST_TIMEOUT: '1',
  FLTS_S3_DEADLINE: '4',
};

/** Runs `call` while `server` is frozen; returns its error and how long it took. */
async function whileFrozen(server: { freeze(frozen: boolean): void }, call: () => Promise<unknown>): Promise<{ error: unknown; seconds: number }> {
  server.freeze(true);
  const started = Date.now();
  try {
    await call();
    return { error: undefined, seconds: (Date.now() - started) / 1000 };
  } catch (error) {
    return { error, seconds: (Date.now() - started) / 1000 };
  } finally {
    server.freeze(false);
  }
}

describe('deadlines on MLflow and S3 calls, against frozen servers', () => {
  let minio: MinioServer;
  let mlflow: MlflowServer;
  let run: TrackedRun;
  let dir: string;

  before(async () => {
    minio = await startMinio();
    mlflow = await startMlflow({ artifacts: 's3', minio, bucket: 'mlflow' });
    const tracker = await openTracking({ trackingUri: mlflow.url, experiment: 'flts-deadlines', env: { ...mlflow.env, ...SHORT } });
    run = await tracker.startRun({ runName: 'frozen' });
    dir = await mkdtemp(join(tmpdir(), 'flts-deadlines-'));
    await mkdir(join(dir, 'model'));
    await writeFile(join(dir, 'model', 'weights.bin'), Buffer.alloc(1024, 7));
  });
  after(async () => {
    await mlflow?.stop();
    await minio?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('a model upload to a frozen MinIO fails within FLTS_S3_DEADLINE, naming the endpoint', async () => {
    const { error, seconds } = await whileFrozen(minio, () => run.logArtifacts(join(dir, 'model'), 'model'));
    assert.ok(error instanceof StorageError, String(error));
    assert.match(error.message, new RegExp(`S3 endpoint ${minio.endpoint.replace(/[.:/]/g, '\\$&')}.*(FLTS_S3_DEADLINE|FLTS_S3_REQUEST_TIMEOUT)`));
    assert.ok(seconds < 30, `bounded by the 4 s deadline (took ${seconds} s)`);
  });

  it('a call to a frozen MLflow fails within FLTS_MLFLOW_RETRY_DEADLINE, naming the server', async () => {
    const { error, seconds } = await whileFrozen(mlflow, () => run.logMetrics({ rmse: 1 }));
    assert.ok(error instanceof TrackingError, String(error));
    assert.match(error.message, new RegExp(`at ${mlflow.url.replace(/[.:/]/g, '\\$&')} failed: .*(FLTS_MLFLOW_RETRY_DEADLINE|MLFLOW_HTTP_REQUEST_TIMEOUT)`));
    assert.ok(seconds < 30, `bounded by the 4 s deadline (took ${seconds} s)`);
  });

  it('a run failing while MLflow stays frozen is said to stay RUNNING; once it thaws, the same call marks it FAILED', async () => {
    const tracker = await openTracking({ trackingUri: mlflow.url, experiment: 'flts-deadlines', env: { ...mlflow.env, ...SHORT } });
    const failing = await tracker.startRun({ runName: 'failing' });
    const warnings: string[] = [];
    const { error, seconds } = await whileFrozen(mlflow, () => failing.fail(new Error('the component failed'), (message) => warnings.push(message)));
    assert.equal(error, undefined, 'fail() never throws: the component reports its own error');
    assert.ok(seconds < 60, `bounded by the deadlines (took ${seconds} s)`);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, new RegExp(`^MLflow run ${failing.runId} stays RUNNING: marking it FAILED failed too \\(.*${mlflow.url.replace(/[.:/]/g, '\\$&')}`));
    assert.equal((await tracker.getRun(failing.runId)).info.status, 'RUNNING');
    await failing.fail(new Error('the component failed'), (message) => warnings.push(message));
    assert.equal(warnings.length, 1, 'no warning once the server answers');
    const ended = await tracker.getRun(failing.runId);
    assert.equal(ended.info.status, 'FAILED');
    assert.equal(ended.tags['flts.error'], 'the component failed');
  });

  it('both work again once the servers thaw', async () => {
    await run.logMetrics({ rmse: 1 });
    await run.logArtifacts(join(dir, 'model'), 'model');
  });
});
