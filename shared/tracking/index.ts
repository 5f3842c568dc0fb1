/**
 * MLflow tracking for the components: one API over an MLflow server (REST, Node's fetch) and an offline
 * `mlruns/` directory that MLflow itself reads, chosen by the tracking URI.
 *
 * ```ts
 * const tracker = await openTracking({ trackingUri: params.mlflow_tracking_uri, experiment: 'flts' });
 *   // http(s)://… → MLflow server; '' → MLFLOW_TRACKING_URI, else ./mlruns (offline)
 * const run = await tracker.startRun({ runName: 'train-gru', tags: { 'flts.config_hash': hash } });
 * await run.logParams({ hidden_size: 64, dropout: 0.2 });
 * await run.logMetrics({ loss: 0.12, val_loss: 0.15 }, { step: epoch });     // batched via log-batch
 * await run.logArtifact('out/scaler.json', 'preprocessing');
 * const model = await run.logModel('out/model', 'model', { flavor: { name: 'tfjs_layers', config: { model_file: 'model.json' } } });
 * const version = await tracker.registerModel(model.modelUri, 'flts-gru');   // runs:/<id>/model
 * await tracker.setAlias('flts-gru', 'champion', version.version);
 * await run.end('FINISHED');                                                  // or 'FAILED' / 'KILLED'
 * await tracker.downloadArtifacts('models:/flts-gru@champion', '/tmp/model');
 * ```
 *
 * Signatures (types.ts):
 * - `openTracking({ trackingUri?, experiment?, env?, logger? }): Promise<Tracker>` (logger: told about retries)
 * - `Tracker`: `startRun({ runName?, tags?, startTime? })`, `resumeRun(runId)`, `getRun(runId)`,
 *   `metricHistory(runId, key)`, `listArtifacts(runId, path?)`, `resolveArtifactUri(uri)`,
 *   `downloadArtifacts(uri, localDir)`, `registerModel(modelUri, name, { tags?, description? })`,
 *   `setAlias(name, alias, version)`, `deleteAlias(name, alias)`, `getModelVersion(name, version)`,
 *   `getModelVersionByAlias(name, alias)`, `searchModelVersions(name, { runId? })`, `setTags(runId, record)`,
 *   `deleteTag(runId, key)` (the last two on any run, finished ones included, without resuming it)
 * - `TrackedRun`: `runId`, `artifactUri`, `logParams(record)`, `logMetrics(record, { step?, timestamp? })`,
 *   `logMetricPoints(points)`, `setTags(record)`, `logArtifact(file, dir?)`, `logArtifacts(dir, dir?)`,
 *   `logModel(dir, artifactPath, { flavor: { name, config }, signature?, metadata? })`, `end(status?)`
 *
 * Artifacts go wherever the run's artifact URI points: through the server (`mlflow-artifacts:`), straight to
 * S3/MinIO (`s3://`, endpoint from MLFLOW_S3_ENDPOINT_URL, via shared/store), or to the offline directory.
 * Settings and credentials come from the environment (config.ts lists the variables) and never appear in
 * messages. Every failure is a TrackingError naming the server and the call.
 */
export { openTracking, trackingStore, DEFAULT_MLRUNS_DIR, type OpenTrackingOptions } from './open.js';
export type {
  Tracker,
  TrackedRun,
  RunStatus,
  ParamValue,
  StartRunOptions,
  MetricOptions,
  MetricPoint,
  Flavor,
  ModelSignature,
  LogModelOptions,
  LoggedModel,
  RunInfo,
  RunRecord,
  ArtifactFile,
  ModelVersion,
  RegisterOptions,
  SearchModelVersionsOptions,
  DatasetInput,
} from './types.js';
export { DATASET_CONTEXT_TAG } from './datasets.js';
export { parseIndirectUri, type IndirectUri } from './model-uri.js';
export { BATCH_LIMITS, MAX_PARAM_VALUE_LENGTH, MAX_TAG_VALUE_LENGTH, splitBatches, validateKey } from './batch.js';
export { httpSettings, trackingUriFrom, redactUri, type HttpSettings } from './config.js';
export { encodeJson, decodeDouble, isRetryableReply } from './http.js';
export { mlmodelDocument, pythonUtcTime } from './mlmodel.js';
export { toYaml, parseFlatYaml, type YamlValue } from './yaml.js';
