import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { openTracking, type TrackedRun, type Tracker } from '../../shared/tracking/index.js';

const run = promisify(execFile);
const PYTHON = fileURLToPath(new URL('../../.venv/bin/python', import.meta.url));
const READER = fileURLToPath(new URL('read_mlruns.py', import.meta.url));
const FORECAST_CSV = 'ds,yhat\n2024-01-01,1.5\n';

describe('offline tracking into an mlruns/ directory', () => {
  let dir: string;
  let root: string;
  let tracker: Tracker;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flts-offline-'));
    root = join(dir, 'mlruns');
    tracker = await openTracking({ trackingUri: root, experiment: 'flts-offline', env: {} });
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  describe('openTracking', () => {
    it('chooses the offline store for a path and reports it as a file:// URI', () => {
      assert.equal(tracker.kind, 'offline');
      assert.equal(tracker.trackingUri, pathToFileURL(root).href);
      assert.match(tracker.experimentId, /^\d{18}$/);
    });

    it('defaults to ./mlruns when neither a URI nor MLFLOW_TRACKING_URI is given', async () => {
      const cwd = process.cwd();
      const work = await mkdtemp(join(dir, 'cwd-'));
      process.chdir(work);
      try {
        const local = await openTracking({ experiment: 'defaulted', env: {} });
        assert.equal(local.trackingUri, pathToFileURL(join(work, 'mlruns')).href);
        assert.deepEqual((await readdir(join(work, 'mlruns'))).sort(), ['.trash', '0', local.experimentId].sort());
      } finally {
        process.chdir(cwd);
      }
    });

    it('accepts a file:// tracking URI for the same directory', async () => {
      const again = await openTracking({ trackingUri: pathToFileURL(root).href, experiment: 'flts-offline', env: {} });
      assert.equal(again.experimentId, tracker.experimentId);
    });

    it('creates an experiment once even when several openers race', async () => {
      const racers = await Promise.all(Array.from({ length: 5 }, () => openTracking({ trackingUri: root, experiment: 'raced', env: {} })));
      assert.equal(new Set(racers.map((t) => t.experimentId)).size, 1);
    });

    it('refuses a tracking URI scheme it cannot serve', async () => {
      await assert.rejects(openTracking({ trackingUri: 'databricks://profile', experiment: 'x', env: {} }), {
        name: 'TrackingError',
        message: 'Unsupported tracking URI "databricks://profile": use http(s):// for an MLflow server, or a directory path / file:// URI for offline tracking.',
      });
    });
  });

  describe('a run written offline and read back by MLflow itself', () => {
    let trained: TrackedRun;
    let seen: Record<string, unknown>;

    before(async () => {
      const modelDir = join(dir, 'prophet-model');
      await mkdir(modelDir, { recursive: true });
      await writeFile(join(modelDir, 'model.json'), '{"growth":"linear"}');
      await writeFile(join(dir, 'forecast.csv'), FORECAST_CSV);

      trained = await tracker.startRun({ runName: 'train-prophet', tags: { 'flts.config_hash': 'abc123' } });
      await trained.logParams({ changepoint_prior_scale: 0.05, yearly_seasonality: true });
      for (const [step, value] of [0.9, 0.4].entries()) await trained.logMetrics({ 'train/loss': value }, { step });
      await trained.logMetrics({ mase: Number.NaN, coverage: Infinity }, { step: 0 });
      await trained.logArtifact(join(dir, 'forecast.csv'), 'evaluation');
      const logged = await trained.logModel(modelDir, 'model', {
        flavor: { name: 'prophet_json', config: { model_file: 'model.json', format: 'prophet-serialize' } },
        signature: { inputs: [{ type: 'datetime', name: 'ds', required: true }], outputs: [{ type: 'double', name: 'yhat', required: true }] },
      });
      const version = await tracker.registerModel(logged.modelUri, 'flts-prophet');
      await tracker.setAlias('flts-prophet', 'champion', version.version);
      await trained.end('FINISHED');

      const { stdout } = await run(PYTHON, [READER, tracker.trackingUri, 'flts-offline', trained.runId, 'flts-prophet'], { maxBuffer: 1 << 20 });
      seen = JSON.parse(stdout) as Record<string, unknown>;
    });

    it('is found by mlflow.search_runs with its params, metric history, tags, artifacts, model and registry entry', async () => {
      const mlmodelSize = (await stat(join(fileURLToPath(trained.artifactUri), 'model', 'MLmodel'))).size;
      assert.deepEqual(seen, {
        experiment: { id: tracker.experimentId, name: 'flts-offline', stage: 'active' },
        search_runs: [[trained.runId, 'train-prophet', 'FINISHED']],
        status: 'FINISHED',
        has_end_time: true,
        params: { changepoint_prior_scale: '0.05', yearly_seasonality: 'True' },
        latest_metrics: { 'train/loss': 0.4, mase: 'NaN', coverage: 'Infinity' },
        history: { coverage: [[0, 'Infinity']], mase: [[0, 'NaN']], 'train/loss': [[0, 0.9], [1, 0.4]] },
        tags: { 'mlflow.runName': 'train-prophet', 'flts.config_hash': 'abc123' },
        artifacts: [
          ['evaluation/forecast.csv', FORECAST_CSV.length],
          ['model/MLmodel', mlmodelSize],
          ['model/model.json', 19],
        ],
        model: {
          flavors: { prophet_json: { model_file: 'model.json', format: 'prophet-serialize' } },
          inputs: [{ type: 'datetime', name: 'ds', required: true }],
        },
        registry: { version: '1', aliases: ['champion'], run_id: trained.runId },
        model_json: '{"growth":"linear"}',
      });
    });

    it('resolves models:/ and runs:/ URIs to the run’s file:// artifacts', async () => {
      const expected = `${trained.artifactUri}/model`;
      assert.equal(await tracker.resolveArtifactUri('models:/flts-prophet@champion'), expected);
      assert.equal(await tracker.resolveArtifactUri('models:/flts-prophet/1'), expected);
      assert.equal(await tracker.resolveArtifactUri(`runs:/${trained.runId}/model`), expected);
      assert.ok(trained.artifactUri.startsWith(pathToFileURL(root).href));
    });
  });

  describe('bad input', () => {
    it('names an unknown run id and the directory', async () => {
      await assert.rejects(tracker.getRun('0123456789abcdef0123456789abcdef'), {
        name: 'TrackingError',
        message: `Run 0123456789abcdef0123456789abcdef not found in ${root}.`,
      });
    });

    it('refuses to change a param, as MLflow does', async () => {
      const r = await tracker.startRun();
      await r.logParams({ window: 24 });
      await r.logParams({ window: 24 });
      await assert.rejects(r.logParams({ window: 48 }), {
        message: 'Param "window" was already logged with value "24"; MLflow params cannot change (new value "48").',
      });
    });

    it('refuses an unknown alias', async () => {
      await assert.rejects(tracker.resolveArtifactUri('models:/flts-prophet@nobody'), {
        message: `Registered model alias nobody of "flts-prophet" not found in ${root}.`,
      });
    });
  });
});
