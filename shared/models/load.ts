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
import { MODEL_TYPES, type ModelType } from './trained-model.js';

export interface LoadedModel {
  modelType: ModelType;
  manifest: PreprocessingManifest;
  forecaster: Forecaster;
  /** The model's uncertainty interval of the target at rows of a frame (scaled units), where it has one (Prophet). */
  interval?: (frame: SeriesFrame, rows: Int32Array) => { lower: Float64Array; upper: Float64Array };
  /** Facts worth logging (backend, …). */
  facts: Record<string, string | number>;
  dispose(): void;
}

export interface LoadOptions {
  /** TensorFlow.js backend request for recurrent models. @default "auto" */
  backend?: string;
  log?: Logger;
}

/** The model in `directory`; `declaredType` (from artifact metadata) wins over what the files suggest. */
export async function loadModel(directory: string, declaredType: unknown, options: LoadOptions = {}): Promise<LoadedModel> {
  const modelType = modelTypeOf(directory, declaredType);
  if (modelType === 'prophet') {
    const { loadProphetModel } = await import('./prophet-model.js');
    return loadProphetModel(directory);
  }
  const [{ chooseBackend }, recurrent] = await Promise.all([import('../tf/backend.js'), import('./recurrent/index.js')]);
  const backend = await chooseBackend(options.backend ?? 'auto', options.log ? { log: options.log } : {});
  const model = await recurrent.loadRecurrentModel(directory);
  return {
    modelType,
    manifest: model.manifest,
    forecaster: recurrent.recurrentForecaster(model),
    facts: { backend: backend.backend },
    dispose: () => recurrent.disposeRecurrentModel(model),
  };
}

function modelTypeOf(directory: string, declared: unknown): ModelType {
  if (typeof declared === 'string' && (MODEL_TYPES as readonly string[]).includes(declared)) return declared as ModelType;
  if (existsSync(join(directory, 'prophet.json'))) return 'prophet';
  if (existsSync(join(directory, 'model.json'))) {
    throw new ModelStateError(`The model in ${directory} is a recurrent network, but its metadata does not say whether GRU or LSTM (model_type).`);
  }
  throw new ModelStateError(`${directory} holds no model this project wrote (no model.json or prophet.json).`);
}
