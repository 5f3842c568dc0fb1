/**
 * What a trained model says about itself. First, in its KFP `model` artifact's metadata: the contract between
 * the trainers (which write it) and eval and inference (which read it) — flat scalars, because KFP passes
 * artifact metadata through MLMD (lists and objects come back wrapped, booleans as 0/1). Second, in the model
 * directory itself (registry.ts `modelDirectoryFacts`).
 */
import { InvalidArtifactError } from '../errors.js';
import { HELD_OUT_METRICS, type HeldOutMetrics, type MetricName, type SKILL_METRICS } from '../series/metric-names.js';
import { isModelType, modelDirectoryFacts, MODEL_TYPES, type ModelType } from './registry.js';

/** The baselines' RMSE and the skills against them are optional: models from before they were reported lack them. */
export type TrainedModelMetadata = HeldOutMetrics &
  Partial<Record<MetricName<'persistence' | 'linear', 'rmse', 'scaled'> | (typeof SKILL_METRICS)['persistence' | 'linear'], number>> & {
  model_type: ModelType;
  run_id: string;
  /** `runs:/<run_id>/model`. */
  model_uri: string;
  config_hash: string;
  input_length: number;
  horizon: number;
  /** Number of (origin, step) targets the metrics are over. */
  targets: number;
  /** Nominal coverage of the model's prediction interval (0.8 = 80 %), with `test_coverage` and `test_winkler` beside it. */
  interval_width?: number;
  test_coverage?: number;
  test_winkler?: number;
};

const STRINGS = ['run_id', 'model_uri', 'config_hash'] as const;
const NUMBERS = [...HELD_OUT_METRICS, 'input_length', 'horizon', 'targets'] as const;

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
  throw new InvalidArtifactError(artifact, message);
}
