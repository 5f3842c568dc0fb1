import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { TrackingError } from '../../shared/errors.js';
import { openTracking, type Tracker } from '../../shared/tracking/index.js';
import { startMlflow, type MlflowServer } from '../services/mlflow.js';
import { freePort } from '../services/process.js';
import { startBrokenProxy, type BrokenProxy } from './broken-proxy.js';

/** Fast retries so that the tests take seconds: up to 3 retries, 50 ms doubling, no jitter. */
const FAST_RETRIES = {
  MLFLOW_HTTP_REQUEST_MAX_RETRIES: '3',
  MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.05',
  MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0',
};

/** Every run of an experiment, asked of the real server directly. */
async function runsOf(mlflow: MlflowServer, experimentId: string): Promise<string[]> {
  const response = await fetch(`${mlflow.url}/api/2.0/mlflow/runs/search`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ experiment_ids: [experimentId], max_results: 100 }),
  });
  const reply = (await response.json()) as { runs?: { info: { run_id: string } }[] };
  return (reply.runs ?? []).map((run) => run.info.run_id);
}

describe('retries of the MLflow client', () => {
  describe('against a port that refuses connections', () => {
    it('gives up after the configured number of retries, naming the server and the call', async () => {
      const port = await freePort();
      await assert.rejects(openTracking({ trackingUri: `http://127.0.0.1:${port}`, experiment: 'x', env: { ...FAST_RETRIES, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2' } }), (error: unknown) => {
        assert.ok(error instanceof TrackingError);
        assert.match(
          error.message,
          new RegExp(`^MLflow GET experiments/get-by-name at http://127\\.0\\.0\\.1:${port} failed: cannot connect \\(ECONNREFUSED\\) \\(gave up after 3 attempts in \\d+ ms\\)\\.$`),
        );
        return true;
      });
    });

    it('gives up when the retry deadline is reached, however many retries are left', async () => {
      const port = await freePort();
      const env = { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '10', MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.4', MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0', FLTS_MLFLOW_RETRY_DEADLINE: '1' };
      const waits: (string | number | undefined)[] = [];
      const logger = { warn: (_message: string, fields?: Record<string, string | number>) => void waits.push(fields?.['wait_ms']) };
      await assert.rejects(openTracking({ trackingUri: `http://127.0.0.1:${port}`, experiment: 'x', env, logger }), {
        message: /failed: cannot connect \(ECONNREFUSED\) \(gave up after 2 attempts in \d+ ms, retry deadline reached\)\.$/,
      });
      // 0.4 s fits the 1 s deadline; the second wait (0.8 s) would end past it, so it is never started.
      assert.deepEqual(waits, [400]);
    });
  });

  describe('behind a proxy that answers 503 for a while', () => {
    let mlflow: MlflowServer;
    let proxy: BrokenProxy;
    let tracker: Tracker;
    let dir: string;

    before(async () => {
      mlflow = await startMlflow();
      proxy = await startBrokenProxy(mlflow.url);
      tracker = await openTracking({ trackingUri: proxy.url, experiment: 'flts-retries', env: FAST_RETRIES });
      dir = await mkdtemp(join(tmpdir(), 'flts-retries-'));
    });
    after(async () => {
      await proxy?.close();
      await mlflow?.stop();
      await rm(dir, { recursive: true, force: true });
    });
    beforeEach(() => proxy.breakNext());

    it('retries until the server answers again', async () => {
      proxy.breakNext({ path: /runs\/create$/, times: 3 });
      const run = await tracker.startRun({ runName: 'after-outage' });
      assert.deepEqual(
        proxy.log.filter((entry) => entry.path.endsWith('runs/create')).map((entry) => entry.status),
        [503, 503, 503, 200],
      );
      assert.equal((await tracker.getRun(run.runId)).info.runName, 'after-outage');
    });

    it('tells the logger about each retry, without credentials', async () => {
      const warnings: [string, Record<string, string | number> | undefined][] = [];
      const logger = { warn: (message: string, fields?: Record<string, string | number>) => void warnings.push([message, fields]) };
      const env = { ...FAST_RETRIES, MLFLOW_TRACKING_USERNAME: 'kfp', MLFLOW_TRACKING_PASSWORD: 'retry-secret-77' };
      proxy.breakNext({ path: /experiments\/get-by-name$/, times: 2 });
      await openTracking({ trackingUri: proxy.url, experiment: 'flts-retries', env, logger });
      assert.deepEqual(warnings, [
        [`MLflow GET experiments/get-by-name at ${proxy.url} failed; retrying`, { attempt: 1, wait_ms: 50, reason: '503 Service Unavailable: upstream unavailable' }],
        [`MLflow GET experiments/get-by-name at ${proxy.url} failed; retrying`, { attempt: 2, wait_ms: 100, reason: '503 Service Unavailable: upstream unavailable' }],
      ]);
      assert.ok(!JSON.stringify(warnings).includes('retry-secret-77'));
    });

    it('waits as long as Retry-After asks', async () => {
      proxy.breakNext({ path: /experiments\/get-by-name$/, times: 1, retryAfter: '1' });
      const warnings: (Record<string, string | number> | undefined)[] = [];
      const logger = { warn: (_message: string, fields?: Record<string, string | number>) => void warnings.push(fields) };
      await openTracking({ trackingUri: proxy.url, experiment: 'flts-retries', env: FAST_RETRIES, logger });
      assert.deepEqual(
        warnings,
        [{ attempt: 1, wait_ms: 1000, reason: '503 Service Unavailable: upstream unavailable' }],
        'the 50 ms backoff was replaced by the server’s 1 s',
      );
      assert.deepEqual(
        proxy.log.filter((entry) => entry.path.endsWith('experiments/get-by-name')).map((entry) => entry.status),
        [503, 200],
      );
    });

    it('reports the last reply when the outage outlasts the retries', async () => {
      proxy.breakNext({ path: /runs\/get$/, times: 10 });
      await assert.rejects(tracker.getRun('0123456789abcdef0123456789abcdef'), (error: unknown) => {
        assert.ok(error instanceof TrackingError);
        assert.equal(error.status, 503);
        assert.match(error.message, new RegExp(`^MLflow GET runs/get at ${proxy.url} failed: 503 Service Unavailable: upstream unavailable \\(gave up after 4 attempts in \\d+ ms\\)\\.$`));
        return true;
      });
    });

    it('does not create a second run when the reply to the first create was lost', async () => {
      const experiment = await openTracking({ trackingUri: proxy.url, experiment: 'flts-lost-reply', env: FAST_RETRIES });
      proxy.breakNext({ path: /runs\/create$/, times: 1, mode: 'lose-reply' });
      const run = await experiment.startRun({ runName: 'created-once' });
      assert.deepEqual(await runsOf(mlflow, experiment.experimentId), [run.runId]);
      assert.deepEqual(
        proxy.log.map((entry) => `${entry.path.replace('/api/2.0/mlflow/', '')} ${entry.status}`),
        ['runs/create 503', 'runs/search 200'],
      );
    });

    it('does not create a second model version when the reply to the first was lost', async () => {
      const run = await tracker.startRun({ runName: 'model' });
      const modelDir = join(dir, 'model');
      await mkdir(modelDir, { recursive: true });
      await writeFile(join(modelDir, 'model.json'), '{}');
      const logged = await run.logModel(modelDir, 'model', { flavor: { name: 'tfjs_layers', config: {} } });
      proxy.breakNext({ path: /model-versions\/create$/, times: 1, mode: 'lose-reply' });
      const version = await tracker.registerModel(logged.modelUri, 'flts-retried');
      assert.equal(version.version, '1');
      assert.equal((await tracker.getModelVersion('flts-retried', 1)).runId, run.runId);
      await assert.rejects(tracker.getModelVersion('flts-retried', 2), { errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    });

    it('re-sends an artifact’s whole body when its upload is retried', async () => {
      const run = await tracker.startRun({ runName: 'artifact-retry' });
      const file = join(dir, 'weights.bin');
      const bytes = Buffer.alloc(256 * 1024, 7);
      await writeFile(file, bytes);
      proxy.breakNext({ path: /mlflow-artifacts\/artifacts\/.+weights\.bin$/, times: 2 });
      await run.logArtifact(file, 'model');
      const local = await tracker.downloadArtifacts(`runs:/${run.runId}/model/weights.bin`, join(dir, 'back'));
      assert.deepEqual(await readFile(local), bytes);
      assert.deepEqual(proxy.log.filter((entry) => entry.method === 'PUT').map((entry) => entry.status), [503, 503, 200]);
    });
  });
});
