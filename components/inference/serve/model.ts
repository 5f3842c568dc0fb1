/**
 * The serve mode's one door to the model code: load a trained model directory and forecast, for a batch of
 * requests at once, N steps past the end of each request's window, in original units, with intervals where the
 * model has them. Every import of model, forecasting and scaling code the server needs is in this file, so that
 * re-pointing serving at another model layer (the per-kind adapters) means editing this file only.
 *
 * How a batch becomes one forward pass: each request's rows are scaled with the model's scaler, its time features
 * computed from the timestamps, and the batch is forecast by shared/models/future.ts — the code batch inference
 * uses: future rows with time features and target lags rebuilt from the forecasts, and for the recurrent models,
 * which read each origin's window by row index, one forward pass per horizon round for every request that still
 * needs steps. Prophet reads its frame as a time-ordered table, so each of its requests keeps a frame of its own.
 */
import type { Logger } from '../../../shared/log.js';
import { forecastFutures } from '../../../shared/models/future.js';
import { loadModel, type LoadedModel } from '../../../shared/models/registry.js';
import type { SeriesFrame } from '../../../shared/series/frame.js';
import { columnScale, scaleValues, unscaleValues } from '../../../shared/series/scaler.js';
import { TIME_FEATURE_NAMES, timeFeatures } from '../../../shared/series/time-features.js';

/** What a client must send and what it gets, read from the model's manifest. */
export interface ModelDescription {
  /** "gru", "lstm" or "prophet". */
  modelType: string;
  /** The MLflow run the model directory names (its MLmodel file), if any. */
  runId: string | undefined;
  /** The forecast column. */
  target: string;
  /** Columns the client must send, in the model's order (the target included). */
  requiredColumns: string[];
  /** Time-feature columns the model reads; rebuilt by the server from the timestamps, so a client need not send them. */
  timeFeatureColumns: string[];
  /**
   * Columns of the preprocessed dataset (those its scaler was fitted on) that this model does not read: accepted
   * and ignored, so that one client works with every model trained on that dataset (a GRU reading all columns,
   * a Prophet reading only the target) across a champion change.
   */
  ignoredColumns: string[];
  /** Rows one forecast reads (the model's input window). */
  inputLength: number;
  /** Steps one forward pass forecasts; longer forecasts are recursive. */
  horizon: number;
  frequencyMs: number;
  /** The frequency as text ("2min"). */
  frequency: string;
  configHash: string;
  /** Whether answers carry lower and upper bounds (every model trained here; a Prophet saved without uncertainty samples not). */
  hasIntervals: boolean;
  /** Facts worth logging (backend, …). */
  facts: Record<string, string | number>;
}

/** One request's data, validated: strictly increasing timestamps at the model's frequency, original units. */
export interface ForecastRequest {
  /** Epoch milliseconds, length N ≥ inputLength. */
  time: Float64Array;
  /** Every column of `requiredColumns`, length N each; time-feature columns, if present, are ignored. */
  columns: Record<string, Float64Array>;
  /** Steps to forecast past the last timestamp (≥ 1). */
  steps: number;
}

/** One request's forecast, in original units. */
export interface ForecastAnswer {
  /** Timestamps of the forecast steps (epoch ms). */
  time: Float64Array;
  forecast: Float64Array;
  /** Interval bounds, where the model has intervals. */
  lower?: Float64Array;
  upper?: Float64Array;
}

export interface ServingModel {
  readonly description: ModelDescription;
  /**
   * Forecasts for every request, in order; one forward pass per horizon round for the whole batch. When
   * `cancelled()` turns true (every client gave up) it stops between rounds and rejects.
   */
  forecast(requests: readonly ForecastRequest[], options?: ForecastOptions): Promise<ForecastAnswer[]>;
  /** Frees the model's memory (tensors); the model is not used afterwards. */
  dispose(): void;
}

export interface ForecastOptions {
  cancelled?: () => boolean;
}

export interface LoadServingModelOptions {
  /** TensorFlow.js backend request for recurrent models. @default "auto" */
  backend?: string;
  log?: Logger;
}

/** The model in `directory` (a trainer's model directory, e.g. downloaded from the registry). */
export async function loadServingModel(directory: string, options: LoadServingModelOptions = {}): Promise<ServingModel> {
  const loaded = await loadModel(directory, undefined, {
    ...(options.backend ? { backend: options.backend } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  return new LoadedServingModel(loaded);
}

const TIME_FEATURES: readonly string[] = TIME_FEATURE_NAMES;

class LoadedServingModel implements ServingModel {
  readonly description: ModelDescription;
  readonly #model: LoadedModel;
  /** Every column the model's frames carry, in order: the manifest's features, then the target if it is not one. */
  readonly #columns: string[];

  constructor(model: LoadedModel) {
    this.#model = model;
    const { manifest } = model;
    this.#columns = [...new Set([...manifest.features, manifest.target])];
    this.description = {
      modelType: model.modelType,
      runId: model.runId,
      target: manifest.target,
      requiredColumns: this.#columns.filter((name) => !TIME_FEATURES.includes(name)),
      timeFeatureColumns: this.#columns.filter((name) => TIME_FEATURES.includes(name)),
      // The dataset's other columns, time features the model left out (calendar_features) included: accepted, not read.
      ignoredColumns: Object.keys(manifest.scaler.columns).filter((name) => !this.#columns.includes(name)),
      inputLength: manifest.inputLength,
      horizon: manifest.horizon,
      frequencyMs: manifest.frequencyMs,
      frequency: manifest.frequency,
      configHash: manifest.configHash,
      hasIntervals: model.interval !== undefined,
      facts: model.facts,
    };
  }

  async forecast(requests: readonly ForecastRequest[], options: ForecastOptions = {}): Promise<ForecastAnswer[]> {
    const { manifest } = this.#model;
    const futures = await forecastFutures(
      this.#model,
      requests.map((request) => ({ frame: this.#scaledFrame(request), steps: request.steps })),
      { yieldBetweenRounds: true, ...(options.cancelled && { cancelled: options.cancelled }) },
    );
    const scale = columnScale(manifest.scaler, manifest.target);
    return futures.map((future) => ({
      time: future.time,
      forecast: unscaleValues(future.scaled, scale),
      ...(future.lower && future.upper && { lower: unscaleValues(future.lower, scale), upper: unscaleValues(future.upper, scale) }),
    }));
  }

  dispose(): void {
    this.#model.dispose();
  }

  /** The request's rows in the model's column order, scaled, with the time features computed from the timestamps. */
  #scaledFrame(request: ForecastRequest): SeriesFrame {
    const { manifest } = this.#model;
    const rebuilt = this.description.timeFeatureColumns.length > 0 ? timeFeatures(request.time) : undefined;
    const columns: Record<string, Float64Array> = {};
    for (const name of this.#columns) {
      const raw = TIME_FEATURES.includes(name) ? rebuilt![name as (typeof TIME_FEATURE_NAMES)[number]] : request.columns[name]!;
      const scale = manifest.scaler.columns[name];
      columns[name] = scale ? scaleValues(raw, scale) : Float64Array.from(raw);
    }
    return { time: request.time, names: [...this.#columns], columns };
  }
}
