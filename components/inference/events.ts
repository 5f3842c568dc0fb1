/**
 * Inference as a Kafka service: an `inference-data` claim (upstream's shape) names a processed Parquet; inference
 * runs on it with the champion the MLflow registry alias points at (`registered_model_name`@`alias`, default
 * flts-forecaster@champion), once per claim whatever the redeliveries, writes its one JSONL log object, and
 * publishes upstream's `performance-eval` pointing at it. Claims are handled `FLTS_EVENTS_CONCURRENCY` at a time
 * (default 16), all with one loaded champion whose forecasts are micro-batched across them (upstream's
 * `BATCH_SIZE`, default 32, and `BATCH_TIMEOUT_MS`, default 25).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidParameterError, TrackingError } from '../../shared/errors.js';
import { parseInferenceDataClaim, performanceEval, RetryLaterError } from '../../shared/events/index.js';
import { microBatched, type MicroBatchLimits } from '../../shared/models/batched.js';
import { loadModel, type LoadedModel } from '../../shared/models/registry.js';
import { Logger } from '../../shared/log.js';
import { parseLocation } from '../../shared/store/index.js';
import { openTracking, type Tracker } from '../../shared/tracking/index.js';
import { fetchObject, runInProcess, startStage, withScratch } from '../events/stage.js';
import { runInference, type ModelLease } from './inference.js';
import { inferenceSpec } from './spec.js';

export async function runInferenceEvents(): Promise<void> {
  const champions = new Champions(batchLimitsFromEnv());
  let tracker: Tracker | undefined;
  await startStage({
    service: 'inference',
    topic: (topics) => topics.inferenceData,
    parse: parseInferenceDataClaim,
    concurrency: 16,
    handle: async ({ value: claim }, context) => {
      tracker ??= await openTracking({ trackingUri: String(context.parameters['mlflow_tracking_uri'] ?? '') });
      const name = String(context.parameters['registered_model_name'] ?? 'flts-forecaster');
      const alias = String(context.parameters['alias'] ?? 'champion');
      const identifier = claim.identifier ?? String(context.parameters['identifier'] ?? '');
      const champion = await champions.lease(tracker, name, alias);
      try {
        const { result } = await context.ledger.run({ configHash: '', modelKind: 'inference', source: `s3://${claim.bucket}/${claim.object}` }, () =>
          withScratch(async (directory) => {
            const data = { uri: await fetchObject(context.store, claim.bucket, claim.object, directory, 'inference_data.parquet') };
            const parameters = { ...context.parameters, identifier, mode: context.parameters['mode'] ?? 'both' };
            const body = (executor: Parameters<typeof runInference>[0]) => runInference(executor, async () => ({ model: champion.model, release: () => undefined }));
            return runInProcess(inferenceSpec, body, parameters, { inference_data: data, selected_model: { uri: champion.directory, metadata: {} } }, async (run) => {
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
      } finally {
        champion.release();
      }
    },
  });
}

/** Upstream's micro-batch settings: `BATCH_SIZE` (default 32) and `BATCH_TIMEOUT_MS` (default 25). */
export function batchLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): MicroBatchLimits {
  const read = (name: string, fallback: number, least: number) => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < least) {
      throw new InvalidParameterError([{ path: name, message: `Environment variable ${name} must be an integer ≥ ${least}; got ${JSON.stringify(raw)}.` }]);
    }
    return value;
  };
  return { maxSize: read('BATCH_SIZE', 32, 1), maxWaitMs: read('BATCH_TIMEOUT_MS', 25, 0) };
}

interface Champion {
  version: string;
  /** The download's scratch directory, removed when the version is freed. */
  root: string;
  directory: string;
  model: LoadedModel;
  /** Claims using it now. */
  users: number;
  /** Replaced by a newer version: freed once its last claim is done. */
  retired: boolean;
}

/**
 * The champion as the registry names it now, downloaded and loaded once per version and lent to every claim; a
 * version the alias has moved away from is freed once the claims still using it are done.
 */
class Champions {
  readonly #limits: MicroBatchLimits;
  readonly #loading = new Map<string, Promise<Champion>>();
  #current: Champion | undefined;

  constructor(limits: MicroBatchLimits) {
    this.#limits = limits;
  }

  /** The current champion, lent to one claim until `release`; a claim before any promotion waits (retried). */
  async lease(tracker: Tracker, name: string, alias: string): Promise<ModelLease & { directory: string }> {
    let version: string;
    try {
      version = (await tracker.getModelVersionByAlias(name, alias)).version;
    } catch (cause) {
      // Preprocess publishes the inference claim with the training one: it waits for eval's first promotion.
      if (cause instanceof TrackingError && (cause.status === 404 || ['RESOURCE_DOES_NOT_EXIST', 'INVALID_PARAMETER_VALUE'].includes(cause.errorCode ?? ''))) {
        throw new RetryLaterError(`No model to infer with yet: the registry has no ${name}@${alias}.`, 5000);
      }
      throw cause;
    }
    let loading = this.#loading.get(version);
    if (!loading) {
      loading = this.#load(tracker, name, version);
      this.#loading.set(version, loading);
      loading.catch(() => this.#loading.delete(version));
    }
    const champion = await loading;
    if (this.#current !== champion) {
      const previous = this.#current;
      this.#current = champion;
      if (previous) {
        previous.retired = true;
        this.#loading.delete(previous.version);
        if (previous.users === 0) void free(previous);
      }
    }
    champion.users++;
    let released = false;
    return {
      model: champion.model,
      directory: champion.directory,
      release: () => {
        if (released) return;
        released = true;
        champion.users--;
        if (champion.retired && champion.users === 0) void free(champion);
      },
    };
  }

  async #load(tracker: Tracker, name: string, version: string): Promise<Champion> {
    const root = await mkdtemp(join(tmpdir(), 'flts-champion-'));
    const directory = await tracker.downloadArtifacts(`models:/${name}/${version}`, root);
    const model = microBatched(await loadModel(directory, undefined, { log: new Logger('inference') }), this.#limits);
    return { version, root, directory, model, users: 0, retired: false };
  }
}

async function free(champion: Champion): Promise<void> {
  champion.model.dispose();
  await rm(champion.root, { recursive: true, force: true });
}
