/**
 * What a trained model says about itself in its KFP `model` artifact's metadata: the contract between the
 * trainers (which write it) and eval and inference (which read it). Flat scalars, because KFP passes artifact
 * metadata through MLMD (lists and objects come back wrapped, booleans as 0/1).
 */
import { ArtifactError } from '../errors.js';

export const MODEL_TYPES = ['gru', 'lstm', 'prophet'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

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
}

const NUMBERS = ['test_rmse', 'test_mae', 'test_mse', 'test_rmse_original', 'test_mae_original', 'test_mse_original', 'input_length', 'horizon', 'targets'] as const;

/** Reads and checks the metadata of a trained model artifact; names the artifact and the missing field. */
export function trainedModelMetadata(artifact: string, metadata: Record<string, unknown>): TrainedModelMetadata {
  const problems: string[] = [];
  const type = metadata['model_type'];
  if (typeof type !== 'string' || !(MODEL_TYPES as readonly string[]).includes(type)) {
    problems.push(`model_type ${JSON.stringify(type)} (expected one of ${MODEL_TYPES.join(', ')})`);
  }
  for (const key of ['run_id', 'model_uri', 'config_hash'] as const) {
    if (typeof metadata[key] !== 'string') problems.push(`${key} missing`);
  }
  for (const key of NUMBERS) {
    if (typeof metadata[key] !== 'number') problems.push(`${key} missing`);
  }
  if (problems.length > 0) {
    throw new ArtifactError(artifact, `Input artifact "${artifact}" is not a model from an FLTS trainer: ${problems.join(', ')}.`);
  }
  return metadata as unknown as TrainedModelMetadata;
}
