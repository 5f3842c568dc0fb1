/**
 * What the serve tests stand on: a real MLflow server, real models trained on generated data by the real trainer
 * bundles (a tiny GRU and a Prophet with intervals) and registered in it, the served bundle started as a child
 * process (`node dist/inference.js serve`), and request bodies built from the generated data.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { preprocessSpec } from '../../components/preprocess/spec.js';
import { trainGruSpec } from '../../components/train-gru/spec.js';
import { trainProphetSpec } from '../../components/train-prophet/spec.js';
import { writeSampleData } from '../../pipelines/sample-data.js';
import { openTracking, type Tracker } from '../../shared/tracking/index.js';
import { artifactOf, runLocally, tempDir, type LocalRunResult } from '../helpers/component.js';
import { repoRoot } from '../helpers/python.js';
import { startMlflow, type MlflowServer } from '../services/mlflow.js';
import { freePort, startService, type RunningService } from '../services/process.js';

export const MODEL = 'flts-forecaster';
/** The task every test model shares: 12 rows in, 3 steps out, at the sample data's 2-minute frequency. */
export const TASK = { input_length: 12, horizon: 3 };
export const STEP_MS = 120_000;

export interface TrainedModel {
  runId: string;
  modelUri: string;
  type: 'gru' | 'prophet';
}

export interface Registry {
  mlflow: MlflowServer;
  tracker: Tracker;
  gru: TrainedModel;
  prophet: TrainedModel;
  /** The raw held-out CSV rows (time, down, up, rnti_count), original units. */
  rows: SampleRow[];
  /** Preprocess's held-out split of the same rows (scaled, with time features): what batch inference reads. */
  inferenceData: string;
  /** The preprocessing manifest the model was logged with (scaler, features, window). */
  manifest(model: TrainedModel): Promise<{ scaler: { columns: Record<string, { center: number; scale: number }> }; features: string[] }>;
  /** Registers `model` as a new version of MODEL and points `alias` at it; returns the version. */
  promote(model: TrainedModel, alias?: string): Promise<string>;
  stop(): Promise<void>;
}

export interface SampleRow {
  time: string;
  down: number;
  up: number;
  rnti_count: number;
}

const ok = (run: LocalRunResult) => {
  assert.equal(run.code, 0, `${run.taskRoot}: ${run.stderr}`);
  return run;
};

/** Starts MLflow and trains, logs and registers one GRU (alias champion) and one Prophet (no alias yet). */
export async function trainedRegistry(): Promise<Registry> {
  const mlflow = await startMlflow();
  try {
    const root = await tempDir('flts-serve-');
    const train = join(root, 'train.csv');
    const test = join(root, 'test.csv');
    await writeSampleData(train, test, 3);
    const env = { FLTS_LOCAL_STORE: join(root, 'store'), ...mlflow.env };
    const prep = ok(await runLocally(preprocessSpec, join(root, 'prep'), { data_uri: train, test_data_uri: test, sample_train_rows: 800, sample_test_rows: 200 }, {}, env));
    const splits = { training_data: artifactOf(prep, 'training_data'), validation_data: artifactOf(prep, 'validation_data'), inference_data: artifactOf(prep, 'inference_data') };
    const common = { mlflow_tracking_uri: mlflow.url, config_hash: prep.output!.parameterValues!['config_hash'] as string, ...TASK };
    const [gruRun, prophetRun] = await Promise.all([
      runLocally(trainGruSpec, join(root, 'gru'), { ...common, epochs: 3, hidden_size: 8, batch_size: 128 }, splits, env),
      runLocally(trainProphetSpec, join(root, 'prophet'), { ...common, uncertainty_samples: 50 }, splits, env),
    ]);
    const trained = (run: LocalRunResult, type: TrainedModel['type']): TrainedModel => {
      const metadata = artifactOf(ok(run), 'model').metadata!;
      return { runId: String(metadata['run_id']), modelUri: String(metadata['model_uri']), type };
    };
    const tracker = await openTracking({ trackingUri: mlflow.url, experiment: 'flts-serve-test' });
    const promote = async (model: TrainedModel, alias = 'champion') => {
      const version = await tracker.registerModel(model.modelUri, MODEL);
      await tracker.setAlias(MODEL, alias, version.version);
      return version.version;
    };
    const gru = trained(gruRun, 'gru');
    const prophet = trained(prophetRun, 'prophet');
    await promote(gru);
    const manifest = async (model: TrainedModel) => {
      const directory = await tracker.downloadArtifacts(model.modelUri, await tempDir('flts-serve-manifest-'));
      return JSON.parse(await readFile(join(directory, 'manifest.json'), 'utf8'));
    };
    const rows = parseRows(await readFile(test, 'utf8'));
    return { mlflow, tracker, gru, prophet, rows, inferenceData: splits.inference_data.uri, promote, manifest, stop: () => mlflow.stop() };
  } catch (error) {
    await mlflow.stop();
    throw error;
  }
}

function parseRows(csv: string): SampleRow[] {
  return csv
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [time, down, up, users] = line.split(',');
      return { time: time!, down: Number(down), up: Number(up), rnti_count: Number(users) };
    });
}

export interface ServeProcess {
  url: string;
  service: RunningService;
  /** The server's stdout and stderr so far. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

/** `node dist/inference.js serve` on a free port with `flags`, once `waitFor` (default /ready) answers 200. */
export async function startServe(flags: Record<string, string | number>, options: { env?: Record<string, string>; waitFor?: string } = {}): Promise<ServeProcess> {
  const port = await freePort();
  const root = await tempDir('flts-serve-run-');
  const logFile = join(root, 'serve.log');
  const args = [join(repoRoot, 'dist', 'inference.js'), 'serve', '--port', String(port), '--host', '127.0.0.1', '--download-dir', root];
  for (const [flag, value] of Object.entries(flags)) args.push(`--${flag}`, String(value));
  const service = await startService({
    name: 'serve',
    command: process.execPath,
    args,
    cwd: repoRoot,
    env: { PATH: process.env['PATH'], HOME: process.env['HOME'], ...options.env },
    logFile,
    readyUrl: `http://127.0.0.1:${port}${options.waitFor ?? '/ready'}`,
    timeoutMs: 120_000,
  });
  return { url: `http://127.0.0.1:${port}`, service, log: () => readFile(logFile, 'utf8'), stop: () => service.stop() };
}

/** The `/predict` body for `count` consecutive rows from `start`, in upstream's shape. */
export function predictBody(rows: readonly SampleRow[], start = 0, count = 30, inferenceLength?: number): Record<string, unknown> {
  const slice = rows.slice(start, start + count);
  return {
    data: { ts: slice.map((r) => r.time), down: slice.map((r) => r.down), up: slice.map((r) => r.up), rnti_count: slice.map((r) => r.rnti_count) },
    index_col: 'ts',
    ...(inferenceLength === undefined ? {} : { inference_length: inferenceLength }),
  };
}

/** The same rows as an Open Inference Protocol infer body: one tensor per column. */
export function inferBody(rows: readonly SampleRow[], start = 0, count = 30, inferenceLength?: number): Record<string, unknown> {
  const slice = rows.slice(start, start + count);
  const fp64 = (name: 'down' | 'up' | 'rnti_count') => ({ name, datatype: 'FP64', shape: [slice.length], data: slice.map((r) => r[name]) });
  return {
    id: 'req-1',
    ...(inferenceLength === undefined ? {} : { parameters: { inference_length: inferenceLength } }),
    inputs: [{ name: 'ts', datatype: 'BYTES', shape: [slice.length], data: slice.map((r) => r.time) }, fp64('down'), fp64('up'), fp64('rnti_count')],
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

/** POSTs JSON (or raw text) and reads the JSON answer. */
export async function post(url: string, body: unknown, options: { raw?: boolean } = {}): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: options.raw ? (body as string) : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

export async function get(url: string): Promise<Answer & { text: string }> {
  const response = await fetch(url);
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Prometheus text.
  }
  return { status: response.status, headers: response.headers, body, text };
}
