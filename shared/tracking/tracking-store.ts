/**
 * What a tracking backend must do for the tracker: the few primitive operations that differ between an MLflow
 * server (rest-store.ts) and an offline `mlruns/` directory (file-store.ts). Everything else — validation,
 * batching, MLmodel files, URI resolution — is shared (tracker.ts, run.ts).
 */
import type { ArtifactRepository } from './artifacts.js';
import type { BatchRequest, KeyValue } from './batch.js';
import type { DatasetInput, MetricPoint, ModelVersion, RunInfo, RunRecord, RunStatus } from './types.js';

export interface TrackingStore {
  readonly kind: 'rest' | 'offline';
  /** Without credentials. */
  readonly trackingUri: string;
  /**
   * The experiment named `name`, created if missing (with `tags`), safely when several processes race to create it;
   * an existing experiment gets those of `tags` it lacks (a value someone set is kept).
   */
  ensureExperiment(name: string, tags: KeyValue[]): Promise<{ id: string; name: string }>;
  createRun(experimentId: string, runName: string | undefined, tags: KeyValue[], startTime: number): Promise<RunInfo>;
  getRun(runId: string): Promise<RunRecord>;
  updateRun(runId: string, status: RunStatus, endTime: number | undefined): Promise<void>;
  /** One request's worth of entities (within BATCH_LIMITS). */
  logBatch(runId: string, batch: BatchRequest): Promise<void>;
  /** Links the run to datasets (MLflow dataset entities and run inputs); an input already logged is a no-op. */
  logInputs(runId: string, datasets: readonly DatasetInput[]): Promise<void>;
  /** Adds an MLmodel document to the run's `mlflow.log-model.history` tag. */
  recordLoggedModel(runId: string, mlmodel: Record<string, unknown>): Promise<void>;
  metricHistory(runId: string, key: string): Promise<MetricPoint[]>;
  artifactRepository(rootUri: string): ArtifactRepository;

  ensureRegisteredModel(name: string): Promise<void>;
  createModelVersion(name: string, source: string, runId: string | undefined, tags: KeyValue[], description?: string): Promise<ModelVersion>;
  getModelVersion(name: string, version: string): Promise<ModelVersion>;
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;
  /** The highest version of `name`. */
  latestModelVersion(name: string): Promise<ModelVersion>;
  /** Where the version's files are (its storage location, else its source). */
  modelVersionDownloadUri(name: string, version: string): Promise<string>;
  setAlias(name: string, alias: string, version: string): Promise<void>;
  /** Removes the alias; one that is not set is fine, a registered model that does not exist is RESOURCE_DOES_NOT_EXIST. */
  deleteAlias(name: string, alias: string): Promise<void>;
  /** Versions of `name` (of run `runId` only, when given), in any order, without deleted ones; none for an unknown model. */
  searchModelVersions(name: string, runId: string | undefined): Promise<ModelVersion[]>;
  /** Removes a run tag; a tag that is not there is fine, a run that does not exist is RESOURCE_DOES_NOT_EXIST. */
  deleteTag(runId: string, key: string): Promise<void>;
}
