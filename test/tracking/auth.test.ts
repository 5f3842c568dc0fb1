import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TrackingError } from '../../shared/errors.js';
import { openTracking } from '../../shared/tracking/index.js';
import { startMlflow, type MlflowServer } from '../services/mlflow.js';
import { startBrokenProxy } from './broken-proxy.js';

const ADMIN = { username: 'flts-admin', password: 'pw-never-printed-42' };

/** Asserts a 401 TrackingError whose message names the server and call but no secret. */
function unauthorized(server: MlflowServer, ...secrets: string[]) {
  return (error: unknown) => {
    assert.ok(error instanceof TrackingError);
    assert.equal(error.status, 401);
    assert.equal(
      error.message,
      `MLflow GET experiments/get-by-name at ${server.url} failed: 401 Unauthorized: You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate. Check MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN.`,
    );
    for (const secret of secrets) assert.ok(!error.message.includes(secret), 'no credential in the message');
    return true;
  };
}

// Bearer tokens (MLFLOW_TRACKING_TOKEN) are covered by config.test.ts: MLflow's basic-auth app accepts only Basic
// credentials, and MLflow 3.17.2 with its auth cache enabled answers a Bearer header with an HTML 500 (a server bug).
describe('MLflow behind its basic-auth app', () => {
  let mlflow: MlflowServer;
  let dir: string;

  before(async () => {
    mlflow = await startMlflow({ auth: ADMIN });
    dir = await mkdtemp(join(tmpdir(), 'flts-auth-'));
  });
  after(async () => {
    await mlflow?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('logs runs and artifacts with MLFLOW_TRACKING_USERNAME/PASSWORD', async () => {
    const tracker = await openTracking({
      trackingUri: mlflow.url,
      experiment: 'flts-auth',
      env: { MLFLOW_TRACKING_USERNAME: ADMIN.username, MLFLOW_TRACKING_PASSWORD: ADMIN.password },
    });
    const run = await tracker.startRun({ runName: 'authenticated' });
    const file = join(dir, 'note.txt');
    await writeFile(file, 'through the artifact proxy, with the same credentials');
    await run.logArtifact(file);
    await run.logMetrics({ loss: 0.5 });
    await run.end();
    const { info, tags } = await tracker.getRun(run.runId);
    assert.equal(info.status, 'FINISHED');
    assert.equal(tags['mlflow.user'], ADMIN.username);
    assert.deepEqual(await tracker.listArtifacts(run.runId), [{ path: 'note.txt', size: 53 }]);
  });

  it('accepts credentials given as user-info of the tracking URI and never shows them', async () => {
    const url = new URL(mlflow.url);
    url.username = ADMIN.username;
    url.password = ADMIN.password;
    const tracker = await openTracking({ trackingUri: url.href, experiment: 'flts-auth', env: {} });
    assert.equal(tracker.trackingUri, mlflow.url);
  });

  it('uses Basic auth when both a password and a token are set, as MLflow’s Python client does', async () => {
    const env = { MLFLOW_TRACKING_USERNAME: ADMIN.username, MLFLOW_TRACKING_PASSWORD: ADMIN.password, MLFLOW_TRACKING_TOKEN: 'ignored-token' };
    const tracker = await openTracking({ trackingUri: mlflow.url, experiment: 'flts-auth', env });
    assert.equal(tracker.kind, 'rest');
  });

  describe('refuses', () => {
    it('a client without credentials, saying which variables to set', async () => {
      await assert.rejects(openTracking({ trackingUri: mlflow.url, experiment: 'flts-auth', env: {} }), unauthorized(mlflow));
    });

    it('a wrong password, without printing it', async () => {
      const env = { MLFLOW_TRACKING_USERNAME: ADMIN.username, MLFLOW_TRACKING_PASSWORD: 'wrong-password-123' };
      await assert.rejects(openTracking({ trackingUri: mlflow.url, experiment: 'flts-auth', env }), unauthorized(mlflow, 'wrong-password-123'));
    });

    it('is not retried (401 is not transient)', async () => {
      const proxy = await startBrokenProxy(mlflow.url); // breaks nothing: it only counts the requests that reach the server
      try {
        const warnings: string[] = [];
        const logger = { warn: (message: string) => void warnings.push(message) };
        await assert.rejects(openTracking({ trackingUri: proxy.url, experiment: 'flts-auth', env: {}, logger }), (error: unknown) => {
          assert.ok(error instanceof TrackingError);
          assert.equal(error.status, 401);
          assert.doesNotMatch(error.message, /gave up after/);
          return true;
        });
        assert.deepEqual(warnings, [], 'no retry was announced');
        assert.deepEqual(proxy.log, [{ method: 'GET', path: '/api/2.0/mlflow/experiments/get-by-name', status: 401 }]);
      } finally {
        await proxy.close();
      }
    });
  });
});
