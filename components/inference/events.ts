/**
 * Inference as a Kafka service: an `inference-data` claim (upstream's shape) names a processed Parquet; inference
 * runs on it with its series' champion (the last promotion eval recorded for the claim's identifier, else the
 * registry's `registered_model_name`@`alias`, default flts-forecaster@champion), once per claim whatever the
 * redeliveries, writes its one JSONL log object, and publishes upstream's `performance-eval` pointing at it. Claims are handled `FLTS_EVENTS_CONCURRENCY` at a time
 * (default 16), all with one loaded champion whose forecasts are micro-batched across them (upstream's
 * `BATCH_SIZE`, default 32, and `BATCH_TIMEOUT_MS`, default 25).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { numberFromEnv } from '../../shared/env.js';
import { DataError, InvalidParameterError, TrackingError } from '../../shared/errors.js';
import { parseInferenceDataClaim, performanceEval, RetryLaterError } from '../../shared/events/index.js';
import { microBatched, type MicroBatchLimits } from '../../shared/models/batched.js';
import { loadModel, type LoadedModel } from '../../shared/models/registry.js';
import { Logger } from '../../shared/log.js';
import { bucketUri, parseLocation } from '../../shared/store/index.js';
import { currentPromotionKey } from '../../shared/store/keys.js';
import { readDataset } from '../../shared/table/dataset.js';
import { openTracking, type Tracker } from '../../shared/tracking/index.js';
import { fetchObject, runInProcess, startStage, withScratch, type StageContext } from '../events/stage.js';
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
      const identifier = claim.identifier ?? String(context.parameters['identifier'] ?? '');
      const source = await championUri(tracker, context, identifier);
      const champion = await champions.lease(tracker, source.uri);
      try {
        const { result } = await context.ledger.run({ configHash: '', modelKind: 'inference', source: `s3://${claim.bucket}/${claim.object}` }, () =>
          withScratch(async (directory) => {
            const data = { uri: await fetchObject(context.store, claim.bucket, claim.object, directory, 'inference_data.parquet') };
            if (!source.own) await awaitOwnChampion(data.uri, champion.model, identifier);
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
        // Upstream's payload, and which claim it answers in a header (many claims share one identifier).
        const headers = { 'x-flts-claim': `s3://${claim.bucket}/${claim.object}` };
        return [{ topic: context.topics.performanceEval, ...(message.key !== undefined && { key: message.key }), value: message.value, headers }];
      } finally {
        champion.release();
      }
    },
  });
}

/**
 * The model a claim of series `identifier` is served with: that series' own champion — the last promotion eval
 * recorded for it (`<identifier>/current.json` in `promotion_bucket`) — else the registry's
 * `registered_model_name`@`alias` (default flts-forecaster@champion). A claim before any promotion waits (retried).
 */
async function championUri(tracker: Tracker, context: StageContext, identifier: string): Promise<{ uri: string; own: boolean }> {
  const bucket = String(context.parameters['promotion_bucket'] ?? 'model-promotion');
  if (identifier && bucket) {
    const pointer = `${bucketUri(bucket).replace(/\/+$/, '')}/${currentPromotionKey(identifier)}`;
    if (await context.store.exists(pointer)) {
      const record = await context.store.readJson<{ model_uri?: unknown }>(pointer);
      if (typeof record.model_uri !== 'string' || !record.model_uri) throw new DataError(`Promotion record ${pointer} names no model_uri.`);
      return { uri: record.model_uri, own: true };
    }
  }
  const name = String(context.parameters['registered_model_name'] ?? 'flts-forecaster');
  const alias = String(context.parameters['alias'] ?? 'champion');
  try {
    return { uri: `models:/${name}/${(await tracker.getModelVersionByAlias(name, alias)).version}`, own: false };
  } catch (cause) {
    // Preprocess publishes the inference claim with the training one: it waits for eval's first promotion.
    if (cause instanceof TrackingError && (cause.status === 404 || ['RESOURCE_DOES_NOT_EXIST', 'INVALID_PARAMETER_VALUE'].includes(cause.errorCode ?? ''))) {
      throw new RetryLaterError(`No model to infer with yet: no promotion of "${identifier}" and the registry has no ${name}@${alias}.`, 5000);
    }
    throw cause;
  }
}

/** Upstream's micro-batch settings: `BATCH_SIZE` (default 32) and `BATCH_TIMEOUT_MS` (default 25). */
export function batchLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): MicroBatchLimits {
  return {
    maxSize: numberFromEnv(env, 'BATCH_SIZE', { fallback: 32, min: 1, max: 10_000, integer: true }, variableError('BATCH_SIZE')),
    maxWaitMs: numberFromEnv(env, 'BATCH_TIMEOUT_MS', { fallback: 25, min: 0, max: 60_000, unit: 'milliseconds', integer: true }, variableError('BATCH_TIMEOUT_MS')),
  };
}

/** An error naming environment variable `name`, as a bad parameter is named. */
function variableError(name: string): (message: string) => Error {
  return (message) => new InvalidParameterError([{ path: name, message: `Environment variable ${message}` }]);
}

/**
 * Data preprocessed with another configuration than the registry's champion (another series' data files, say) waits
 * for its own series' promotion rather than fail: its lifecycle's eval has not promoted yet. A `deadline_ms` header
 * bounds the wait.
 */
async function awaitOwnChampion(dataPath: string, model: LoadedModel, identifier: string): Promise<void> {
  const { info } = await readDataset(dataPath, '"inference_data"');
  if (info.configHash !== model.manifest.configHash) {
    throw new RetryLaterError(`No champion for "${identifier}" (config ${info.configHash}) yet; the registry's is for config ${model.manifest.configHash}.`, 5000);
  }
}

interface Champion {
  uri: string;
  /** The download's scratch directory, removed when the model is freed. */
  root: string;
  directory: string;
  model: LoadedModel;
  /** Claims using it now. */
  users: number;
}

/**
 * Models by URI, each downloaded and loaded once and lent to every claim it serves, its forecasts micro-batched
 * across them. The `FLTS_INFERENCE_MODELS` most recently used (default 8) stay loaded; older ones are freed once
 * no claim uses them.
 */
class Champions {
  readonly #limits: MicroBatchLimits;
  readonly #capacity: number;
  /** In order of last use, oldest first. */
  readonly #loading = new Map<string, Promise<Champion>>();
  readonly #loaded = new Map<string, Champion>();

  constructor(limits: MicroBatchLimits, capacity = modelCapacityFromEnv()) {
    this.#limits = limits;
    this.#capacity = capacity;
  }

  /** The model at `uri`, lent to one claim until `release`. */
  async lease(tracker: Tracker, uri: string): Promise<ModelLease & { directory: string }> {
    let loading = this.#loading.get(uri);
    if (loading) this.#loading.delete(uri);
    else loading = this.#load(tracker, uri);
    this.#loading.set(uri, loading);
    loading.catch(() => this.#loading.get(uri) === loading && this.#loading.delete(uri));
    const champion = await loading;
    this.#loaded.set(uri, champion);
    champion.users++;
    this.#evict();
    let released = false;
    return {
      model: champion.model,
      directory: champion.directory,
      release: () => {
        if (released) return;
        released = true;
        champion.users--;
        this.#evict();
      },
    };
  }

  #evict(): void {
    for (const uri of this.#loading.keys()) {
      if (this.#loading.size <= this.#capacity) return;
      const champion = this.#loaded.get(uri);
      if (!champion || champion.users > 0) continue;
      this.#loading.delete(uri);
      this.#loaded.delete(uri);
      champion.model.dispose();
      void rm(champion.root, { recursive: true, force: true });
    }
  }

  async #load(tracker: Tracker, uri: string): Promise<Champion> {
    const root = await mkdtemp(join(tmpdir(), 'flts-champion-'));
    const directory = await tracker.downloadArtifacts(uri, root);
    const model = microBatched(await loadModel(directory, undefined, { log: new Logger('inference') }), this.#limits);
    return { uri, root, directory, model, users: 0 };
  }
}

/** `FLTS_INFERENCE_MODELS`: models kept loaded at once (default 8). */
function modelCapacityFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  return numberFromEnv(env, 'FLTS_INFERENCE_MODELS', { fallback: 8, min: 1, max: 1000, integer: true }, variableError('FLTS_INFERENCE_MODELS'));
}
