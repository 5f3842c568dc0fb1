/**
 * The model kinds, one adapter each: the one place the trainers, eval, inference and serving reach models through.
 * Adding a kind is a folder with an adapter (adapter.ts) and one line here.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { InvalidArtifactError } from '../errors.js';
import type { LoadOptions, Model } from './adapter.js';
import { prophetAdapter } from './prophet/adapter.js';
import { recurrentAdapter } from './recurrent/adapter.js';

export const MODEL_ADAPTERS = {
  gru: recurrentAdapter('gru'),
  lstm: recurrentAdapter('lstm'),
  prophet: prophetAdapter,
} as const;

export type ModelType = keyof typeof MODEL_ADAPTERS;
export const MODEL_TYPES = Object.keys(MODEL_ADAPTERS) as ModelType[];

export function isModelType(value: unknown): value is ModelType {
  return typeof value === 'string' && Object.hasOwn(MODEL_ADAPTERS, value);
}

/** A model loaded from a directory, with the MLflow run its MLmodel file names (if it has one). */
export interface LoadedModel extends Model {
  modelType: ModelType;
  runId?: string;
}

/**
 * The model in `directory`. Its kind comes from `declaredType` (the KFP artifact's `model_type` metadata) when
 * given, else from the directory itself — the MLmodel file the trainer writes (`metadata.model_type`, or a
 * flavour an adapter recognises), else the model files — so that a directory downloaded from the MLflow registry
 * loads without KFP metadata. When two of these disagree, the artifact is mislabelled and loading stops with an
 * error naming both.
 */
export async function loadModel(directory: string, declaredType: unknown, options: LoadOptions = {}): Promise<LoadedModel> {
  const facts = modelDirectoryFacts(directory);
  const modelType = typeFrom(directory, declaredType, facts);
  const model = await MODEL_ADAPTERS[modelType].load(directory, options);
  return { ...model, modelType, ...(facts.runId !== undefined && { runId: facts.runId }) };
}

/** The model kind of `directory` (see `loadModel`). */
export function modelTypeOf(directory: string, declared: unknown): ModelType {
  return typeFrom(directory, declared, modelDirectoryFacts(directory));
}

/** What a model directory says about itself: its kind and where that was read, and the MLflow run of its MLmodel. */
export interface ModelDirectoryFacts {
  /** From the MLmodel file when it says, else from the model files. */
  type: ModelType | undefined;
  /** Where `type` was read, for messages ("MLmodel metadata.model_type", "prophet.json", …). */
  source: string;
  runId: string | undefined;
  /** The model files' own answer, for cross-checking the MLmodel and the artifact metadata. */
  fromFiles: { type: ModelType; source: string } | undefined;
  /** The MLmodel file's answer (metadata.model_type, else the flavour). */
  fromMlmodel: { type: ModelType; source: string } | undefined;
}

/** Inspects `directory`: its MLmodel file and its files, asking every adapter. Never throws. */
export function modelDirectoryFacts(directory: string): ModelDirectoryFacts {
  const mlmodel = readMlmodel(directory);
  const fromMlmodel = mlmodelType(mlmodel);
  const fromFiles = MODEL_TYPES.flatMap((type) => {
    const found = MODEL_ADAPTERS[type].identify(directory);
    return found ? [{ type, source: found.source }] : [];
  })[0];
  const chosen = fromMlmodel ?? fromFiles;
  const runId = text(mlmodel?.run_id);
  return { type: chosen?.type, source: chosen?.source ?? 'nothing', runId: runId || undefined, fromFiles, fromMlmodel };
}

function typeFrom(directory: string, declared: unknown, facts: ModelDirectoryFacts): ModelType {
  const answers = [
    ...(declared !== undefined && declared !== null && declared !== '' ? [{ type: declared, source: 'the artifact metadata (model_type)' }] : []),
    ...(facts.fromMlmodel ? [facts.fromMlmodel] : []),
    ...(facts.fromFiles ? [facts.fromFiles] : []),
  ];
  const [first, ...rest] = answers;
  if (first && !isModelType(first.type)) {
    throw new InvalidArtifactError(directory, `The model in ${directory} has model_type ${JSON.stringify(first.type)} in ${first.source}; expected one of ${MODEL_TYPES.join(', ')}.`);
  }
  const conflict = rest.find((answer) => answer.type !== first?.type);
  if (first && conflict) {
    throw new InvalidArtifactError(
      directory,
      `The model in ${directory} is labelled ${String(first.type)} by ${first.source} but ${conflict.type} by ${conflict.source}; the artifact and its files do not belong together.`,
    );
  }
  if (first) return first.type as ModelType;
  if (existsSync(join(directory, 'model.json'))) {
    throw new InvalidArtifactError(
      directory,
      `The model in ${directory} is a recurrent network, but nothing says whether GRU or LSTM: no model_type in the artifact metadata, no MLmodel file saying it (metadata.model_type or flavors.tfjs_layers.cell), and no GRU or LSTM layers in model.json.`,
    );
  }
  throw new InvalidArtifactError(directory, `${directory} holds no model this project wrote (no model.json or prophet.json).`);
}

function mlmodelType(mlmodel: MlmodelFile | undefined): { type: ModelType; source: string } | undefined {
  if (!mlmodel) return undefined;
  const declared = text(mlmodel.metadata?.['model_type'])?.toLowerCase();
  if (isModelType(declared)) return { type: declared, source: 'MLmodel metadata.model_type' };
  const flavors = (mlmodel.flavors ?? {}) as Record<string, unknown>;
  const type = MODEL_TYPES.find((kind) => MODEL_ADAPTERS[kind].fromFlavors(flavors));
  return type ? { type, source: `MLmodel flavour (${Object.keys(flavors).join(', ')})` } : undefined;
}

/** What an MLmodel file says about the model, as far as telling its kind goes. */
interface MlmodelFile {
  run_id?: unknown;
  metadata?: Record<string, unknown>;
  flavors?: Record<string, unknown>;
}

/** The MLmodel file parsed; undefined when there is none or it is not a YAML map. */
function readMlmodel(directory: string): MlmodelFile | undefined {
  try {
    // Failsafe: every scalar as text (a run id such as 123e4567… must not become a number).
    const parsed: unknown = parseYaml(readFileSync(join(directory, 'MLmodel'), 'utf8'), { schema: 'failsafe' });
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as MlmodelFile) : undefined;
  } catch {
    return undefined;
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}
