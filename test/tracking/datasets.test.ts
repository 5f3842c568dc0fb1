/**
 * Run dataset inputs and the experiment kind, in both stores, checked by MLflow itself: the Python client reads
 * them back from a real server and from an offline mlruns/ directory, and MLflow's own FileStore, given the same
 * dataset, writes the same files as the offline store.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { openTracking, type DatasetInput, type Tracker } from '../../shared/tracking/index.js';
import { startMlflow, type MlflowServer } from '../services/mlflow.js';

const exec = promisify(execFile);
const PYTHON = fileURLToPath(new URL('../../.venv/bin/python', import.meta.url));
const SCRIPT = fileURLToPath(new URL('read_inputs.py', import.meta.url));
const DIGEST = 'a3f1c2d4e5b6a7980112233445566778899aabbccddeeff00112233445566778';

/** The training and validation splits of one preprocess run, as the trainers log them. */
const SPLITS: DatasetInput[] = (['train', 'validation'] as const).map((split, i) => ({
  name: `flts-${split}`,
  digest: DIGEST.slice(0, 36),
  sourceUri: `s3://processed-data/flts/cfg123/${split}.parquet`,
  schema: [
    { name: 'time', type: 'datetime' },
    { name: 'down', type: 'double' },
  ],
  profile: { num_rows: 1500 - i * 500, data_digest: DIGEST },
  context: split === 'train' ? 'training' : 'validation',
  tags: { 'flts.config_hash': 'cfg123' },
}));

/** What MLflow's client should read for SPLITS. */
const EXPECTED = SPLITS.map((input) => ({
  name: input.name,
  digest: input.digest,
  source_type: 's3',
  source: JSON.stringify({ uri: input.sourceUri }),
  schema: '{"mlflow_colspec":[{"type":"datetime","name":"time","required":true},{"type":"double","name":"down","required":true}]}',
  profile: JSON.stringify(input.profile),
  tags: { 'mlflow.data.context': input.context, 'flts.config_hash': 'cfg123' },
}));

async function python(...args: string[]): Promise<any> {
  const { stdout } = await exec(PYTHON, [SCRIPT, ...args], { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout);
}

const md5 = (...parts: string[]) => parts.reduce((hash, part) => hash.update(part, 'utf8'), createHash('md5')).digest('hex');

describe('run dataset inputs and the experiment kind', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flts-datasets-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  describe('offline (mlruns/)', () => {
    let tracker: Tracker;
    let runId: string;
    before(async () => {
      tracker = await openTracking({ trackingUri: join(dir, 'mlruns'), experiment: 'flts-datasets', env: {} });
      const run = await tracker.startRun({ runName: 'GRU' });
      runId = run.runId;
      await run.logInputs(SPLITS);
      await run.logInputs(SPLITS.slice(0, 1)); // again: nothing new
      await run.end();
    });

    it('is read back by MLflow as the run’s datasets, with name, digest, source, schema, profile and context', async () => {
      const seen = await python('read', join(dir, 'mlruns'), runId);
      assert.deepEqual(seen.inputs, EXPECTED);
    });

    it('marks the experiment as model development, so MLflow 3 does not open it in its GenAI view', async () => {
      const seen = await python('read', join(dir, 'mlruns'), runId);
      assert.equal(seen.experiment_tags['mlflow.experimentKind'], 'custom_model_development');
    });

    it('writes the files MLflow’s own FileStore writes for the same dataset input', async () => {
      const [input] = SPLITS;
      const reference = await python(
        'write',
        join(dir, 'reference-mlruns'),
        JSON.stringify({ dataset: { ...EXPECTED[0], tags: undefined }, tags: EXPECTED[0]!.tags }),
      );
      const datasetId = md5(input!.name, input!.digest);
      const theirs = reference.files as Record<string, any>;
      assert.deepEqual(Object.keys(theirs).sort(), [`<run>/inputs/${md5(datasetId, reference.run_id)}/meta.yaml`, `datasets/${datasetId}/meta.yaml`].sort());
      const experiment = join(dir, 'mlruns', tracker.experimentId);
      const ours = {
        dataset: parse(await readFile(join(experiment, 'datasets', datasetId, 'meta.yaml'), 'utf8')),
        input: parse(await readFile(join(experiment, runId, 'inputs', md5(datasetId, runId), 'meta.yaml'), 'utf8')),
      };
      assert.deepEqual(ours.dataset, theirs[`datasets/${datasetId}/meta.yaml`]);
      // MLflow writes the dataset id as destination_id (a slip its reader ignores); we write the run id.
      assert.deepEqual(ours.input, { ...theirs[`<run>/inputs/${md5(datasetId, reference.run_id)}/meta.yaml`], destination_id: runId });
    });

    it('keeps a tag someone set on an existing experiment', async () => {
      const other = await openTracking({ trackingUri: join(dir, 'mlruns'), experiment: 'genai', env: {} });
      const tagFile = join(dir, 'mlruns', other.experimentId, 'tags', 'mlflow.experimentKind');
      await writeFile(tagFile, 'genai_development');
      await openTracking({ trackingUri: join(dir, 'mlruns'), experiment: 'genai', env: {} });
      assert.equal(await readFile(tagFile, 'utf8'), 'genai_development');
    });
  });

  describe('over REST (real server)', () => {
    let mlflow: MlflowServer;
    let runId: string;
    before(async () => {
      mlflow = await startMlflow();
      const tracker = await openTracking({ trackingUri: mlflow.url, experiment: 'flts-datasets', env: {} });
      const run = await tracker.startRun({ runName: 'GRU' });
      runId = run.runId;
      await run.logInputs(SPLITS);
      await run.logInputs(SPLITS);
      await run.end();
    });
    after(async () => mlflow?.stop());

    it('is read back by MLflow as the run’s datasets, each once', async () => {
      const seen = await python('read', mlflow.url, runId);
      assert.deepEqual(seen.inputs, EXPECTED);
    });

    it('creates the experiment with the model-development kind', async () => {
      const seen = await python('read', mlflow.url, runId);
      assert.equal(seen.experiment_tags['mlflow.experimentKind'], 'custom_model_development');
    });

    it('adds the kind to an experiment created without it', async () => {
      const client = await openTracking({ trackingUri: mlflow.url, experiment: 'made-elsewhere', env: {} });
      const deleted = await fetch(`${mlflow.url}/api/2.0/mlflow/experiments/delete-experiment-tag`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ experiment_id: client.experimentId, key: 'mlflow.experimentKind' }) });
      assert.equal(deleted.status, 200, await deleted.text());
      await openTracking({ trackingUri: mlflow.url, experiment: 'made-elsewhere', env: {} });
      const run = await client.startRun();
      const seen = await python('read', mlflow.url, run.runId);
      assert.equal(seen.experiment_tags['mlflow.experimentKind'], 'custom_model_development');
    });

    it('refuses a digest longer than MLflow allows before sending anything', async () => {
      const tracker = await openTracking({ trackingUri: mlflow.url, experiment: 'flts-datasets', env: {} });
      const run = await tracker.startRun();
      await assert.rejects(run.logInputs([{ ...SPLITS[0]!, digest: DIGEST }]), {
        name: 'TrackingError',
        message: 'Dataset input "flts-train": digest must be 1 to 36 characters; got 64.',
      });
    });
  });
});
