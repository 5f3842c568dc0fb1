/**
 * What a trained model says about itself. First, in its KFP `model` artifact's metadata: the contract between
 * the trainers (which write it) and eval and inference (which read it) — flat scalars, because KFP passes
 * artifact metadata through MLMD (lists and objects come back wrapped, booleans as 0/1). Second, in the model
 * directory itself (`modelDirectoryFacts`): the MLmodel file the trainer writes beside the model files, and the
 * files themselves, so that a directory downloaded from the MLflow registry still says what it is.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ArtifactError } from '../errors.js';

export const MODEL_TYPES = ['gru', 'lstm', 'prophet'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

export function isModelType(value: unknown): value is ModelType {
  return typeof value === 'string' && (MODEL_TYPES as readonly string[]).includes(value);
}

/** The held-out metrics every trainer reports, from the shared evaluation protocol. */
export interface HeldOutMetrics {
  /** Scaled units (the preprocess scaler's), as upstream's composite score uses. */
  test_rmse: number;
  test_mae: number;
  test_mse: number;
  /** The target's own units. */
  test_rmse_original: number;
  test_mae_original: number;
  test_mse_original: number;
}

export interface TrainedModelMetadata extends HeldOutMetrics {
  model_type: ModelType;
  run_id: string;
  /** `runs:/<run_id>/model`. */
  model_uri: string;
  config_hash: string;
  input_length: number;
  horizon: number;
  /** Number of (origin, step) targets the metrics are over. */
  targets: number;
  /** The persistence baseline on the same targets (scaled units); every trainer of this project reports it. */
  persistence_rmse?: number;
  /** 1 − test_rmse / persistence_rmse: 0 = as good as persistence, > 0 = better. */
  skill_vs_persistence?: number;
}

const STRINGS = ['run_id', 'model_uri', 'config_hash'] as const;
const NUMBERS = ['test_rmse', 'test_mae', 'test_mse', 'test_rmse_original', 'test_mae_original', 'test_mse_original', 'input_length', 'horizon', 'targets'] as const;

/**
 * Reads and checks the metadata of a trained model artifact; names the artifact and every missing field. With
 * `directory` (the artifact's local path), the message also says what the directory holds, e.g. a model
 * downloaded from the registry, whose files do not carry the held-out metrics.
 */
export function trainedModelMetadata(artifact: string, metadata: Record<string, unknown>, directory?: string): TrainedModelMetadata {
  const type = metadata['model_type'];
  const wrongType = isModelType(type) ? undefined : `model_type ${JSON.stringify(type)} (expected one of ${MODEL_TYPES.join(', ')})`;
  const missing = [
    ...STRINGS.filter((key) => typeof metadata[key] !== 'string'),
    ...NUMBERS.filter((key) => typeof metadata[key] !== 'number'),
  ];
  if (!wrongType && missing.length === 0) return metadata as unknown as TrainedModelMetadata;

  const problems = [
    ...(wrongType ? [wrongType] : []),
    ...(missing.length > 0 ? [`its artifact metadata lacks ${missing.join(', ')}`] : []),
  ].join('; ');
  const present = Object.keys(metadata);
  const shown = present.sort().slice(0, 12).join(', ') + (present.length > 12 ? `, … (${present.length} keys)` : '');
  const had = present.length === 0 ? 'The artifact has no metadata at all' : `The artifact's metadata has only ${shown}`;
  let message =
    `Input artifact "${artifact}" is not a model from an FLTS trainer: ${problems}. ${had}; a trainer writes into the metadata of its "model" output ` +
    `the model_type, run_id, model_uri, config_hash and the held-out metrics (test_rmse, test_mae, test_mse and their *_original, input_length, horizon, targets) that eval ranks by.`;
  if (directory !== undefined) {
    const facts = modelDirectoryFacts(directory);
    message += facts.type
      ? ` ${directory} does hold a ${facts.type.toUpperCase()} model (${facts.source}${facts.runId ? `, MLflow run ${facts.runId}` : ''}), but the model files do not carry its held-out metrics: pass the trainer's "model" output itself, not a copy of the model directory.`
      : ` ${directory} holds no model either (no MLmodel, model.json or prophet.json).`;
  }
  throw new ArtifactError(artifact, message);
}

/** What a model directory says about itself: its type and where that was read, and the MLflow run of its MLmodel. */
export interface ModelDirectoryFacts {
  /** From the MLmodel file when it says, else from the model files (prophet.json, or model.json's recurrent layers). */
  type: ModelType | undefined;
  /** Where `type` was read, for messages ("MLmodel metadata.model_type", "model.json layers", …). */
  source: string;
  runId: string | undefined;
  /** The model files' own answer, where they give one, for cross-checking the MLmodel and the artifact metadata. */
  fromFiles: { type: ModelType; source: string } | undefined;
  /** The MLmodel file's answer (metadata.model_type, else the flavour). */
  fromMlmodel: { type: ModelType; source: string } | undefined;
}

/**
 * Inspects `directory`: its MLmodel file (`metadata.model_type`, else `flavors.tfjs_layers.cell` or a `prophet`
 * flavour) and its files (`prophet.json`; `model.json` with GRU or LSTM layers). Never throws; unreadable or
 * unknown files simply give no answer.
 */
export function modelDirectoryFacts(directory: string): ModelDirectoryFacts {
  const mlmodel = readMlmodel(directory);
  const fromMlmodel = mlmodelType(mlmodel);
  const fromFiles = filesType(directory);
  const chosen = fromMlmodel ?? fromFiles;
  const runId = text(mlmodel?.run_id);
  return { type: chosen?.type, source: chosen?.source ?? 'nothing', runId: runId || undefined, fromFiles, fromMlmodel };
}

function mlmodelType(mlmodel: MlmodelFile | undefined): { type: ModelType; source: string } | undefined {
  if (!mlmodel) return undefined;
  const declared = text(mlmodel.metadata?.['model_type'])?.toLowerCase();
  if (isModelType(declared)) return { type: declared, source: 'MLmodel metadata.model_type' };
  const flavors = mlmodel.flavors ?? {};
  const cell = text((flavors['tfjs_layers'] as Record<string, unknown> | undefined)?.['cell'])?.toLowerCase();
  if (cell === 'gru' || cell === 'lstm') return { type: cell, source: 'MLmodel flavors.tfjs_layers.cell' };
  if ('prophet' in flavors) return { type: 'prophet', source: 'MLmodel prophet flavour' };
  return undefined;
}

function filesType(directory: string): { type: ModelType; source: string } | undefined {
  if (existsSync(join(directory, 'prophet.json'))) return { type: 'prophet', source: 'prophet.json' };
  const topology = join(directory, 'model.json');
  if (!existsSync(topology)) return undefined;
  try {
    const model = JSON.parse(readFileSync(topology, 'utf8')) as { modelTopology?: { config?: { layers?: { class_name?: unknown }[] } } };
    const classes = new Set((model.modelTopology?.config?.layers ?? []).map((layer) => layer.class_name).filter((name) => name === 'GRU' || name === 'LSTM'));
    if (classes.size === 1) return { type: String([...classes][0]).toLowerCase() as ModelType, source: 'the layers in model.json' };
  } catch {
    // Not JSON, or not a layers model: no answer from the files.
  }
  return undefined;
}

/** What an MLmodel file says about the model, as far as telling its type goes. */
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
