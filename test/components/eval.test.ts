/**
 * The eval bundle's promotion, on candidates logged to a real tracking store (an offline mlruns/ directory that
 * MLflow reads, and a real MLflow server): the history record first, then MLflow, the alias, and the current.json
 * pointers last, so that a failure anywhere (a promotion record that cannot be written, an alias call that
 * keeps failing, pointers that cannot be written) leaves the alias, the records and the winner's run as they
 * were; the winner's run is tagged without being resumed (its status and end time stay); re-running eval for
 * the same winning run reuses its registered version, found in the registry even when nothing else recorded
 * it; the optional skill gate; the message for an artifact without a trainer's metadata; and MLflow retries
 * visible in the component's log.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { evalSpec } from '../../components/eval/spec.js';
import { localExecutorInput } from '../../shared/kfp/local-input.js';
import type { JsonObject } from '../../shared/kfp/spec.js';
import type { ModelType } from '../../shared/models/registry.js';
import { openTracking, type Tracker } from '../../shared/tracking/index.js';
import { toYaml } from '../../shared/tracking/yaml.js';
import { artifactOf, runBundle, runLocally, tempDir, type LocalRunResult } from '../helpers/component.js';
import { repoRoot } from '../helpers/python.js';
import { trainedModels } from '../helpers/trained-models.js';
import { startMlflow, type MlflowServer } from '../services/mlflow.js';
import { startBrokenProxy, type BrokenProxy } from '../tracking/broken-proxy.js';

const MODEL = 'flts-forecaster';
const INPUT: Record<ModelType, 'gru_model' | 'lstm_model' | 'prophet_model'> = { gru: 'gru_model', lstm: 'lstm_model', prophet: 'prophet_model' };
/** The persistence baseline every candidate is compared with (scaled RMSE). */
const PERSISTENCE_RMSE = 0.2;
/** Fast MLflow retries, so that a call that keeps failing gives up within a second. */
const FAST_RETRIES = { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2', MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.05', MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0' };

interface Candidate {
  input: 'gru_model' | 'lstm_model' | 'prophet_model';
  runId: string;
  artifact: { uri: string; metadata: JsonObject };
}

/**
 * A trained model as a trainer leaves it: a finished MLflow run with the model logged (MLmodel included), and
 * the `model` artifact whose metadata carries the held-out metrics. The model files are a real model of that kind
 * (eval checks that they load); the metrics are the test's own.
 */
async function trainedModel(tracker: Tracker, root: string, type: ModelType, rmse: number): Promise<Candidate> {
  const models = await trainedModels();
  const run = await tracker.startRun({ runName: `train-${type}`, tags: { 'flts.model_type': type } });
  const directory = join(root, `${type}-${run.runId}`);
  await cp(models.directories[type], directory, { recursive: true, filter: (source) => basename(source) !== 'MLmodel' });
  const flavor = type === 'prophet' ? { name: 'prophet', config: { model_file: 'prophet.json' } } : { name: 'tfjs_layers', config: { model_file: 'model.json', cell: type } };
  const logged = await run.logModel(directory, 'model', { flavor, metadata: { config_hash: models.configHash, model_type: type } });
  await writeFile(join(directory, 'MLmodel'), toYaml(logged.mlmodel as never));
  await run.end('FINISHED');
  const metadata: JsonObject = {
    model_type: type,
    run_id: run.runId,
    model_uri: logged.modelUri,
    config_hash: models.configHash,
    input_length: 12,
    horizon: 3,
    targets: 300,
    test_rmse: rmse,
    test_mae: rmse * 0.8,
    test_mse: rmse * rmse,
    test_rmse_original: rmse * 100,
    test_mae_original: rmse * 80,
    test_mse_original: rmse * rmse * 1e4,
    persistence_rmse: PERSISTENCE_RMSE,
    skill_vs_persistence: 1 - rmse / PERSISTENCE_RMSE,
  };
  return { input: INPUT[type], runId: run.runId, artifact: { uri: directory, metadata } };
}

interface Setup {
  tracking: string;
  env: NodeJS.ProcessEnv;
  /** Where the promotion records go. */
  bucket: string;
  root: string;
  tracker: Tracker;
  versions(): Promise<{ version: string; runId: string }[]>;
}

async function runEval(setup: Setup, candidates: Candidate[], parameters: Record<string, string | number> = {}, tracking = setup.tracking): Promise<LocalRunResult> {
  const artifacts = Object.fromEntries(candidates.map((c) => [c.input, c.artifact]));
  return runLocally(evalSpec, join(await tempDir('flts-eval-task-'), 'task'), { mlflow_tracking_uri: tracking, promotion_bucket: setup.bucket, ...parameters }, artifacts, setup.env);
}

function succeeded(run: LocalRunResult): LocalRunResult {
  assert.equal(run.code, 0, run.stderr);
  return run;
}

/** The run's one failure line, after asserting the exit code and that no output was left behind. */
async function failed(run: LocalRunResult, code: number): Promise<string> {
  assert.equal(run.code, code, run.stderr);
  assert.deepEqual(existsSync(run.taskRoot) ? await readdir(run.taskRoot) : [], [], 'no outputs');
  const lines = run.stderr.split('\n').filter((line) => line.startsWith('flts eval:'));
  assert.equal(lines.length, 1, run.stderr);
  return lines[0]!;
}

async function champion(setup: Setup, alias = 'champion'): Promise<{ version: string; runId: string | undefined }> {
  const version = await setup.tracker.getModelVersionByAlias(MODEL, alias);
  return { version: version.version, runId: version.runId };
}

/** What a failed eval must leave as it found it: the champion alias, the registry's versions, current.json. */
async function promotionState(setup: Setup) {
  return { champion: await champion(setup), versions: await setup.versions(), current: await readFile(join(setup.bucket, 'current.json'), 'utf8') };
}

/** Whether `alias` is set at all. */
async function hasAlias(setup: Setup, alias: string): Promise<boolean> {
  return setup.tracker.getModelVersionByAlias(MODEL, alias).then(
    () => true,
    () => false,
  );
}

/** Every file below `directory`, "/"-separated, sorted; none when it does not exist. */
async function filesUnder(directory: string): Promise<string[]> {
  if (!existsSync(directory)) return [];
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(directory.length + 1)).sort();
}

const readJson = async (path: string) => JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;

/** The behaviour both tracking stores must show. */
function promotionCases(setup: () => Setup): void {
  it('promotes the best candidate: version, alias, records and outputs agree', async () => {
    const s = setup();
    const gru = await trainedModel(s.tracker, s.root, 'gru', 0.1);
    const lstm = await trainedModel(s.tracker, s.root, 'lstm', 0.15);
    const before = (await s.versions()).length;
    const trained = (await s.tracker.getRun(gru.runId)).info;
    const run = succeeded(await runEval(s, [gru, lstm]));
    assert.equal(run.output!.parameterValues!['selected_run_id'], gru.runId);
    const selected = artifactOf(run, 'selected_model').metadata!;
    assert.equal((await s.versions()).length, before + 1);
    assert.deepEqual(await champion(s), { version: selected['registered_version'], runId: gru.runId });
    const current = await readJson(join(s.bucket, 'current.json'));
    assert.deepEqual(current['registered_model'], { name: MODEL, alias: 'champion', version: selected['registered_version'] });
    assert.deepEqual(await readJson(artifactOf(run, 'promotion_metadata').uri), current);
    const winnerRun = await s.tracker.getRun(gru.runId);
    assert.deepEqual(winnerRun.info, trained, 'the training run is tagged, not resumed: status and end time as the trainer left them');
    assert.equal(winnerRun.info.status, 'FINISHED');
    assert.equal(winnerRun.tags['promoted'], 'true');
    assert.equal(winnerRun.tags['flts.promoted_at'], current['timestamp']);
    assert.deepEqual(
      (await s.versions()).filter((v) => v.runId === gru.runId).map((v) => v.version),
      [selected['registered_version']],
    );
  });

  it('reuses a version registered for the winning run that nothing else records (an eval killed right after registering)', async () => {
    const s = setup();
    const gru = await trainedModel(s.tracker, s.root, 'gru', 0.1);
    const modelUri = String(gru.artifact.metadata['model_uri']);
    // Registered twice (as an older eval could leave it), with no tag on the run, no alias and no record.
    const orphan = await s.tracker.registerModel(modelUri, MODEL);
    await s.tracker.registerModel(modelUri, MODEL);
    const count = (await s.versions()).length;
    const trained = (await s.tracker.getRun(gru.runId)).info;

    const run = succeeded(await runEval(s, [gru]));
    assert.equal(artifactOf(run, 'selected_model').metadata!['registered_version'], orphan.version, 'the lowest of the run\'s versions');
    assert.equal((await s.versions()).length, count, 'no new version');
    assert.deepEqual(await champion(s), { version: orphan.version, runId: gru.runId });
    assert.deepEqual((await s.tracker.getRun(gru.runId)).info, trained);
  });

  it('re-running eval for the same winning run reuses its version, even after the alias moved on', async () => {
    const s = setup();
    const gru = await trainedModel(s.tracker, s.root, 'gru', 0.1);
    const first = succeeded(await runEval(s, [gru]));
    const version = artifactOf(first, 'selected_model').metadata!['registered_version'];
    const count = (await s.versions()).length;

    const again = succeeded(await runEval(s, [gru]));
    assert.equal(artifactOf(again, 'selected_model').metadata!['registered_version'], version);
    assert.equal((await s.versions()).length, count, 'no new version');

    const prophet = await trainedModel(s.tracker, s.root, 'prophet', 0.05);
    succeeded(await runEval(s, [prophet]));
    assert.equal((await champion(s)).runId, prophet.runId);
    const back = succeeded(await runEval(s, [gru]));
    assert.equal(artifactOf(back, 'selected_model').metadata!['registered_version'], version);
    assert.deepEqual(await champion(s), { version, runId: gru.runId });
    assert.equal((await s.versions()).length, count + 1, 'only the Prophet run added a version');
    assert.deepEqual(
      (await s.versions()).filter((v) => v.runId === gru.runId).map((v) => v.version),
      [version],
    );
  });

  it('a promotion record that cannot be written leaves the alias, the registry and the runs untouched', async () => {
    const s = setup();
    const gru = await trainedModel(s.tracker, s.root, 'gru', 0.1);
    succeeded(await runEval(s, [gru]));
    const before = await promotionState(s);

    const lstm = await trainedModel(s.tracker, s.root, 'lstm', 0.05);
    const blocker = join(s.root, 'a-file');
    await writeFile(blocker, 'not a directory');
    const line = await failed(await runEval({ ...s, bucket: join(blocker, 'sub') }, [gru, lstm]), 1);
    assert.match(line, /^flts eval: StorageError: .*a-file\/sub/);
    assert.deepEqual(await promotionState(s), before, 'alias, registry versions and current.json as they were');
    const lstmRun = await s.tracker.getRun(lstm.runId);
    assert.equal(lstmRun.info.status, 'FINISHED');
    assert.equal(lstmRun.tags['promoted'], undefined);
  });

  it('current.json pointers that cannot be written (the last step) move the alias back and take the promotion back', async () => {
    const s = setup();
    const alias = 'pointers';
    const bucket = join(s.root, 'blocked-pointers');
    const t = { ...s, bucket };
    const block = async () => {
      // The root current.json becomes a directory: the scope's pointer is written, then the root's fails.
      await rm(join(bucket, 'current.json'), { force: true });
      await mkdir(join(bucket, 'current.json'), { recursive: true });
      await writeFile(join(bucket, 'current.json', 'blocked'), '');
    };
    const gru = await trainedModel(s.tracker, s.root, 'gru', 0.1);

    // The first promotion to this alias: the alias was not set before, so it is removed again.
    await block();
    const first = await runEval(t, [gru], { alias });
    assert.match(await failed(first, 1), /^flts eval: StorageError: .*current\.json/);
    assert.equal(await hasAlias(s, alias), false, 'the alias was removed again');
    // The promotion lock's objects (.lock/) stay: one small record per promotion, released.
    assert.deepEqual((await filesUnder(bucket)).filter((file) => !file.startsWith('.lock/')), ['current.json/blocked'], 'no pointer and no history entry left');
    assert.equal((await s.tracker.getRun(gru.runId)).tags['promoted'], undefined);

    // A promotion that works (reusing the version the failed eval registered), then one whose pointers fail.
    await rm(join(bucket, 'current.json'), { recursive: true });
    const count = (await s.versions()).length;
    const ok = succeeded(await runEval(t, [gru], { alias }));
    assert.equal((await s.versions()).length, count, 'the version the failed eval registered is reused');
    const before = {
      alias: await champion(s, alias),
      scope: await readFile(join(bucket, 'global', 'current.json'), 'utf8'),
      files: (await filesUnder(bucket)).filter((file) => !file.startsWith('.lock/')),
    };
    assert.equal(before.alias.version, artifactOf(ok, 'selected_model').metadata!['registered_version']);

    const lstm = await trainedModel(s.tracker, s.root, 'lstm', 0.05);
    const lstmBefore = (await s.tracker.getRun(lstm.runId)).info;
    await block();
    const line = await failed(await runEval(t, [gru, lstm], { alias }), 1);
    assert.match(line, /^flts eval: StorageError: .*current\.json/);
    assert.deepEqual(await champion(s, alias), before.alias, 'the alias is back on the previous version');
    assert.equal(await readFile(join(bucket, 'global', 'current.json'), 'utf8'), before.scope, 'the scope pointer is put back');
    assert.deepEqual(
      (await filesUnder(bucket)).filter((file) => !file.startsWith('.lock/')),
      [...before.files.filter((file) => file !== 'current.json'), 'current.json/blocked'].sort(),
      'the history entry is removed',
    );
    const lstmRun = await s.tracker.getRun(lstm.runId);
    assert.deepEqual(lstmRun.info, lstmBefore, 'the training run is as the trainer left it');
    assert.equal(lstmRun.tags['promoted'], undefined, 'a tag that did not exist before is deleted, not set to "false"');
    assert.equal(lstmRun.tags['flts.promoted_at'], undefined);
    assert.equal((await s.versions()).filter((v) => v.runId === lstm.runId).length, 1, 'the LSTM version stays, for the next eval to reuse');
  });

  it('the skill gate: off by default; set, it picks the best candidate that passes, or fails promoting nothing', async () => {
    const s = setup();
    const good = await trainedModel(s.tracker, s.root, 'gru', 0.19);
    succeeded(await runEval(s, [good]));
    const before = await promotionState(s);

    // Worse than persistence (skill < 0), but the best score of the two: promoted without a gate, refused with one.
    const bad = await trainedModel(s.tracker, s.root, 'lstm', 0.21);
    const worse = await trainedModel(s.tracker, s.root, 'prophet', 0.3);
    (bad.artifact.metadata as Record<string, unknown>)['test_mae'] = 0.001;
    const line = await failed(await runEval(s, [bad, worse], { min_skill_vs_persistence: 0 }), 2);
    assert.match(line, /^flts eval: PromotionGateError: No candidate passes the promotion gate min_skill_vs_persistence = 0 .*lstm: skill_vs_persistence -0\.0500 < 0; prophet: skill_vs_persistence -0\.5000 < 0\. Nothing was promoted/);
    assert.deepEqual(await promotionState(s), before, 'alias, registry versions and current.json as they were');

    const better = await trainedModel(s.tracker, s.root, 'gru', 0.16);
    const gated = succeeded(await runEval(s, [better, bad], { min_skill_vs_persistence: 0.1 }));
    assert.equal(gated.output!.parameterValues!['selected_run_id'], better.runId, 'the LSTM scores better but is worse than persistence');
    const record = await readJson(artifactOf(gated, 'promotion_metadata').uri);
    assert.deepEqual(record['gate'], { min_skill_vs_persistence: 0.1, rejected: [{ model_type: 'lstm', run_id: bad.runId, reason: 'skill_vs_persistence -0.0500 < 0.1' }] });
    assert.match(await readFile(artifactOf(gated, 'report').uri, 'utf8'), /not eligible: skill_vs_persistence -0\.0500 &lt; 0\.1/);

    const ungated = succeeded(await runEval(s, [better, bad]));
    assert.equal(ungated.output!.parameterValues!['selected_run_id'], bad.runId, 'without the gate the best score wins');
  });

  it('the linear gate: only a candidate that beats the linear baseline by min_skill_vs_linear may be promoted; a warning when none beats it', async () => {
    const s = setup();
    const withLinear = (candidate: Candidate, linearRmse: number) => {
      const metadata = candidate.artifact.metadata as Record<string, unknown>;
      metadata['linear_rmse'] = linearRmse;
      metadata['skill_vs_linear'] = 1 - (metadata['test_rmse'] as number) / linearRmse;
      return candidate;
    };
    const gru = withLinear(await trainedModel(s.tracker, s.root, 'gru', 0.17), 0.18);
    const lstm = withLinear(await trainedModel(s.tracker, s.root, 'lstm', 0.15), 0.14);
    const gated = succeeded(await runEval(s, [gru, lstm], { min_skill_vs_linear: 0 }));
    assert.equal(gated.output!.parameterValues!['selected_run_id'], gru.runId, 'the LSTM scores better but loses to the linear baseline');
    const record = await readJson(artifactOf(gated, 'promotion_metadata').uri);
    assert.deepEqual(record['gate'], { min_skill_vs_linear: 0, rejected: [{ model_type: 'lstm', run_id: lstm.runId, reason: 'skill_vs_linear -0.0714 < 0' }] });

    const losing = withLinear(await trainedModel(s.tracker, s.root, 'gru', 0.2), 0.18);
    const warned = succeeded(await runEval(s, [losing, lstm]));
    assert.match(warned.stderr, /WARNING every candidate loses to the linear autoregressive baseline on the held-out targets \(lstm skill_vs_linear -0\.0714, gru skill_vs_linear -0\.1111\)/);
    const refused = await failed(await runEval(s, [losing, lstm], { min_skill_vs_linear: 0 }), 2);
    assert.match(refused, /^flts eval: PromotionGateError: No candidate passes the promotion gate min_skill_vs_linear = 0 .*lstm: skill_vs_linear -0\.0714 < 0; gru: skill_vs_linear -0\.1111 < 0\./);
  });
}

describe('eval promotion on an offline mlruns store', () => {
  let state: Setup;
  before(async () => {
    const root = await tempDir('flts-eval-');
    const tracking = join(root, 'mlruns');
    state = {
      tracking,
      env: {},
      bucket: join(root, 'model-promotion'),
      root,
      tracker: await openTracking({ trackingUri: tracking, experiment: 'flts-train' }),
      // The FileStore layout MLflow reads: models/<name>/version-<n>/meta.yaml.
      versions: async () => {
        const directory = join(tracking, 'models', MODEL);
        const entries = existsSync(directory) ? (await readdir(directory)).filter((name) => name.startsWith('version-')) : [];
        const versions = await Promise.all(entries.map((entry) => state.tracker.getModelVersion(MODEL, entry.slice('version-'.length))));
        return versions.map((v) => ({ version: v.version, runId: v.runId ?? '' })).sort((a, b) => Number(a.version) - Number(b.version));
      },
    };
  });
  promotionCases(() => state);

  it('names what an artifact without a trainer\'s metadata lacks, and what its directory holds (bad input: exit 2)', async () => {
    const gru = await trainedModel(state.tracker, state.root, 'gru', 0.1);
    const line = await failed(await runEval(state, [{ ...gru, artifact: { uri: gru.artifact.uri, metadata: {} } }]), 2);
    assert.equal(
      line,
      `flts eval: InvalidArtifactError: Input artifact "gru_model" is not a model from an FLTS trainer: model_type undefined (expected one of gru, lstm, prophet); ` +
        `its artifact metadata lacks run_id, model_uri, config_hash, test_rmse, test_mae, test_mse, test_rmse_original, test_mae_original, test_mse_original, input_length, horizon, targets. ` +
        `The artifact has no metadata at all; a trainer writes into the metadata of its "model" output the model_type, run_id, model_uri, config_hash and the held-out metrics ` +
        `(test_rmse, test_mae, test_mse and their *_original, input_length, horizon, targets) that eval ranks by. ` +
        `${gru.artifact.uri} does hold a GRU model (MLmodel metadata.model_type, MLflow run ${gru.runId}), but the model files do not carry its held-out metrics: ` +
        `pass the trainer's "model" output itself, not a copy of the model directory.`,
    );
    const partial = { ...gru.artifact.metadata };
    delete partial['test_rmse'];
    const partialLine = await failed(await runEval(state, [{ ...gru, artifact: { uri: gru.artifact.uri, metadata: partial } }]), 2);
    assert.match(partialLine, /is not a model from an FLTS trainer: its artifact metadata lacks test_rmse\. The artifact's metadata has only config_hash, horizon, /);
  });

  it('rank_by=interval_score promotes the model with the best interval score, and refuses candidates without one or of other widths', async () => {
    const withInterval = (candidate: Candidate, winkler: number, coverage: number, width = 0.8) => {
      Object.assign(candidate.artifact.metadata, { test_winkler: winkler, test_coverage: coverage, interval_width: width });
      return candidate;
    };
    // The GRU has the lower errors, the LSTM the better interval.
    const gru = withInterval(await trainedModel(state.tracker, state.root, 'gru', 0.1), 0.9, 0.55);
    const lstm = withInterval(await trainedModel(state.tracker, state.root, 'lstm', 0.12), 0.5, 0.8);
    assert.equal(succeeded(await runEval(state, [gru, lstm])).output!.parameterValues!['selected_run_id'], gru.runId, 'composite by default');
    const ranked = succeeded(await runEval(state, [gru, lstm], { rank_by: 'interval_score' }));
    assert.equal(ranked.output!.parameterValues!['selected_run_id'], lstm.runId);
    const record = await readJson(artifactOf(ranked, 'promotion_metadata').uri);
    assert.equal(record['rank_by'], 'interval_score');
    assert.deepEqual((record['candidates'] as { model_type: string; score: number; coverage: number }[]).map((c) => [c.model_type, c.score, c.coverage]), [['lstm', 0.5, 0.8], ['gru', 0.9, 0.55]]);
    assert.match(await readFile(artifactOf(ranked, 'report').uri, 'utf8'), /Score = the mean interval \(Winkler\) score of each model&#39;s 80 % prediction interval/);

    const bare = await trainedModel(state.tracker, state.root, 'prophet', 0.05);
    assert.match(await failed(await runEval(state, [gru, bare], { rank_by: 'interval_score' }), 2), /rank_by is "interval_score", but "prophet_model" report no finite test_winkler/);
    const wider = withInterval(await trainedModel(state.tracker, state.root, 'prophet', 0.05), 0.4, 0.95, 0.95);
    assert.match(await failed(await runEval(state, [gru, wider], { rank_by: 'interval_score' }), 2), /different nominal widths \(interval_width gru_model: 0\.8, prophet_model: 0\.95\)/);
  });
});

describe('eval promotion on a real MLflow server', () => {
  let mlflow: MlflowServer;
  let proxy: BrokenProxy;
  let state: Setup;
  before(async () => {
    mlflow = await startMlflow({ artifacts: 'proxy' });
    proxy = await startBrokenProxy(mlflow.url);
    const root = await tempDir('flts-eval-');
    state = {
      tracking: mlflow.url,
      env: FAST_RETRIES,
      bucket: join(root, 'model-promotion'),
      root,
      tracker: await openTracking({ trackingUri: mlflow.url, experiment: 'flts-train' }),
      // Straight from the server's REST API: every version of the registered model.
      versions: async () => {
        const reply = await fetch(`${mlflow.url}/api/2.0/mlflow/model-versions/search?filter=${encodeURIComponent(`name='${MODEL}'`)}`);
        const body = (await reply.json()) as { model_versions?: { version: string; run_id: string }[] };
        return (body.model_versions ?? []).map((v) => ({ version: String(v.version), runId: v.run_id })).sort((a, b) => Number(a.version) - Number(b.version));
      },
    };
  });
  after(async () => {
    await proxy?.close();
    await mlflow?.stop();
  });
  promotionCases(() => state);

  describe('verifies each candidate before scoring it, and names why one is rejected', () => {
    /** Runs eval on `bad` alone (exit 2, nothing promoted), then beside a good candidate (the good one wins, the bad one named). */
    async function rejected(bad: Candidate, reason: RegExp): Promise<void> {
      const before = await promotionState(state);
      const line = await failed(await runEval(state, [bad]), 2);
      assert.match(line, /^flts eval: DataError: Eval needs at least 1 candidate model\(s\) \(min_models\); got 0: none\. Input ".*" is rejected: /);
      assert.match(line, reason);
      assert.deepEqual(await promotionState(state), before, 'no version, alias move or record');
      const good = await trainedModel(state.tracker, state.root, bad.input === 'gru_model' ? 'lstm' : 'gru', 0.15);
      const run = succeeded(await runEval(state, [bad, good]));
      assert.equal(run.output!.parameterValues!['selected_run_id'], good.runId);
      assert.match(run.stderr, reason);
    }

    it('a model directory without its weights', async () => {
      const gru = await trainedModel(state.tracker, state.root, 'gru', 0.01);
      for (const file of await readdir(gru.artifact.uri)) if (file.endsWith('.bin')) await rm(join(gru.artifact.uri, file));
      await rejected(gru, /Input "gru_model" is rejected: its model does not load: .*lacks/);
    });

    it('a Prophet model labelled lstm', async () => {
      const prophet = await trainedModel(state.tracker, state.root, 'prophet', 0.01);
      const labelled = { input: 'lstm_model' as const, runId: prophet.runId, artifact: { uri: prophet.artifact.uri, metadata: { ...prophet.artifact.metadata, model_type: 'lstm' } } };
      await rejected(labelled, /Input "lstm_model" is rejected: its model does not load: .*labelled lstm by the artifact metadata \(model_type\) but prophet/);
    });

    it('a CSV file given as a model', async () => {
      const gru = await trainedModel(state.tracker, state.root, 'gru', 0.01);
      const csv = join(state.root, `not-a-model-${gru.runId}.csv`);
      await writeFile(csv, 'time,down\n2020-01-01,1\n');
      await rejected({ ...gru, artifact: { uri: csv, metadata: gru.artifact.metadata } }, /Input "gru_model" is rejected: .*not-a-model-.*\.csv is not a model directory/);
    });

    it('a negative held-out metric', async () => {
      const gru = await trainedModel(state.tracker, state.root, 'gru', 0.01);
      await rejected({ ...gru, artifact: { uri: gru.artifact.uri, metadata: { ...gru.artifact.metadata, test_rmse: -1 } } }, /rejected: its metadata says test_rmse = -1; held-out errors are finite and non-negative/);
      await rejected({ ...gru, artifact: { uri: gru.artifact.uri, metadata: { ...gru.artifact.metadata, test_mse_original: -0.5 } } }, /rejected: its metadata says test_mse_original = -0\.5;/);
    });

    it('a held-out metric of -0 (written -0.0 in the ExecutorInput, which JSON keeps)', async () => {
      const gru = await trainedModel(state.tracker, state.root, 'gru', 0.01);
      const taskRoot = join(await tempDir('flts-eval-task-'), 'task');
      const input = localExecutorInput(evalSpec, taskRoot, { mlflow_tracking_uri: state.tracking, promotion_bucket: state.bucket }, { gru_model: gru.artifact });
      const text = JSON.stringify(input).replace(/"test_rmse":[^,}]+/, '"test_rmse":-0.0');
      assert.match(text, /"test_rmse":-0\.0/);
      const run = await runBundle('eval', ['--executor-input', text], state.env);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /Input "gru_model" is rejected: its metadata says test_rmse = -0; held-out errors are finite and non-negative/);
      assert.equal(existsSync(taskRoot) ? (await readdir(taskRoot)).length : 0, 0, 'no outputs');
    });

    it('an input artifact given empty ({} or []) is named, not silently dropped', async () => {
      const good = await trainedModel(state.tracker, state.root, 'gru', 0.01);
      for (const empty of [{}, []]) {
        const taskRoot = join(await tempDir('flts-eval-task-'), 'task');
        const input = localExecutorInput(evalSpec, taskRoot, { mlflow_tracking_uri: state.tracking, promotion_bucket: state.bucket, min_models: 2 }, { gru_model: good.artifact });
        ((input['inputs'] as JsonObject)['artifacts'] as JsonObject)['lstm_model'] = empty;
        const refused = await runBundle('eval', ['--executor-input', JSON.stringify(input)], state.env);
        assert.equal(refused.code, 2, refused.stderr);
        assert.match(refused.stderr, /flts eval: DataError: Eval needs at least 2 candidate model\(s\) \(min_models\); got 1: gru_model\. Input artifact "lstm_model" was given empty, so it is not a candidate\./);
        ((input['inputs'] as JsonObject)['parameterValues'] as JsonObject)['min_models'] = 1;
        const promoted = await runBundle('eval', ['--executor-input', JSON.stringify(input)], state.env);
        assert.equal(promoted.code, 0, promoted.stderr);
        assert.match(promoted.stderr, /WARNING Input artifact "lstm_model" was given empty, so it is not a candidate\./);
      }
    });

    it('a run id or model URI of another run', async () => {
      const gru = await trainedModel(state.tracker, state.root, 'gru', 0.01);
      const other = await trainedModel(state.tracker, state.root, 'gru', 0.5);
      await rejected({ ...gru, artifact: { uri: gru.artifact.uri, metadata: { ...gru.artifact.metadata, model_uri: `runs:/${other.runId}/model` } } }, /rejected: its model_uri "runs:\/\w+\/model" is not runs:\/\w+\/… of its run_id/);
      await rejected(
        { ...gru, artifact: { uri: gru.artifact.uri, metadata: { ...gru.artifact.metadata, run_id: other.runId, model_uri: `runs:/${other.runId}/model` } } },
        /rejected: its MLmodel file names run \w+, its metadata run \w+; the model files belong to another run/,
      );
    });
  });

  it('two evals racing for 20 rounds: alias and both current.json always agree, never two versions for one run', async () => {
    const counts = { inconsistent: 0, duplicates: 0 };
    for (let round = 1; round <= 20; round++) {
      const a = await trainedModel(state.tracker, state.root, 'gru', 0.1);
      const b = await trainedModel(state.tracker, state.root, 'prophet', 0.2);
      // Odd rounds: the same winner (a) from both; even rounds: a different winner each.
      const [first, second] = await Promise.all([runEval(state, [a]), runEval(state, round % 2 === 1 ? [a, b] : [b])]);
      succeeded(first);
      succeeded(second);
      const alias = await champion(state);
      const pointers = await Promise.all(['current.json', 'global/current.json'].map((file) => readJson(join(state.bucket, file))));
      const agree = pointers.every((pointer) => pointer['run_id'] === alias.runId && (pointer['registered_model'] as { version: string }).version === alias.version);
      if (!agree) counts.inconsistent += 1;
      const versions = await state.versions();
      for (const runId of [a.runId, b.runId]) if (versions.filter((v) => v.runId === runId).length > 1) counts.duplicates += 1;
    }
    assert.deepEqual(counts, { inconsistent: 0, duplicates: 0 });
  });

  it('SIGTERM right after the alias moved: exit 143, one line, and the alias and current.json still agree', async () => {
    const gru = await trainedModel(state.tracker, state.root, 'gru', 0.1);
    succeeded(await runEval(state, [gru]));
    const lstm = await trainedModel(state.tracker, state.root, 'lstm', 0.01);
    const taskRoot = join(await tempDir('flts-eval-task-'), 'task');
    const input = localExecutorInput(evalSpec, taskRoot, { mlflow_tracking_uri: state.tracking, promotion_bucket: state.bucket }, { gru_model: gru.artifact, lstm_model: lstm.artifact });
    const stopped = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [join(repoRoot, 'dist', 'eval.js'), '--executor-input', JSON.stringify(input)], { cwd: repoRoot, env: { ...process.env, ...state.env } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        if (/alias moved/.test(stdout) && !child.killed) child.kill('SIGTERM');
      });
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('exit', (code) => resolve({ code, stderr }));
    });
    assert.equal(stopped.code, 143, stopped.stderr);
    const lines = stopped.stderr.split('\n').filter((line) => line.startsWith('flts eval:'));
    assert.deepEqual(lines.map((line) => line.replace(/;.*/, '')), ['flts eval: Interrupted: received SIGTERM'], stopped.stderr);
    assert.deepEqual(existsSync(taskRoot) ? await readdir(taskRoot) : [], [], 'no outputs');
    const alias = await champion(state);
    for (const file of ['current.json', 'global/current.json']) {
      const pointer = await readJson(join(state.bucket, file));
      assert.equal(pointer['run_id'], alias.runId, `${file} names the run the alias points at`);
      assert.equal((pointer['registered_model'] as { version: string }).version, alias.version, file);
    }
  });

  it('repairs a promotion whose eval died holding the lock after moving the alias (current.json caught up)', async () => {
    const gru = await trainedModel(state.tracker, state.root, 'gru', 0.1);
    succeeded(await runEval(state, [gru]));
    // What an eval killed (SIGKILL) between moving the alias and writing current.json leaves: the alias on a new
    // version, an expired lock with its intent, no release, the pointers one promotion behind.
    const lstm = await trainedModel(state.tracker, state.root, 'lstm', 0.05);
    const version = await state.tracker.registerModel(String(lstm.artifact.metadata['model_uri']), MODEL);
    await state.tracker.setAlias(MODEL, 'champion', version.version);
    const lockDir = join(state.bucket, '.lock');
    const numbers = (await readdir(lockDir)).filter((name) => name.startsWith('lock-')).map((name) => Number(name.slice(5, 13)));
    const next = String(Math.max(...numbers) + 1).padStart(8, '0');
    const record = { ...(await readJson(join(state.bucket, 'current.json'))), run_id: lstm.runId, model_type: 'lstm', registered_model: { name: MODEL, alias: 'champion', version: version.version } };
    await writeFile(join(lockDir, `lock-${next}.json`), JSON.stringify({ owner: 'dead', number: Number(next), acquired_at: '', expires_at: Date.now() - 1 }));
    await writeFile(join(lockDir, `intent-${next}.json`), JSON.stringify({ record, pointerUris: [join(state.bucket, 'global', 'current.json'), join(state.bucket, 'current.json')] }));
    assert.notEqual((await readJson(join(state.bucket, 'current.json')))['run_id'], (await champion(state)).runId, 'the half-finished state: they disagree');

    // The next eval, waiting for the lock, finds it expired and repairs first, then promotes its own winner.
    const later = await trainedModel(state.tracker, state.root, 'prophet', 0.09);
    const run = succeeded(await runEval(state, [later]));
    assert.match(run.stderr, /repaired an abandoned promotion: the alias had moved, current\.json now says so/);
    assert.equal((await readJson(join(state.bucket, 'current.json')))['run_id'], (await champion(state)).runId);
  });

  it('shows MLflow retries in its log (the component logger is the tracking client\'s)', async () => {
    const gru = await trainedModel(state.tracker, state.root, 'gru', 0.1);
    proxy.breakNext({ path: /registered-models\/alias$/, method: 'POST', times: 1 });
    const run = succeeded(await runEval(state, [gru], {}, proxy.url));
    assert.match(run.stderr, /^\[eval\] WARNING MLflow POST registered-models\/alias at http:\/\/127\.0\.0\.1:\d+ failed; retrying/m);
    assert.deepEqual(await champion(state), { version: artifactOf(run, 'selected_model').metadata!['registered_version'], runId: gru.runId });
  });

  it('an alias move that keeps failing puts the records and the winner\'s tags back, and the re-run reuses the version', async () => {
    const gru = await trainedModel(state.tracker, state.root, 'gru', 0.1);
    succeeded(await runEval(state, [gru]));
    const before = { champion: await champion(state), current: await readFile(join(state.bucket, 'current.json'), 'utf8'), count: (await state.versions()).length };

    const lstm = await trainedModel(state.tracker, state.root, 'lstm', 0.05);
    const lstmBefore = (await state.tracker.getRun(lstm.runId)).info;
    proxy.breakNext({ path: /registered-models\/alias$/, method: 'POST', times: 100 });
    const line = await failed(await runEval(state, [gru, lstm], {}, proxy.url), 1);
    assert.match(line, /^flts eval: TrackingError: .*registered-models\/alias/);
    assert.deepEqual(await champion(state), before.champion, 'the alias did not move');
    assert.equal(await readFile(join(state.bucket, 'current.json'), 'utf8'), before.current, 'the records are as they were');
    const lstmRun = await state.tracker.getRun(lstm.runId);
    assert.deepEqual(lstmRun.info, lstmBefore, 'the training run is as the trainer left it');
    assert.equal(lstmRun.tags['promoted'], undefined, 'a tag that did not exist before is deleted');
    // The version was registered before the alias call failed; the re-run finds it in the registry and reuses it.
    const registered = (await state.versions()).filter((v) => v.runId === lstm.runId).map((v) => v.version);
    assert.equal(registered.length, 1);
    assert.equal((await state.versions()).length, before.count + 1);

    proxy.breakNext();
    const retry = succeeded(await runEval(state, [gru, lstm], {}, proxy.url));
    assert.equal(artifactOf(retry, 'selected_model').metadata!['registered_version'], registered[0]);
    assert.equal((await state.versions()).length, before.count + 1, 'no duplicate version');
    assert.deepEqual(await champion(state), { version: registered[0], runId: lstm.runId });
    const promoted = await state.tracker.getRun(lstm.runId);
    assert.equal(promoted.tags['promoted'], 'true');
    assert.deepEqual(promoted.info, lstmBefore);
  });
});
