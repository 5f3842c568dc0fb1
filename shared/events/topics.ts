/**
 * Upstream's Kafka topic names, each overridable from the environment so that our services and upstream's
 * Python ones can share one deployment during a migration, and the `DLQ-<topic>` rule for dead letters.
 */

/** The topics of the chain, by role: upstream's five, and ours for raw data. */
export interface Topics {
  /** → preprocess: claim checks of raw CSV/Parquet files (ours; upstream's preprocess ran once per start). @default "raw-data" */
  rawData: string;
  /** Preprocess → trainers: claim checks of the processed training Parquet. @default "training-data" */
  trainingData: string;
  /** Preprocess → inference: claim checks of the processed test Parquet. @default "inference-data" */
  inferenceData: string;
  /** Trainers → eval: "Training Started"/"Trained" events. @default "model-training" */
  modelTraining: string;
  /** Eval → inference: the promotion payload. @default "model-selected" */
  modelSelected: string;
  /** Inference → monitoring: where a prediction log line was written. @default "performance-eval" */
  performanceEval: string;
}

/** Environment variable of each topic and upstream's default name (reference/upstream-flts.md §2.4, §3.6, §5.2, §6.4). */
export const TOPIC_VARIABLES: Readonly<Record<keyof Topics, { variable: string; fallback: string }>> = {
  rawData: { variable: 'FLTS_TOPIC_RAW_DATA', fallback: 'raw-data' },
  trainingData: { variable: 'FLTS_TOPIC_TRAINING_DATA', fallback: 'training-data' },
  inferenceData: { variable: 'FLTS_TOPIC_INFERENCE_DATA', fallback: 'inference-data' },
  modelTraining: { variable: 'FLTS_TOPIC_MODEL_TRAINING', fallback: 'model-training' },
  modelSelected: { variable: 'FLTS_TOPIC_MODEL_SELECTED', fallback: 'model-selected' },
  performanceEval: { variable: 'FLTS_TOPIC_PERFORMANCE_EVAL', fallback: 'performance-eval' },
};

/** Topic names from `env`, upstream's defaults where a variable is unset or empty. */
export function topicsFromEnv(env: NodeJS.ProcessEnv = process.env): Topics {
  const entries = Object.entries(TOPIC_VARIABLES).map(([role, { variable, fallback }]) => [role, env[variable]?.trim() || fallback]);
  return Object.fromEntries(entries) as Topics;
}

/** Upstream's dead-letter topic for `topic`: `DLQ-<topic>` (e.g. `DLQ-model-training`). */
export function dlqTopic(topic: string): string {
  return `DLQ-${topic}`;
}
