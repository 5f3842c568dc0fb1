/**
 * Every trainer component, written once around its model adapter: read the three splits (KFP-native or claim
 * check), check their lineage and that the held-out split can be scored, open an MLflow run, fit through the
 * adapter, score on the shared held-out protocol next to the naive baselines, save and log the model directory
 * (model files, manifest, MLmodel), and write `model`, `metrics`, `report` and `run_id`. A failure after the run
 * started marks it FAILED.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../../shared/errors.js';
import { writeAtomically } from '../../shared/files.js';
import type { lineageParameters, trackingParameters } from '../../shared/kfp/common-parameters.js';
import type { Executor } from '../../shared/kfp/executor.js';
import { main } from '../../shared/kfp/run.js';
import type { InputParameterSpec, ParameterValues } from '../../shared/kfp/spec.js';
import { Logger } from '../../shared/log.js';
import type { FittedModel, ModelAdapter } from '../../shared/models/adapter.js';
import type { ModelType } from '../../shared/models/registry.js';
import type { TrainedModelMetadata } from '../../shared/models/trained-model.js';
import { evaluateForecaster, evaluationMetrics, scorableOrigins, type EvaluationTask } from '../../shared/series/evaluation.js';
import { rowCount } from '../../shared/series/frame.js';
import { MANIFEST_FORMAT, type PreprocessingManifest } from '../../shared/series/manifest.js';
import { metricName, SKILL_METRICS, type HeldOutMetrics } from '../../shared/series/metric-names.js';
import type { taskParameters } from '../../shared/series/task-parameters.js';
import { claimCheckFromMetadata, resolveClaim } from '../../shared/store/index.js';
import { readDataset, type Dataset } from '../../shared/table/dataset.js';
import { openTracking, type MetricPoint } from '../../shared/tracking/index.js';
import { toYaml, type YamlValue } from '../../shared/tracking/yaml.js';
import { splitInputs } from './datasets.js';
import { trainerReport } from './report.js';
import { frontDoor } from '../front-door.js';
import { trainerSpec, type TrainerSpec } from './spec.js';

/** The three splits of one preprocess run, and the manifest every model of that run starts from. */
export interface TrainerData {
  train: Dataset;
  validation: Dataset;
  test: Dataset;
  /** Where each split was read from: its claim-check URI, else its artifact URI. */
  sources: { train: string; validation: string; test: string };
  /** target, all columns as features, input length, horizon, frequency, scaler, config hash. */
  manifest: PreprocessingManifest;
  task: EvaluationTask;
}

/** The parameters every trainer's spec has, whatever its model. */
type CommonParameters = ParameterValues<typeof taskParameters & typeof lineageParameters & ReturnType<typeof trackingParameters>>;

/** Runs the trainer component of `adapter`'s model kind: a KFP step (`node dist/train-<kind>.js --executor-input …`) or a Kafka service. */
export function runTrainerComponent<const K extends ModelType, const T extends Record<string, InputParameterSpec>, O>(adapter: ModelAdapter<K, T, O>): void {
  const spec = trainerSpec(adapter);
  frontDoor(spec.name, {
    kfp: () => main(spec, (executor) => runTrainer(adapter as unknown as ModelAdapter, executor as unknown as Executor<TrainerSpec>)),
    kafka: async () => (await import('./events.js')).runTrainerEvents(adapter as unknown as ModelAdapter),
  });
}

export async function runTrainer(adapter: ModelAdapter, executor: Executor<TrainerSpec>): Promise<void> {
  const p = executor.parameters as unknown as CommonParameters & Record<string, unknown>;
  const modelParameters = Object.fromEntries(Object.keys(adapter.parameters).map((name) => [name, p[name]])) as ParameterValues<Record<string, InputParameterSpec>>;
  const options = await adapter.options(modelParameters);
  const log = new Logger(executor.spec.name);
  const data = await loadTrainerData(executor, p);
  log.info('data', {
    train: data.train.frame.time.length,
    validation: data.validation.frame.time.length,
    test: data.test.frame.time.length,
    features: data.manifest.features.length,
    frequency: data.manifest.frequency,
    config_hash: data.manifest.configHash.slice(0, 12),
  });

  const modelType = adapter.kind as ModelType;
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
  let model: FittedModel | undefined;
  try {
    await run.logInputs(
      splitInputs([
        { dataset: data.train, uri: data.sources.train },
        { dataset: data.validation, uri: data.sources.validation },
        { dataset: data.test, uri: data.sources.test },
      ]),
    );
    await run.logParams({
      model_type: modelType,
      config_hash: data.manifest.configHash,
      input_length: p.input_length,
      horizon: p.horizon,
      target: data.manifest.target,
      features: data.manifest.features.join(','),
      frequency: data.manifest.frequency,
      ...adapter.trackedParams(modelParameters),
    });
    const started = performance.now();
    model = await adapter.fit({ train: data.train.frame, validation: data.validation.frame, manifest: data.manifest }, options, {
      log,
      logEpoch: (epoch, values) => run.logMetricPoints(epochPoints(epoch, values)),
    });
    const trainSeconds = (performance.now() - started) / 1000;
    if (Object.keys(model.params).length > 0) await run.logParams(model.params);

    const report = await evaluateForecaster(data.task, model.forecast, model.interval ? { interval: model.interval } : {});
    const metrics = evaluationMetrics(report);
    await run.logMetrics({ ...metrics, ...model.metrics, train_seconds: trainSeconds });
    log.info('held-out', {
      targets: report.task.targets,
      rmse: metrics[metricName('test', 'rmse')],
      mae: metrics[metricName('test', 'mae')],
      persistence_rmse: metrics[metricName('persistence', 'rmse')],
      skill: metrics[SKILL_METRICS.persistence],
    });

    const output = executor.outputArtifact('model');
    await model.save(output.path);
    const logged = await run.logModel(output.path, 'model', { flavor: model.flavor, metadata: { config_hash: data.manifest.configHash, model_type: modelType } });
    await writeAtomically(join(output.path, 'MLmodel'), toYaml(logged.mlmodel as Record<string, YamlValue>));
    const reportHtml = await trainerReport(adapter.label, report, model.reportSections, { runId: run.runId, configHash: data.manifest.configHash });
    // logArtifact names the artifact after the file, so report.html goes in a temporary directory of its own.
    const reportDir = await mkdtemp(join(tmpdir(), 'flts-report-'));
    try {
      await writeFile(join(reportDir, 'report.html'), reportHtml);
      await run.logArtifact(join(reportDir, 'report.html'), 'report');
    } finally {
      await rm(reportDir, { recursive: true, force: true });
    }

    executor.setMetadata('model', {
      ...metrics,
      model_type: modelType,
      run_id: run.runId,
      model_uri: logged.modelUri,
      experiment: p.mlflow_experiment,
      config_hash: data.manifest.configHash,
      input_length: p.input_length,
      horizon: p.horizon,
      targets: report.task.targets,
      ...(report.interval && { interval_width: report.interval.width }),
      target: data.manifest.target,
      frequency: data.manifest.frequency,
      train_seconds: trainSeconds,
      ...model.facts,
    } satisfies Omit<TrainedModelMetadata, keyof HeldOutMetrics> & Record<string, unknown>);
    await executor.writeMetrics('metrics', metrics);
    await writeFile(executor.outputArtifact('report').path, reportHtml);
    executor.setOutput('run_id', run.runId);
    // Outputs first: a run is FINISHED only when its outputs are in place (a full disk fails the commit, and the run).
    await executor.commit();
    await run.end('FINISHED');
  } catch (error) {
    await run.fail(error, (message) => log.warn(message));
    throw error;
  } finally {
    model?.dispose();
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
  const source = (name: 'training_data' | 'validation_data' | 'inference_data') => {
    const artifact = executor.requireInputArtifact(name);
    return claimCheckFromMetadata(artifact.metadata)?.uri ?? artifact.uri;
  };
  const [train, validation, test] = [await read('training_data'), await read('validation_data'), await read('inference_data')];
  const sources = { train: source('training_data'), validation: source('validation_data'), test: source('inference_data') };
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
  return { train, validation, test, sources, manifest, task };
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

