/**
 * Preprocess as a Kafka service: a `raw-data` claim (ours: `{"bucket","object","test_object"?,"identifier"}`) names a
 * raw file, and optionally its held-out file, in object storage. Preprocess runs on them with the claim check on,
 * once per source object whatever the redeliveries, and publishes upstream's `training-data` and `inference-data`
 * claims for the Parquet it stored (`processed-data/<scope>/<config_hash>/<data_digest>/…`).
 */
import { inferenceDataClaim, parseRawDataClaim, trainingDataClaim } from '../../shared/events/index.js';
import { parseLocation } from '../../shared/store/index.js';
import { fetchObject, runInProcess, startStage, withScratch } from '../events/stage.js';
import { runPreprocess } from './preprocess.js';
import { preprocessSpec } from './spec.js';

export async function runPreprocessEvents(): Promise<void> {
  await startStage({
    service: 'preprocess',
    topic: (topics) => topics.rawData,
    parse: parseRawDataClaim,
    handle: async ({ value: claim }, context) => {
      const identifier = claim.identifier ?? String(context.parameters['identifier'] ?? '');
      const source = `s3://${claim.bucket}/${claim.object}${claim.test_object ? `+${claim.test_object}` : ''}`;
      const { result } = await context.ledger.run({ configHash: '', modelKind: 'preprocess', source }, () =>
        withScratch(async (directory) => {
          const raw = { uri: await fetchObject(context.store, claim.bucket, claim.object, directory) };
          const test = claim.test_object ? { uri: await fetchObject(context.store, claim.bucket, claim.test_object, directory) } : undefined;
          const parameters = { ...context.parameters, identifier, data_location: 'claim-check' };
          return runInProcess(preprocessSpec, runPreprocess, parameters, { raw_data: raw, raw_test_data: test }, async (run) => {
            const pointer = (name: string) => {
              const metadata = run.artifacts[name]!.metadata;
              const location = parseLocation(String(metadata['claim_check_uri']));
              if (location.kind === 'local') throw new Error(`Event mode needs object storage for the claim check; ${name} went to ${location.path} (set MINIO_ENDPOINT or AWS_*).`);
              return { bucket: location.bucket, object: location.key, size: Number(metadata['bytes']) };
            };
            return { training: pointer('training_data'), inference: pointer('inference_data'), config_hash: String(run.parameters['config_hash']) };
          });
        }),
      );
      const training = trainingDataClaim({ ...result.training, identifier, config_hash: result.config_hash });
      const inference = inferenceDataClaim({ ...result.inference, identifier });
      return [
        { topic: context.topics.trainingData, key: training.key, value: training.value },
        { topic: context.topics.inferenceData, key: inference.key, value: { ...inference.value, config_hash: result.config_hash } },
      ];
    },
  });
}
