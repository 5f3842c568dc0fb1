/**
 * Loads any trained model directory (GRU, LSTM or Prophet) as a Forecaster with its preprocessing manifest,
 * so inference treats every model type the same way.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ModelStateError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Forecaster } from '../series/evaluation.js';
import type { SeriesFrame } from '../series/frame.js';
import type { PreprocessingManifest } from '../series/manifest.js';
import { isModelType, modelDirectoryFacts, MODEL_TYPES, type ModelDirectoryFacts, type ModelType } from './trained-model.js';

export interface LoadedModel {
  modelType: ModelType;
  manifest: PreprocessingManifest;
  forecaster: Forecaster;
  /** The model's uncertainty interval of the target at rows of a frame (scaled units), where it has one (Prophet). */
  interval?: (frame: SeriesFrame, rows: Int32Array) => { lower: Float64Array; upper: Float64Array };
  /** Facts worth logging (backend, …). */
  facts: Record<string, string | number>;
  /** The MLflow run the directory's MLmodel file names, if it has one. */
  runId?: string;
  dispose(): void;
}

export interface LoadOptions {
  /** TensorFlow.js backend request for recurrent models. @default "auto" */
  backend?: string;
  log?: Logger;
}

/**
 * The model in `directory`. Its type comes from `declaredType` (the KFP artifact's `model_type` metadata) when
 * given, else from the directory itself — the MLmodel file the trainer writes (`metadata.model_type`, or the
 * flavour's `cell`), else the model files (`prophet.json`; the GRU or LSTM layers in `model.json`) — so that a
 * model directory downloaded from the MLflow registry loads without any KFP metadata. When two of these
 * disagree, the artifact is mislabelled and loading stops with a ModelStateError that names both.
 */
export async function loadModel(directory: string, declaredType: unknown, options: LoadOptions = {}): Promise<LoadedModel> {
  const facts = modelDirectoryFacts(directory);
  const modelType = typeFrom(directory, declaredType, facts);
  const runId = facts.runId === undefined ? {} : { runId: facts.runId };
  if (modelType === 'prophet') {
    const { loadProphetModel } = await import('./prophet-model.js');
    return { ...(await loadProphetModel(directory)), ...runId };
  }
  const [{ chooseBackend }, recurrent] = await Promise.all([import('../tf/backend.js'), import('./recurrent/index.js')]);
  const backend = await chooseBackend(options.backend ?? 'auto', options.log ? { log: options.log } : {});
  const layers = recurrent.layerKernelReport();
  options.log?.info(`recurrent layers: ${layers.kernel} (${layers.detail})`);
  const model = await recurrent.loadRecurrentModel(directory);
  return {
    modelType,
    manifest: model.manifest,
    forecaster: recurrent.recurrentForecaster(model),
    facts: { backend: backend.backend, layer_kernel: layers.kernel },
    ...runId,
    dispose: () => recurrent.disposeRecurrentModel(model),
  };
}

/** The model type of `directory` (see `loadModel`); exported for tests and tools. */
export function modelTypeOf(directory: string, declared: unknown): ModelType {
  return typeFrom(directory, declared, modelDirectoryFacts(directory));
}

function typeFrom(directory: string, declared: unknown, facts: ModelDirectoryFacts): ModelType {
  const answers = [
    ...(declared !== undefined && declared !== null && declared !== '' ? [{ type: declared, source: 'the artifact metadata (model_type)' }] : []),
    ...(facts.fromMlmodel ? [facts.fromMlmodel] : []),
    ...(facts.fromFiles ? [facts.fromFiles] : []),
  ];
  const [first, ...rest] = answers;
  if (first && !isModelType(first.type)) {
    throw new ModelStateError(`The model in ${directory} has model_type ${JSON.stringify(first.type)} in ${first.source}; expected one of ${MODEL_TYPES.join(', ')}.`);
  }
  const conflict = rest.find((answer) => answer.type !== first?.type);
  if (first && conflict) {
    throw new ModelStateError(
      `The model in ${directory} is labelled ${String(first.type)} by ${first.source} but ${conflict.type} by ${conflict.source}; the artifact and its files do not belong together.`,
    );
  }
  if (first) return first.type as ModelType;
  if (existsSync(join(directory, 'model.json'))) {
    throw new ModelStateError(
      `The model in ${directory} is a recurrent network, but nothing says whether GRU or LSTM: no model_type in the artifact metadata, no MLmodel file saying it (metadata.model_type or flavors.tfjs_layers.cell), and no GRU or LSTM layers in model.json.`,
    );
  }
  throw new ModelStateError(`${directory} holds no model this project wrote (no model.json or prophet.json).`);
}
