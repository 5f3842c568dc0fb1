/**
 * Inference as a Kafka service: an `inference-data` claim (upstream's shape) names a processed Parquet; inference
 * runs on it with the champion the MLflow registry alias points at (`registered_model_name`@`alias`, default
 * flts-forecaster@champion, downloaded once per version), once per claim whatever the redeliveries, writes its one
 * JSONL log object, and publishes upstream's `performance-eval` pointing at it.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrackingError } from '../../shared/errors.js';
import { parseInferenceDataClaim, performanceEval, RetryLaterError } from '../../shared/events/index.js';
import { parseLocation } from '../../shared/store/index.js';
import { openTracking, type Tracker } from '../../shared/tracking/index.js';
import { fetchObject, runInProcess, startStage, withScratch, type StageContext } from '../events/stage.js';
import { runInference } from './inference.js';
import { inferenceSpec } from './spec.js';

interface Champion {
  version: string;
  runId: string;
  directory: string;
}

export async function runInferenceEvents(): Promise<void> {
  let champion: Champion | undefined;
  let tracker: Tracker | undefined;
  await startStage({
    service: 'inference',
    topic: (topics) => topics.inferenceData,
    parse: parseInferenceDataClaim,
    handle: async ({ value: claim }, context) => {
      tracker ??= await openTracking({ trackingUri: String(context.parameters['mlflow_tracking_uri'] ?? '') });
      champion = await currentChampion(tracker, context, champion);
      const identifier = claim.identifier ?? String(context.parameters['identifier'] ?? '');
      const model = champion;
      const { result } = await context.ledger.run({ configHash: '', modelKind: 'inference', source: `s3://${claim.bucket}/${claim.object}` }, () =>
        withScratch(async (directory) => {
          const data = { uri: await fetchObject(context.store, claim.bucket, claim.object, directory, 'inference_data.parquet') };
          const parameters = { ...context.parameters, identifier, mode: context.parameters['mode'] ?? 'both' };
          return runInProcess(inferenceSpec, runInference, parameters, { inference_data: data, selected_model: { uri: model.directory, metadata: {} } }, async (run) => {
            const predictions = run.artifacts['predictions']!.metadata;
            const logUri = String(predictions['log_uri'] ?? '');
            const location = logUri ? parseLocation(logUri) : undefined;
            return {
              status: 'SUCCESS',
              identifier,
              log_bucket: location?.kind === 'object' ? location.bucket : '',
              log_object_key: location?.kind === 'object' ? location.key : logUri,
              run_id: String(predictions['run_id']),
              model_type: String(predictions['model_type']).toUpperCase(),
              config_hash: String(predictions['config_hash']),
              rows: Number(predictions['rows']),
            };
          });
        }),
      );
      const message = performanceEval(result);
      return [{ topic: context.topics.performanceEval, ...(message.key !== undefined && { key: message.key }), value: message.value }];
    },
  });
}

/** The version the alias points at now, downloaded once per version; a claim before any promotion waits (retried). */
async function currentChampion(tracker: Tracker, context: StageContext, current: Champion | undefined): Promise<Champion> {
  const name = String(context.parameters['registered_model_name'] ?? 'flts-forecaster');
  const alias = String(context.parameters['alias'] ?? 'champion');
  let version;
  try {
    version = await tracker.getModelVersionByAlias(name, alias);
  } catch (cause) {
    // Preprocess publishes the inference claim with the training one: it waits for eval's first promotion.
    if (cause instanceof TrackingError && (cause.status === 404 || ['RESOURCE_DOES_NOT_EXIST', 'INVALID_PARAMETER_VALUE'].includes(cause.errorCode ?? ''))) {
      throw new RetryLaterError(`No model to infer with yet: the registry has no ${name}@${alias}.`, 5000);
    }
    throw cause;
  }
  if (current && current.version === version.version) return current;
  const directory = await tracker.downloadArtifacts(`models:/${name}/${version.version}`, await mkdtemp(join(tmpdir(), 'flts-champion-')));
  return { version: version.version, runId: version.runId ?? '', directory };
}
