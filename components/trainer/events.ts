/**
 * A trainer as a Kafka service: a `training-data` claim (upstream's shape) names the training split our preprocess
 * wrote by claim check; its validation and held-out splits lie beside it. The trainer runs on the three, once per
 * (config hash, model kind, source object) whatever the redeliveries, and publishes upstream's `Trained: <KIND>`
 * event with the MLflow run (plus the identifier, which upstream's eval keyed its completion gate on). Like upstream
 * it announces `Training Started: <KIND>` when the training begins (not for a claim already trained).
 */
import { DataError } from '../../shared/errors.js';
import { parseTrainingDataClaim, trainingStarted, trainingSucceeded } from '../../shared/events/index.js';
import type { ModelAdapter } from '../../shared/models/adapter.js';
import { fetchObject, runInProcess, startStage, withScratch } from '../events/stage.js';
import { runTrainer } from './run.js';
import { trainerSpec, type TrainerSpec } from './spec.js';

const SPLITS = ['training_data', 'validation_data', 'inference_data'] as const;

export async function runTrainerEvents(adapter: ModelAdapter): Promise<void> {
  const spec = trainerSpec(adapter) as TrainerSpec;
  const kind = adapter.kind.toUpperCase();
  await startStage({
    service: spec.name,
    topic: (topics) => topics.trainingData,
    parse: parseTrainingDataClaim,
    handle: async ({ value: claim, announce }, context) => {
      const objects = splitObjects(claim.object);
      const identifier = claim.identifier ?? String(context.parameters['identifier'] ?? '');
      const experiment = String(context.parameters['mlflow_experiment'] ?? spec.inputs.parameters.mlflow_experiment.default);
      const { result } = await context.ledger.run({ configHash: claim.config_hash ?? '', modelKind: kind, source: `s3://${claim.bucket}/${claim.object}` }, () =>
        withScratch(async (directory) => {
          const started = trainingStarted(kind, { experiment, run_name: kind, config_hash: claim.config_hash ?? '' });
          await announce([{ topic: context.topics.modelTraining, value: { ...started.value, identifier } }]);
          const artifacts = Object.fromEntries(
            await Promise.all(SPLITS.map(async (split) => [split, { uri: await fetchObject(context.store, claim.bucket, objects[split], directory, `${split}.parquet`) }] as const)),
          );
          const parameters = { ...context.parameters, identifier, config_hash: claim.config_hash ?? '' };
          return runInProcess(spec, (executor) => runTrainer(adapter, executor), parameters, artifacts, async (run) => {
            const model = run.artifacts['model']!.metadata;
            return { experiment: String(model['experiment']), run_name: kind, run_id: String(run.parameters['run_id']), config_hash: String(model['config_hash']) };
          });
        }),
      );
      const event = trainingSucceeded(kind, result);
      // Upstream's key, plus the series: lifecycles spread over the partitions, so that eval's members share them.
      return [{ topic: context.topics.modelTraining, key: `${event.key}:${identifier}`, value: { ...event.value, identifier } }];
    },
  });
}

/** The three split objects of one preprocess run, from the training split's key (`<scope>/<config_hash>/<data_digest>/training_data.parquet`). */
function splitObjects(object: string): Record<(typeof SPLITS)[number], string> {
  const match = /^(.*\/)?training_data\.parquet$/.exec(object);
  if (!match) {
    throw new DataError(
      `The training-data claim names ${JSON.stringify(object)}; the trainers need a preprocess run's training_data.parquet, with validation_data.parquet and inference_data.parquet beside it (our preprocess with data_location=claim-check writes them).`,
    );
  }
  const prefix = match[1] ?? '';
  return { training_data: object, validation_data: `${prefix}validation_data.parquet`, inference_data: `${prefix}inference_data.parquet` };
}
