/**
 * The tracking API the components call, shared by the REST client and the offline `mlruns/` writer: a
 * tracker bound to one experiment, the runs it starts, and the model registry.
 */

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

/** A parameter value; numbers and booleans are logged as text (booleans as Python writes them: "True"/"False"). */
export type ParamValue = string | number | boolean;

export interface StartRunOptions {
  /** Display name (`mlflow.runName`). */
  runName?: string;
  /** Run tags, e.g. `{ "flts.config_hash": "…", "kfp.run_id": "…" }`. */
  tags?: Record<string, string>;
  /** Start time in ms since the epoch. @default now */
  startTime?: number;
}

export interface MetricOptions {
  /** Training step or epoch. @default 0 */
  step?: number;
  /** Milliseconds since the epoch. @default now */
  timestamp?: number;
}

/** One logged metric value. */
export interface MetricPoint {
  key: string;
  value: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  step: number;
}

/** The model-format entry of an MLmodel file, e.g. `{ name: "tfjs_layers", config: { model_file: "model.json" } }`. */
export interface Flavor {
  name: string;
  /** Free-form settings of the flavour; keep them small (they are copied into the run's model history tag). */
  config: Record<string, unknown>;
}

/** An MLflow model signature: input and output schemas as MLflow's JSON (`[{"type":"tensor","tensor-spec":…}]`). */
export interface ModelSignature {
  inputs: unknown[];
  outputs: unknown[];
  params?: unknown[];
}

export interface LogModelOptions {
  flavor: Flavor;
  signature?: ModelSignature;
  /** Extra top-level MLmodel entries (`metadata`, …). */
  metadata?: Record<string, unknown>;
}

/** What `logModel` recorded. */
export interface LoggedModel {
  /** `runs:/<run id>/<artifact path>`, ready for `registerModel`. */
  modelUri: string;
  /** The model directory's artifact URI (`mlflow-artifacts:/…/model`, `s3://…/model`, `file:///…/model`). */
  artifactUri: string;
  /** The MLmodel document as written. */
  mlmodel: Record<string, unknown>;
}

export interface RunInfo {
  runId: string;
  runName: string;
  experimentId: string;
  status: RunStatus;
  startTime: number;
  endTime: number | undefined;
  artifactUri: string;
  lifecycleStage: string;
}

/** A run as the tracking store has it: latest metric values, params and tags. */
export interface RunRecord {
  info: RunInfo;
  metrics: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
}

/** A file in a run's artifacts. */
export interface ArtifactFile {
  /** Path relative to the run's artifact root, "/"-separated. */
  path: string;
  size: number;
}

export interface ModelVersion {
  name: string;
  /** Version number as MLflow writes it: a string of digits. */
  version: string;
  /** Artifact URI of the model directory. */
  source: string;
  runId: string | undefined;
  aliases: string[];
  status: string;
}

export interface RegisterOptions {
  tags?: Record<string, string>;
  description?: string;
}

/** A run being recorded. All methods send (or write) at once; nothing is buffered until `end`. */
/**
 * A dataset a run read, as MLflow's dataset entity (`mlflow.entities.Dataset`) and the run input that links it:
 * MLflow shows it under the run's "Datasets" and in the experiment's lineage.
 */
export interface DatasetInput {
  /** At most 500 characters. */
  name: string;
  /** Identifies the data (with `name`); at most 36 characters, MLflow's limit. */
  digest: string;
  /** Where the data is: an `s3://`, `file://` or other URI. */
  sourceUri: string;
  /** The columns in order, with MLflow's column types (`double`, `long`, `string`, `datetime`, …). */
  schema: { name: string; type: string }[];
  /** Facts about the data MLflow shows as its profile, e.g. `{ num_rows: 1500 }`. */
  profile: Record<string, string | number>;
  /** What the run used it for: MLflow's `mlflow.data.context` input tag (`training`, `validation`, `testing`, …). */
  context: string;
  /** More input tags. */
  tags?: Record<string, string>;
}

export interface TrackedRun {
  readonly runId: string;
  readonly experimentId: string;
  readonly runName: string;
  /** Where the run's artifacts live: `mlflow-artifacts:/…`, `s3://…` or `file:///…`. */
  readonly artifactUri: string;
  /** Logs parameters; re-logging a key with the same value is a no-op, a different value is an error (MLflow rule). */
  logParams(params: Record<string, ParamValue>): Promise<void>;
  /** Logs metrics at one step; NaN and ±Infinity are kept. */
  logMetrics(metrics: Record<string, number>, options?: MetricOptions): Promise<void>;
  /** Logs many points at once (e.g. a whole training history), batched within MLflow's limits. */
  logMetricPoints(points: readonly MetricPoint[]): Promise<void>;
  setTags(tags: Record<string, string>): Promise<void>;
  /** Logs the datasets the run read as its inputs (MLflow `log_inputs`); logging one again is a no-op. */
  logInputs(datasets: readonly DatasetInput[]): Promise<void>;
  /** Uploads one file into `artifactDir` (relative, "/"-separated; default: the artifact root). Returns its artifact path. */
  logArtifact(localFile: string, artifactDir?: string): Promise<string>;
  /** Uploads a directory's files, recursively, into `artifactDir`. Returns their artifact paths. */
  logArtifacts(localDir: string, artifactDir?: string): Promise<string[]>;
  /**
   * Uploads a model directory to `artifactPath` with an MLmodel file describing it, and records it in the run's
   * model history so that the MLflow UI shows it as a model.
   */
  logModel(localModelDir: string, artifactPath: string, options: LogModelOptions): Promise<LoggedModel>;
  /** Ends the run with a final status. @default "FINISHED" */
  end(status?: Exclude<RunStatus, 'RUNNING' | 'SCHEDULED'>): Promise<void>;
  /** Ends the run FAILED after `error` (tagged `flts.error`); never throws, `warn` says when the run stays RUNNING. */
  fail(error: unknown, warn: (message: string) => void): Promise<void>;
}

/** A connection to one experiment of one tracking store (server or offline directory). */
export interface Tracker {
  /** `rest` for an MLflow server, `offline` for an mlruns/ directory. */
  readonly kind: 'rest' | 'offline';
  /** The tracking URI without credentials (offline: the `file://` URI of the mlruns directory). */
  readonly trackingUri: string;
  readonly experimentId: string;
  readonly experimentName: string;
  startRun(options?: StartRunOptions): Promise<TrackedRun>;
  /** Continues logging to an existing run (e.g. one a parent KFP step created; MLFLOW_RUN_ID). */
  resumeRun(runId: string): Promise<TrackedRun>;
  getRun(runId: string): Promise<RunRecord>;
  /** Every logged value of one metric, in logging order. */
  metricHistory(runId: string, key: string): Promise<MetricPoint[]>;
  /** Every file below `path` in the run's artifacts (recursive). */
  listArtifacts(runId: string, path?: string): Promise<ArtifactFile[]>;
  /**
   * The concrete artifact URI behind `runs:/<id>/<path>`, `models:/<name>/<version>`, `models:/<name>@<alias>`
   * or `models:/<name>/latest`; other URIs are returned unchanged.
   */
  resolveArtifactUri(uri: string): Promise<string>;
  /** Downloads the artifacts at `uri` (any form `resolveArtifactUri` accepts) into `localDir`; returns the local path of what was downloaded. */
  downloadArtifacts(uri: string, localDir: string): Promise<string>;
  /** Creates (if needed) registered model `name` and a new version from `modelUri` (`runs:/<id>/<path>` or an artifact URI). */
  registerModel(modelUri: string, name: string, options?: RegisterOptions): Promise<ModelVersion>;
  /** Points `alias` of registered model `name` at `version`. */
  setAlias(name: string, alias: string, version: string | number): Promise<void>;
  getModelVersion(name: string, version: string | number): Promise<ModelVersion>;
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;
  /**
   * The versions of registered model `name`, lowest first; with `runId`, only those registered from that run.
   * None when the registered model does not exist. Deleted versions are not listed.
   */
  searchModelVersions(name: string, options?: SearchModelVersionsOptions): Promise<ModelVersion[]>;
  /** Removes `alias` from registered model `name`; an alias that is not set is not an error. */
  deleteAlias(name: string, alias: string): Promise<void>;
  /**
   * Sets tags on any run, running or finished, without resuming it: its status and end time stay as they are
   * (MLflow's `MlflowClient.set_tag`).
   */
  setTags(runId: string, tags: Record<string, string>): Promise<void>;
  /** Removes tag `key` from a run (`MlflowClient.delete_tag`); a tag that is not there is not an error, so that repeating the call is safe. */
  deleteTag(runId: string, key: string): Promise<void>;
}

export interface SearchModelVersionsOptions {
  /** Only the versions whose run id is this. */
  runId?: string;
}
