/**
 * What every trainer component (GRU, LSTM, Prophet) does around its model, written once: read the three splits
 * (KFP-native or claim check), check their lineage and that the held-out split can be scored, open an MLflow run,
 * train, score on the shared held-out protocol next to the naive baselines, save and log the model directory (model
 * files, manifest, MLmodel), and write `model`, `metrics`, `report` and `run_id`. A failure after the run started
 * marks it FAILED.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../shared/errors.js';
import type { Executor } from '../shared/kfp/executor.js';
import type { ComponentSpec } from '../shared/kfp/spec.js';
import { Logger } from '../shared/log.js';
import type { ModelType, TrainedModelMetadata } from '../shared/models/trained-model.js';
import { evaluateForecaster, evaluationMetrics, scorableOrigins, type EvaluationTask, type Forecaster } from '../shared/series/evaluation.js';
import { rowCount } from '../shared/series/frame.js';
import { MANIFEST_FORMAT, type PreprocessingManifest } from '../shared/series/manifest.js';
import { resolveClaim } from '../shared/store/index.js';
import { readDataset, type Dataset } from '../shared/table/dataset.js';
import { openTracking, type Flavor, type MetricPoint, type ParamValue, type TrackedRun } from '../shared/tracking/index.js';
import { toYaml, type YamlValue } from '../shared/tracking/yaml.js';
import { trainerArtifacts } from './trainer-artifacts.js';
import { trainerReport } from './trainer-report.js';

/** The three splits of one preprocess run, and the manifest every model of that run starts from. */
export interface TrainerData {
  train: Dataset;
  validation: Dataset;
  test: Dataset;
  /** target, all columns as features, input length, horizon, frequency, scaler, config hash. */
  manifest: PreprocessingManifest;
  task: EvaluationTask;
}

/** What a model-specific trainer hands back to the shared flow. */
export interface TrainedModel {
  forecaster: Forecaster;
  /** Writes the model's own files and its manifest into `directory`. */
  save(directory: string): Promise<void>;
  /** The MLmodel flavour that describes the saved files. */
  flavor: Flavor;
  /** Facts for the artifact metadata and the MLflow run (backend, parameter count, best epoch…). */
  facts: Record<string, string | number>;
  /** Extra sections for the HTML report (loss curves, components). */
  reportSections: string[];
  dispose?(): void;
}

export interface TrainerContext {
  data: TrainerData;
  run: TrackedRun;
  log: Logger;
}

/** What every trainer's spec has in common: the three splits in, model/metrics/report and run_id out. */
type TrainerSpec = ComponentSpec & {
  inputs: { artifacts: typeof trainerArtifacts.inputs };
  outputs: typeof trainerArtifacts.outputs;
};

interface CommonParameters {
  input_length: number;
  horizon: number;
  config_hash: string;
  identifier: string;
  mlflow_tracking_uri: string;
  mlflow_experiment: string;
}

export async function runTrainer<S extends TrainerSpec>(
  executor: Executor<S>,
  modelType: ModelType,
  hyperparameters: Record<string, ParamValue>,
  train: (context: TrainerContext) => Promise<TrainedModel>,
): Promise<void> {
  const p = executor.parameters as unknown as CommonParameters;
  const outputs = executor as unknown as Executor<TrainerSpec>;
  const log = new Logger(executor.spec.name);
  const data = await loadTrainerData(outputs, p);
  log.info('data', {
    train: data.train.frame.time.length,
    validation: data.validation.frame.time.length,
    test: data.test.frame.time.length,
    features: data.manifest.features.length,
    frequency: data.manifest.frequency,
    config_hash: data.manifest.configHash.slice(0, 12),
  });

  const tracker = await openTracking({ trackingUri: p.mlflow_tracking_uri, experiment: p.mlflow_experiment, logger: log });
  const run = await tracker.startRun({
    runName: modelType.toUpperCase(),
    tags: {
      'flts.model_type': modelType,
      'flts.config_hash': data.manifest.configHash,
      'flts.identifier': p.identifier,
      'flts.component': executor.spec.name,
      ...(process.env['KFP_POD_NAME'] ? { 'kfp.pod_name': process.env['KFP_POD_NAME'] } : {}),
    },
  });
  log.info('mlflow run', { run_id: run.runId, tracking: tracker.trackingUri });
  let model: TrainedModel | undefined;
  try {
    await run.logParams({
      model_type: modelType,
      config_hash: data.manifest.configHash,
      input_length: p.input_length,
      horizon: p.horizon,
      target: data.manifest.target,
      features: data.manifest.features.join(','),
      frequency: data.manifest.frequency,
      ...hyperparameters,
    });
    const started = performance.now();
    model = await train({ data, run, log });
    const trainSeconds = (performance.now() - started) / 1000;

    const report = await evaluateForecaster(data.task, model.forecaster);
    const metrics = evaluationMetrics(report);
    await run.logMetrics({ ...metrics, train_seconds: trainSeconds });
    log.info('held-out', {
      targets: report.task.targets,
      rmse: metrics['test_rmse'],
      mae: metrics['test_mae'],
      persistence_rmse: metrics['persistence_rmse'],
      skill: metrics['skill_vs_persistence'],
    });

    const output = outputs.outputArtifact('model');
    await model.save(output.path);
    const logged = await run.logModel(output.path, 'model', { flavor: model.flavor, metadata: { config_hash: data.manifest.configHash, model_type: modelType } });
    await writeFile(join(output.path, 'MLmodel'), toYaml(logged.mlmodel as Record<string, YamlValue>));
    const reportHtml = trainerReport(modelType, report, model.reportSections, { runId: run.runId, configHash: data.manifest.configHash });
    // logArtifact names the artifact after the file, so report.html goes in a temporary directory of its own.
    const reportDir = await mkdtemp(join(tmpdir(), 'flts-report-'));
    try {
      await writeFile(join(reportDir, 'report.html'), reportHtml);
      await run.logArtifact(join(reportDir, 'report.html'), 'report');
    } finally {
      await rm(reportDir, { recursive: true, force: true });
    }

    const metadata: TrainedModelMetadata & Record<string, unknown> = {
      ...metrics,
      model_type: modelType,
      run_id: run.runId,
      model_uri: logged.modelUri,
      experiment: p.mlflow_experiment,
      config_hash: data.manifest.configHash,
      input_length: p.input_length,
      horizon: p.horizon,
      targets: report.task.targets,
      target: data.manifest.target,
      frequency: data.manifest.frequency,
      train_seconds: trainSeconds,
      ...model.facts,
    } as unknown as TrainedModelMetadata & Record<string, unknown>;
    outputs.setMetadata('model', metadata);
    await outputs.writeMetrics('metrics', metrics);
    await writeFile(outputs.outputArtifact('report').path, reportHtml);
    outputs.setOutput('run_id', run.runId);
    await run.end('FINISHED');
  } catch (error) {
    await run.setTags({ 'flts.error': String((error as Error).message ?? error).slice(0, 4000) }).catch(() => undefined);
    await run.end('FAILED').catch(() => undefined);
    throw error;
  } finally {
    model?.dispose?.();
  }
}

/**
 * Reads the splits, checks they come from one preprocess run, derives the manifest and evaluation task, and
 * checks that the held-out split can be scored: before any run is opened or model fitted.
 */
async function loadTrainerData(executor: Executor<TrainerSpec>, p: CommonParameters): Promise<TrainerData> {
  const read = async (name: 'training_data' | 'validation_data' | 'inference_data') => {
    const artifact = executor.requireInputArtifact(name);
    return readDataset(await resolveClaim(artifact), `"${name}"`);
  };
  const [train, validation, test] = [await read('training_data'), await read('validation_data'), await read('inference_data')];
  for (const [name, dataset] of [['validation_data', validation], ['inference_data', test]] as const) {
    if (dataset.info.configHash !== train.info.configHash) {
      throw new DataError(`Input "${name}" comes from preprocess config ${dataset.info.configHash}, "training_data" from ${train.info.configHash}; give all three splits of one preprocess run.`);
    }
  }
  if (p.config_hash && p.config_hash !== train.info.configHash) {
    throw new DataError(`Parameter "config_hash" is ${p.config_hash}, but the data was preprocessed with config ${train.info.configHash}.`);
  }
  const manifest: PreprocessingManifest = {
    format: MANIFEST_FORMAT,
    target: train.info.target,
    features: [...train.info.columns],
    inputLength: p.input_length,
    horizon: p.horizon,
    frequencyMs: train.info.frequencyMs,
    frequency: train.info.frequency,
    scaler: train.info.scaler,
    configHash: train.info.configHash,
  };
  const task: EvaluationTask = {
    context: [train.frame, validation.frame],
    heldOut: test.frame,
    target: manifest.target,
    inputLength: p.input_length,
    horizon: p.horizon,
    frequencyMs: manifest.frequencyMs,
    scaler: manifest.scaler,
  };
  checkHeldOutScorable(task);
  return { train, validation, test, manifest, task };
}

/**
 * Fails unless the evaluation protocol finds at least one held-out origin: `horizon` held-out rows for its targets
 * and `input_length` rows of contiguous history before them (shared/series/evaluation.ts). Checked on the row
 * counts first, for a message that says which parameters to change, then on the timestamps (gaps).
 */
function checkHeldOutScorable(task: EvaluationTask): void {
  const heldOut = rowCount(task.heldOut);
  const before = task.context.reduce((sum, frame) => sum + rowCount(frame), 0);
  const { inputLength, horizon } = task;
  const remedy = 'Lower "horizon" (or "input_length"), or keep more held-out rows in preprocess ("sample_test_rows", "test_fraction").';
  if (heldOut < horizon) {
    throw new DataError(
      `Input "inference_data" has ${heldOut} row(s), fewer than horizon = ${horizon}: no held-out origin can be scored, so the model is not trained. ${remedy}`,
    );
  }
  if (before + heldOut < inputLength + horizon) {
    throw new DataError(
      `The splits have ${before + heldOut} row(s) together (${before} before the held-out split, ${heldOut} in it), fewer than input_length + horizon = ${inputLength} + ${horizon} = ${inputLength + horizon}: no held-out origin can be scored, so the model is not trained. ${remedy}`,
    );
  }
  scorableOrigins(task);
}

/** Per-epoch metrics as MLflow metric points (step = epoch). */
export function epochPoints(epoch: number, values: Record<string, number>): MetricPoint[] {
  const timestamp = Date.now();
  return Object.entries(values).map(([key, value]) => ({ key, value, step: epoch, timestamp }));
}

