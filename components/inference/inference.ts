/**
 * The inference component's body: load the selected model with its manifest, check the data matches it, run
 * the rolling backtest over every origin with a full input window (scored against the actuals) and the forecast
 * past the last timestamp, and write predictions (original units), metrics, a report, an MLflow run and one
 * JSONL log object per call.
 */
import { writeFile } from 'node:fs/promises';
import { DataError } from '../../shared/errors.js';
import type { Executor } from '../../shared/kfp/executor.js';
import { Logger } from '../../shared/log.js';
import { forecastFuture, type FutureForecast } from '../../shared/models/future.js';
import { loadModel, type LoadedModel } from '../../shared/models/registry.js';
import { evaluateForecaster, evaluationMetrics, type EvaluationReport } from '../../shared/series/evaluation.js';
import { checkFramePerManifest } from '../../shared/series/manifest.js';
import { columnScale, unscaleValues } from '../../shared/series/scaler.js';
import { bucketUri, defaultObjectStore, resolveClaim } from '../../shared/store/index.js';
import { inferenceLogKey } from '../../shared/store/keys.js';
import { readDataset } from '../../shared/table/dataset.js';
import { writeParquetFile } from '../../shared/table/parquet.js';
import { openTracking } from '../../shared/tracking/index.js';
import { inferenceReport } from './report.js';
import type { inferenceSpec } from './spec.js';

/** A model lent to one inference call; `release` when done with it. */
export interface ModelLease {
  model: LoadedModel;
  release(): void;
}

/**
 * Where inference gets the model in `directory` from. By default it is loaded for the call and freed afterwards;
 * event mode lends one loaded champion to every claim, its forecasts micro-batched across them.
 */
export type ModelSource = (directory: string, declaredType: unknown, log: Logger) => Promise<ModelLease>;

const loadForOneCall: ModelSource = async (directory, declaredType, log) => {
  const model = await loadModel(directory, declaredType, { log });
  return { model, release: () => model.dispose() };
};

export async function runInference(executor: Executor<typeof inferenceSpec>, models: ModelSource = loadForOneCall): Promise<void> {
  const p = executor.parameters;
  const log = new Logger('inference');
  const modelArtifact = executor.requireInputArtifact('selected_model');
  const dataArtifact = executor.requireInputArtifact('inference_data');
  const data = await readDataset(await resolveClaim(dataArtifact), '"inference_data"');
  const lease = await models(modelArtifact.path, modelArtifact.metadata['model_type'], log);
  const { model } = lease;
  try {
    const { manifest } = model;
    checkFramePerManifest(manifest, data.frame, 'Input "inference_data"');
    if (data.info.configHash !== manifest.configHash) {
      throw new DataError(`Input "inference_data" was preprocessed with config ${data.info.configHash}, the model with ${manifest.configHash}; use data from the same preprocess configuration.`);
    }
    if (p.config_hash && p.config_hash !== manifest.configHash) {
      throw new DataError(`Parameter "config_hash" is ${p.config_hash}, but the model was trained on config ${manifest.configHash}.`);
    }
    // A model directory passed without KFP metadata (e.g. downloaded from the registry) names its run in MLmodel.
    const runId = String(modelArtifact.metadata['run_id'] ?? model.runId ?? '');
    log.info('model', { type: model.modelType, run_id: runId, input_length: manifest.inputLength, horizon: manifest.horizon, ...model.facts });

    let backtest: EvaluationReport | undefined;
    if (p.mode !== 'forecast') {
      backtest = await evaluateForecaster(
        { context: [], heldOut: data.frame, target: manifest.target, inputLength: manifest.inputLength, horizon: manifest.horizon, frequencyMs: manifest.frequencyMs, scaler: manifest.scaler },
        model.forecast,
        model.interval ? { interval: model.interval } : {},
      );
      log.info('backtest', { origins: backtest.task.origins, rmse: backtest.model.original.rmse, mae: backtest.model.original.mae, skill: backtest.skill.vsPersistence });
    }
    let future: FutureForecast | undefined;
    if (p.mode !== 'backtest') {
      future = await forecastFuture(model, data.frame, p.inference_length || manifest.horizon);
      log.info('forecast', { steps: future.scaled.length, from: new Date(future.time[0]!).toISOString() });
    }

    const scale = columnScale(manifest.scaler, manifest.target);
    const predictions = predictionFrame(backtest, future, scale, manifest.horizon, manifest.frequencyMs);
    await writeParquetFile(executor.outputArtifact('predictions').path, predictions, { model_type: model.modelType, run_id: runId, config_hash: manifest.configHash }, {
      timestampColumns: ['origin_time'],
      int32Columns: ['step'],
      boolColumns: ['is_future'],
    });
    const metrics: Record<string, number> = {
      rows_predicted: predictions.time.length,
      future_steps: future?.scaled.length ?? 0,
      ...(backtest ? evaluationMetrics(backtest, 'backtest') : {}),
    };
    executor.setMetadata('predictions', { rows: predictions.time.length, columns: ['time', ...predictions.names], model_type: model.modelType, run_id: runId, config_hash: manifest.configHash });
    await executor.writeMetrics('metrics', metrics);
    await writeFile(executor.outputArtifact('report').path, await inferenceReport(model.modelType, data.frame, manifest, backtest, future));

    const tracker = await openTracking({ trackingUri: p.mlflow_tracking_uri, experiment: p.mlflow_experiment, logger: log });
    const run = await tracker.startRun({ runName: `inference-${model.modelType}`, tags: { 'flts.model_run_id': runId, 'flts.config_hash': manifest.configHash, 'flts.identifier': p.identifier } });
    try {
      await run.logParams({ model_type: model.modelType, model_run_id: runId, mode: p.mode, inference_length: p.inference_length, config_hash: manifest.configHash });
      await run.logMetrics(metrics);
      await run.end('FINISHED');
    } catch (error) {
      await run.fail(error, (message) => log.warn(message));
      throw error;
    }

    if (p.log_bucket) {
      const timestamp = new Date().toISOString();
      const line = { timestamp, identifier: p.identifier, run_id: runId, inference_run_id: run.runId, model_type: model.modelType, config_hash: manifest.configHash, status: 'SUCCESS', metrics, samples: samples(predictions) };
      const uri = `${bucketUri(p.log_bucket).replace(/\/+$/, '')}/${inferenceLogKey(p.identifier, timestamp, run.runId)}`;
      // One object per call: no read-modify-write of a shared daily file (upstream's race, reference §9.14).
      await defaultObjectStore().writeBytes(uri, `${JSON.stringify(line)}\n`);
      executor.setMetadata('predictions', { log_uri: uri });
      log.info('logged', { to: uri });
    }
  } finally {
    lease.release();
  }
}

/**
 * Backtest rows (every origin × step, with actual and error) then future rows, in original units; the columns
 * the `predictions` output documents (spec.ts). `step` is written as int32 and `is_future` as bool.
 */
function predictionFrame(
  backtest: EvaluationReport | undefined,
  future: FutureForecast | undefined,
  scale: { center: number; scale: number },
  horizon: number,
  frequencyMs: number,
) {
  const rows: { time: number; origin: number; step: number; forecast: number; lower: number; upper: number; actual: number; future: number }[] = [];
  if (backtest) {
    const { series } = backtest;
    for (let i = 0; i < series.originTime.length; i++) {
      for (let h = 1; h <= horizon; h++) {
        const k = i * horizon + h - 1;
        rows.push({
          time: series.originTime[i]! + h * frequencyMs,
          origin: series.originTime[i]!,
          step: h,
          forecast: series.forecast[k]!,
          lower: series.lower?.[k] ?? NaN,
          upper: series.upper?.[k] ?? NaN,
          actual: series.actual[k]!,
          future: 0,
        });
      }
    }
  }
  if (future) {
    const values = unscaleValues(future.scaled, scale);
    const lower = future.lower ? unscaleValues(future.lower, scale) : undefined;
    const upper = future.upper ? unscaleValues(future.upper, scale) : undefined;
    const origin = future.time[0]! - frequencyMs;
    future.time.forEach((time, k) => rows.push({ time, origin, step: k + 1, forecast: values[k]!, lower: lower?.[k] ?? NaN, upper: upper?.[k] ?? NaN, actual: NaN, future: 1 }));
  }
  const column = (pick: (row: (typeof rows)[number]) => number) => Float64Array.from(rows, pick);
  return {
    time: column((r) => r.time),
    names: ['origin_time', 'step', 'forecast', 'lower', 'upper', 'actual', 'error', 'is_future'],
    columns: {
      origin_time: column((r) => r.origin),
      step: column((r) => r.step),
      forecast: column((r) => r.forecast),
      lower: column((r) => r.lower),
      upper: column((r) => r.upper),
      actual: column((r) => r.actual),
      error: column((r) => r.forecast - r.actual),
      is_future: column((r) => r.future),
    },
  };
}

/** A few predictions for the log line: first, middle and last rows. */
function samples(frame: ReturnType<typeof predictionFrame>): Record<string, number | string>[] {
  const n = frame.time.length;
  return [...new Set([0, Math.floor(n / 2), n - 1])].filter((i) => i >= 0 && i < n).map((i) => ({
    time: new Date(frame.time[i]!).toISOString(),
    step: frame.columns.step[i]!,
    forecast: frame.columns.forecast[i]!,
    ...(Number.isFinite(frame.columns.actual[i]!) ? { actual: frame.columns.actual[i]! } : {}),
  }));
}
