/**
 * What the project needs of a kind of model, in one interface: its parameters (one table the trainer component's
 * spec is generated from), fitting, saving, loading, forecasting and its MLmodel flavour. One adapter per kind
 * lives in that kind's folder (`recurrent/adapter.ts` for GRU and LSTM, `prophet/adapter.ts`); the trainers, eval,
 * inference and serving reach models only through the registry (`registry.ts`). Adding a kind is one folder with
 * an adapter and one line in the registry.
 *
 * Adapters are light: the heavy parts (TensorFlow.js, the Prophet port) are imported when a model is fitted or
 * loaded, so a component that only reads metadata does not load them.
 */
import type { InputParameterSpec, ParameterValues } from '../kfp/spec.js';
import type { Logger } from '../log.js';
import type { Forecaster } from '../series/evaluation.js';
import type { SeriesFrame } from '../series/frame.js';
import type { PreprocessingManifest } from '../series/manifest.js';
import type { Flavor, ParamValue } from '../tracking/types.js';

/** A model ready to forecast, fitted or loaded. Everything is in scaled units (the manifest's scaler). */
export interface Model {
  kind: string;
  /** Target, ordered features, window, horizon, frequency, scaler, config hash, constants: all a forecast needs. */
  manifest: PreprocessingManifest;
  /**
   * Direct multi-step forecasts: out[i·H + h − 1] forecasts the target at row origins[i] + h. A model reads the
   * input window up to each origin; one that also reads its features at the forecast rows (`readsForecastRows`,
   * Prophet's regressors and timestamps) needs those rows in the frame.
   */
  forecast: Forecaster;
  /** Whether `forecast` reads the rows after the origin (their timestamps and features). */
  readsForecastRows: boolean;
  /** The model's prediction interval around its forecasts, `width` wide (0.8: 80 %), where it has one. */
  interval?: { width: number; bounds: IntervalFunction };
  /** Facts worth logging and recording (backend, layer kernel, interval width…). */
  facts: Record<string, string | number>;
  dispose(): void;
}

/**
 * Lower and upper bounds (scaled) around `forecasts`, in forecast's (origins.length, H) layout. In a recursive
 * forecast past the data, `recursion` says which round this is (0: forecast from data) and, for each origin, the
 * row of its series' last real value, for intervals that widen as the forecast feeds on its own forecasts.
 */
export type IntervalFunction = (
  frame: SeriesFrame,
  origins: Int32Array,
  forecasts: ArrayLike<number>,
  recursion?: { round: number; dataRows: Int32Array },
) => { lower: Float64Array; upper: Float64Array };

/** A model a trainer has just fitted: a Model that can also save itself and describe its training. */
export interface FittedModel extends Model {
  /** Writes every file needed to forecast (model files and manifest) into `directory`; each file whole or not at all. */
  save(directory: string): Promise<void>;
  /** Parameters known only once training ran (backend, layer kernel), for MLflow. */
  params: Record<string, ParamValue>;
  /** Training results for MLflow (best epoch, fit seconds…). */
  metrics: Record<string, number>;
  /** Extra sections for the trainer's HTML report (loss curves, components). */
  reportSections: string[];
  /** The MLmodel flavour that describes the saved files (read back by the adapter's `fromFlavors`). */
  flavor: Flavor;
}

/** The scaled splits a model is fitted on, and the manifest every model of that preprocess run starts from. */
export interface FitData {
  train: SeriesFrame;
  validation: SeriesFrame;
  manifest: PreprocessingManifest;
}

export interface FitHooks {
  log: Logger;
  /** Per-epoch (or per-iteration) values, logged to MLflow with step = epoch. */
  logEpoch?(epoch: number, values: Record<string, number>): Promise<void>;
}

export interface LoadOptions {
  /** TensorFlow.js backend request for models that run on it. @default "auto" */
  backend?: string;
  log?: Logger;
}

/** The answer of `identify`: this kind, and where that was read (for messages). */
export interface Identification {
  source: string;
}

export interface ModelAdapter<K extends string = string, T extends Record<string, InputParameterSpec> = Record<string, InputParameterSpec>, O = unknown> {
  kind: K;
  /** Display name: "GRU". */
  label: string;
  /** The trainer component's description. */
  description: string;
  /** The model's own parameters: names, types, bounds, defaults and docs. The trainer spec is generated from it. */
  parameters: T;
  /** Typed, checked options from the validated parameter values (throws InvalidParameterError naming the parameter). */
  options(values: ParameterValues<T>): O | Promise<O>;
  /** The options as MLflow params, under the component's parameter names. */
  trackedParams(values: ParameterValues<T>): Record<string, ParamValue>;
  fit(data: FitData, options: O, hooks: FitHooks): Promise<FittedModel>;
  /** Whether an MLmodel file's flavours describe a model of this kind. */
  fromFlavors(flavors: Record<string, unknown>): boolean;
  /** Whether the files in `directory` are a model of this kind, read from the files themselves. */
  identify(directory: string): Identification | undefined;
  /** The model saved in `directory`; InvalidArtifactError naming the file when a part is missing or unreadable. */
  load(directory: string, options: LoadOptions): Promise<Model>;
}

/** Declares an adapter, keeping its parameter table's literal types (so trainer specs stay typed). */
export function defineAdapter<const K extends string, const T extends Record<string, InputParameterSpec>, O>(adapter: ModelAdapter<K, T, O>): ModelAdapter<K, T, O> {
  return adapter;
}
