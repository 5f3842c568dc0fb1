/**
 * The serve mode's one door to the model code: load a trained model directory and forecast, for a batch of
 * requests at once, N steps past the end of each request's window, in original units, with intervals where the
 * model has them. Every import of model, forecasting and scaling code the server needs is in this file, so that
 * re-pointing serving at another model layer (the per-kind adapters) means editing this file only.
 *
 * How a batch becomes one forward pass: each request's rows are scaled with the model's scaler and extended
 * with its future rows (time features computed from the timestamps, other features held at their last value,
 * the target filled in with the forecasts as they come — see ../future.ts); for the recurrent models, which read
 * each origin's window by row index, the extended frames are concatenated into one frame, and every round
 * forecasts one horizon for every request that still needs steps, with one origin per request. Prophet reads
 * its frame as a time-ordered table, so each of its requests keeps a frame of its own.
 */
import type { Logger } from '../../../shared/log.js';
import { loadModel, type LoadedModel } from '../../../shared/models/load.js';
import { concatFrames, type SeriesFrame } from '../../../shared/series/frame.js';
import { columnScale, scaleValues, unscaleValues } from '../../../shared/series/scaler.js';
import { TIME_FEATURE_NAMES, timeFeatures } from '../../../shared/series/time-features.js';
import { extendFrame } from '../future.js';

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
  /** Whether answers carry lower and upper bounds (Prophet saved with uncertainty samples). */
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
  /** Whether the model reads its inputs by row (GRU, LSTM) rather than by timestamp (Prophet). */
  readonly #readsRows: boolean;

  constructor(model: LoadedModel) {
    this.#model = model;
    const { manifest } = model;
    this.#columns = [...new Set([...manifest.features, manifest.target])];
    this.#readsRows = model.modelType !== 'prophet';
    this.description = {
      modelType: model.modelType,
      runId: model.runId,
      target: manifest.target,
      requiredColumns: this.#columns.filter((name) => !TIME_FEATURES.includes(name)),
      timeFeatureColumns: this.#columns.filter((name) => TIME_FEATURES.includes(name)),
      ignoredColumns: Object.keys(manifest.scaler.columns).filter((name) => !this.#columns.includes(name) && !TIME_FEATURES.includes(name)),
      inputLength: manifest.inputLength,
      horizon: manifest.horizon,
      frequencyMs: manifest.frequencyMs,
      frequency: manifest.frequency,
      configHash: manifest.configHash,
      hasIntervals: model.interval !== undefined && Number(model.facts['uncertainty_samples'] ?? 1) > 0,
      facts: model.facts,
    };
  }

  async forecast(requests: readonly ForecastRequest[], options: ForecastOptions = {}): Promise<ForecastAnswer[]> {
    // The recurrent models read each origin's window by row index, so the whole batch is one frame. Prophet
    // predicts over the frame's timestamps as a time-ordered table; requests whose times overlap would interleave
    // in a joined frame and the answers would be matched to the wrong rows, so each request gets a frame of its own.
    const groups = this.#readsRows ? [requests] : requests.map((request) => [request]);
    const answers: ForecastAnswer[] = [];
    for (const [g, group] of groups.entries()) {
      if (g > 0) await new Promise((resolve) => setImmediate(resolve));
      answers.push(...(await this.#forecastTogether(group, options)));
    }
    return answers;
  }

  /** Forecasts for requests joined into one frame (see the module comment). */
  async #forecastTogether(requests: readonly ForecastRequest[], options: ForecastOptions): Promise<ForecastAnswer[]> {
    if (requests.length === 0) return [];
    const { manifest } = this.#model;
    const H = manifest.horizon;
    const extended = requests.map((request) => this.#extendedFrame(request));
    const offsets: number[] = [];
    let total = 0;
    for (const frame of extended) {
      offsets.push(total);
      total += frame.time.length;
    }
    const batch = concatFrames(extended);
    const target = batch.columns[manifest.target]!;
    const scaled = requests.map((request) => new Float64Array(request.steps));
    const rounds = Math.max(...requests.map((request) => Math.ceil(request.steps / H)));
    for (let round = 0; round < rounds; round++) {
      // Between rounds, let the event loop run: new requests queue up and deadlines fire during a long forecast.
      if (round > 0) await new Promise((resolve) => setImmediate(resolve));
      if (options.cancelled?.()) throw new Error(`Forecast abandoned after ${round} of ${rounds} rounds: every request of the batch passed its deadline.`);
      const active = requests.flatMap((request, i) => (round * H < request.steps ? [i] : []));
      const origins = Int32Array.from(active, (i) => offsets[i]! + requests[i]!.time.length - 1 + round * H);
      const values = await this.#model.forecaster(batch, origins);
      active.forEach((i, k) => {
        for (let h = 0; h < H; h++) {
          const step = round * H + h;
          if (step >= requests[i]!.steps) break;
          const value = values[k * H + h]!;
          scaled[i]![step] = value;
          target[origins[k]! + 1 + h] = value;
        }
      });
    }
    const scale = columnScale(manifest.scaler, manifest.target);
    const intervals = await this.#intervals(batch, requests, offsets, options);
    return requests.map((request, i) => {
      const n = request.time.length;
      const answer: ForecastAnswer = {
        time: extended[i]!.time.slice(n, n + request.steps),
        forecast: unscaleValues(scaled[i]!, scale),
      };
      if (intervals) {
        const at = intervals.start[i]!;
        answer.lower = unscaleValues(intervals.lower.subarray(at, at + request.steps), scale);
        answer.upper = unscaleValues(intervals.upper.subarray(at, at + request.steps), scale);
      }
      return answer;
    });
  }

  dispose(): void {
    this.#model.dispose();
  }

  /**
   * The request's rows in the model's column order, scaled, time features computed from the timestamps, then
   * extended by `steps` + one horizon of future rows. The future target starts at 0 rather than NaN: each round
   * writes the rows the next round's windows read, and a placeholder keeps the other requests' unwritten rows,
   * which lie between this batch's origins, finite for the model's input checks; no window ever reads one.
   */
  #extendedFrame(request: ForecastRequest): SeriesFrame {
    const { manifest } = this.#model;
    const rebuilt = this.description.timeFeatureColumns.length > 0 ? timeFeatures(request.time) : undefined;
    const columns: Record<string, Float64Array> = {};
    for (const name of this.#columns) {
      const raw = TIME_FEATURES.includes(name) ? rebuilt![name as (typeof TIME_FEATURE_NAMES)[number]] : request.columns[name]!;
      const scale = manifest.scaler.columns[name];
      columns[name] = scale ? scaleValues(raw, scale) : Float64Array.from(raw);
    }
    const frame = extendFrame({ time: request.time, names: [...this.#columns], columns }, manifest, request.steps);
    frame.columns[manifest.target]!.fill(0, request.time.length);
    return frame;
  }

  /**
   * The model's interval at every future row of every request (scaled), and where each request's rows start.
   * Simulated one request at a time (Prophet draws its uncertainty samples per row, so this costs the same as one
   * call) with the event loop let in between: a batch of long forecasts does not hold up other connections,
   * deadlines or shedding for its whole duration.
   */
  async #intervals(batch: SeriesFrame, requests: readonly ForecastRequest[], offsets: readonly number[], options: ForecastOptions) {
    const interval = this.#model.interval;
    if (!this.description.hasIntervals || !interval) return undefined;
    const total = requests.reduce((sum, request) => sum + request.steps, 0);
    const lower = new Float64Array(total);
    const upper = new Float64Array(total);
    const start: number[] = [];
    let at = 0;
    for (const [i, request] of requests.entries()) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      if (options.cancelled?.()) throw new Error('Forecast abandoned while simulating intervals: every request of the batch passed its deadline.');
      const rows = Int32Array.from({ length: request.steps }, (_, k) => offsets[i]! + request.time.length + k);
      const bounds = interval(batch, rows);
      lower.set(bounds.lower, at);
      upper.set(bounds.upper, at);
      start.push(at);
      at += request.steps;
    }
    return { lower, upper, start };
  }
}
