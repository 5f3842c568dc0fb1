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

  describe('tags and the registry, maintained after the run ended', () => {
    let finished: TrackedRun;
    let other: TrackedRun;
    let modelUri: string;

    before(async () => {
      const modelDir = join(dir, 'gru-model');
      await mkdir(modelDir, { recursive: true });
      await writeFile(join(modelDir, 'model.json'), '{}');
      finished = await tracker.startRun({ runName: 'finished' });
      modelUri = (await finished.logModel(modelDir, 'model', { flavor: { name: 'tfjs_layers', config: { model_file: 'model.json' } } })).modelUri;
      await finished.setTags({ kept: 'yes', 'flts/nested': 'a' });
      await finished.end('FINISHED');
      other = await tracker.startRun({ runName: 'other' });
      const otherUri = (await other.logModel(modelDir, 'model', { flavor: { name: 'tfjs_layers', config: { model_file: 'model.json' } } })).modelUri;
      await other.end('FINISHED');
      await tracker.registerModel(modelUri, 'flts-maintained');
      await tracker.registerModel(otherUri, 'flts-maintained');
      await tracker.registerModel(modelUri, 'flts-maintained');
    });

    it('sets and deletes tags of a finished run without resuming it: status and end time stay', async () => {
      const before = (await tracker.getRun(finished.runId)).info;
      await tracker.setTags(finished.runId, { promoted: 'true', 'flts.promoted_at': '2024-01-01T00:00:00.000Z' });
      await tracker.deleteTag(finished.runId, 'promoted');
      await tracker.deleteTag(finished.runId, 'promoted'); // again: a tag that is not there is fine
      await tracker.deleteTag(finished.runId, 'flts'); // a directory of tags "flts/…", not a tag
      const after = await tracker.getRun(finished.runId);
      assert.deepEqual(after.info, before);
      assert.equal(after.tags['promoted'], undefined);
      assert.equal(after.tags['flts.promoted_at'], '2024-01-01T00:00:00.000Z');
      assert.equal(after.tags['flts/nested'], 'a');
      assert.equal(after.tags['kept'], 'yes');
      await assert.rejects(tracker.deleteTag('0123456789abcdef0123456789abcdef', 'promoted'), { errorCode: 'RESOURCE_DOES_NOT_EXIST' });
      await assert.rejects(tracker.deleteTag(finished.runId, '../meta.yaml'), { message: /^Invalid tag key/ });
    });

    it('finds the versions of a registered model, all or those of one run, and deletes an alias', async () => {
      assert.deepEqual((await tracker.searchModelVersions('flts-maintained')).map((v) => [v.version, v.runId]), [
        ['1', finished.runId],
        ['2', other.runId],
        ['3', finished.runId],
      ]);
      const mine = await tracker.searchModelVersions('flts-maintained', { runId: finished.runId });
      assert.deepEqual(mine.map((v) => v.version), ['1', '3']);
      assert.equal(mine[0]!.source, `${finished.artifactUri}/model`);
      assert.deepEqual(await tracker.searchModelVersions('flts-maintained', { runId: '0123456789abcdef0123456789abcdef' }), []);
      assert.deepEqual(await tracker.searchModelVersions('no-such-model'), []);

      await tracker.setAlias('flts-maintained', 'champion', 2);
      await tracker.setAlias('flts-maintained', 'staging', 3);
      assert.deepEqual((await tracker.searchModelVersions('flts-maintained', { runId: finished.runId })).map((v) => v.aliases), [[], ['staging']]);
      await tracker.deleteAlias('flts-maintained', 'staging');
      await tracker.deleteAlias('flts-maintained', 'staging'); // not set: fine
      await assert.rejects(tracker.getModelVersionByAlias('flts-maintained', 'staging'), { errorCode: 'INVALID_PARAMETER_VALUE' });
      await assert.rejects(tracker.deleteAlias('no-such-model', 'staging'), { errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    });

    it('leaves what MLflow reads consistent: the tag gone, the run finished, versions by run, one alias left', async () => {
      const script = [
        'import json, os, sys',
        'os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"',
        'from mlflow import MlflowClient',
        'client = MlflowClient(sys.argv[1])',
        'run = client.get_run(sys.argv[2])',
        'versions = client.search_model_versions(f"run_id = \'{sys.argv[2]}\'")',
        'model = client.get_registered_model("flts-maintained")',
        'print(json.dumps({"status": run.info.status, "promoted": run.data.tags.get("promoted"), "versions": sorted(str(v.version) for v in versions), "aliases": model.aliases}))',
      ].join('\n');
      const { stdout } = await run(PYTHON, ['-c', script, tracker.trackingUri, finished.runId]);
      assert.deepEqual(JSON.parse(stdout), { status: 'FINISHED', promoted: null, versions: ['1', '3'], aliases: { champion: '2' } });
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
