/**
 * The offline tracking store: writes an `mlruns/` directory in the layout of MLflow's FileStore
 * (reference/mlflow.md §5), which MLflow itself reads (`MLFLOW_ALLOW_FILE_STORE=true mlflow ui
 * --backend-store-uri ./mlruns` with 3.13+), including the FileStore model registry under `mlruns/models/`.
 * Every file is replaced atomically; metric points are appended one line each.
 */
import { randomBytes, randomUUID, createHash } from 'node:crypto';
import { appendFile, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { TrackingError } from '../errors.js';
import { isTemporaryName, writeAtomically } from '../files.js';
import { fileUri } from '../store/index.js';
import { artifactRepository, type ArtifactRepository } from './artifacts.js';
import type { BatchRequest, KeyValue } from './batch.js';
import { appendHistory, historyEntry } from './mlmodel.js';
import type { TrackingStore } from './tracking-store.js';
import { datasetEntity, datasetInputTags } from './datasets.js';
import type { DatasetInput, MetricPoint, ModelVersion, RunInfo, RunRecord, RunStatus } from './types.js';
import { parseFlatYaml, toYaml, type YamlValue } from './yaml.js';

/** RunStatus as the FileStore's meta.yaml stores it (mlflow.entities.RunStatus). */
const STATUS_CODES: Record<RunStatus, number> = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 };
const STATUS_NAMES = Object.fromEntries(Object.entries(STATUS_CODES).map(([name, code]) => [code, name])) as Record<number, RunStatus>;
/** SourceType.JOB */
const SOURCE_TYPE_JOB = 2;
const HISTORY_TAG = 'mlflow.log-model.history';
/** The stage the FileStore model registry gives a deleted version (its directory stays, so that numbers are not reused). */
const STAGE_DELETED = 'Deleted_Internal';

export class FileTrackingStore implements TrackingStore {
  readonly kind = 'offline' as const;
  readonly trackingUri: string;
  /** Absolute path of the mlruns directory. */
  readonly root: string;
  readonly #env: NodeJS.ProcessEnv;
  /** run id → experiment id, filled as runs are created or found. */
  readonly #runExperiments = new Map<string, string>();

  constructor(root: string, env: NodeJS.ProcessEnv) {
    this.root = root;
    this.trackingUri = fileUri(root);
    this.#env = env;
  }

  /**
   * The experiment named `name`, created if missing. The id of a new experiment is derived from its name, so
   * that processes racing to create the same experiment pick the same directory; `mkdir` lets exactly one of
   * them create it.
   */
  async ensureExperiment(name: string, tags: KeyValue[]): Promise<{ id: string; name: string }> {
    await this.#ensureRoot();
    const existing = await this.#findExperiment(name);
    if (existing) {
      await this.#writeExperimentTags(existing, tags, false);
      return { id: existing, name };
    }
    for (let attempt = 0; attempt < 5; attempt++) {
      const id = attempt === 0 ? numericId(name) : numericId(`${name}/${randomBytes(8).toString('hex')}`);
      const directory = join(this.root, id);
      try {
        await mkdir(directory);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw this.#error(`create experiment "${name}"`, error);
        if ((await this.#experimentName(id, true)) === name) return { id, name };
        continue; // an id collision with another name: try a random one
      }
      await this.#writeExperiment(id, name);
      await this.#writeExperimentTags(id, tags, true);
      return { id, name };
    }
    throw new TrackingError(`Cannot create experiment "${name}" in ${this.root}: no free experiment id.`);
  }

  async createRun(experimentId: string, runName: string | undefined, tags: KeyValue[], startTime: number): Promise<RunInfo> {
    const runId = randomUUID().replaceAll('-', '');
    const directory = join(this.root, experimentId, runId);
    const name = runName || `run-${runId.slice(0, 8)}`;
    for (const sub of ['metrics', 'params', 'tags', 'artifacts']) await mkdir(join(directory, sub), { recursive: true });
    const info: RunInfo = {
      runId,
      runName: name,
      experimentId,
      status: 'RUNNING',
      startTime,
      endTime: undefined,
      artifactUri: fileUri(join(directory, 'artifacts')),
      lifecycleStage: 'active',
    };
    const user = tags.find((tag) => tag.key === 'mlflow.user')?.value ?? '';
    await this.#writeRunMeta(info, user);
    this.#runExperiments.set(runId, experimentId);
    await this.logBatch(runId, { metrics: [], params: [], tags: [...tags, { key: 'mlflow.runName', value: name }] });
    return info;
  }

  async getRun(runId: string): Promise<RunRecord> {
    const directory = await this.#runDirectory(runId);
    const meta = await readYaml(join(directory, 'meta.yaml'));
    const metrics: Record<string, number> = {};
    for (const [key, text] of await readTree(join(directory, 'metrics'))) {
      const latest = latestPoint(parseMetricLines(key, text));
      if (latest) metrics[key] = latest.value;
    }
    return {
      info: runInfoFromMeta(meta),
      metrics,
      params: Object.fromEntries(await readTree(join(directory, 'params'))),
      tags: Object.fromEntries(await readTree(join(directory, 'tags'))),
    };
  }

  async updateRun(runId: string, status: RunStatus, endTime: number | undefined): Promise<void> {
    const directory = await this.#runDirectory(runId);
    const meta = await readYaml(join(directory, 'meta.yaml'));
    const info = { ...runInfoFromMeta(meta), status, endTime: endTime ?? (meta['end_time'] as number | null) ?? undefined };
    await this.#writeRunMeta(info, String(meta['user_id'] ?? ''));
  }

  async logBatch(runId: string, batch: BatchRequest): Promise<void> {
    const directory = await this.#runDirectory(runId);
    for (const param of batch.params) await this.#writeParam(directory, param);
    for (const tag of batch.tags) await writeAtomically(join(directory, 'tags', ...tag.key.split('/')), tag.value);
    const lines = new Map<string, string>();
    for (const point of batch.metrics) {
      // Python's FileStore writes `f"{timestamp} {value} {step}\n"`; JS number text ("NaN", "Infinity", "1e-7") parses with Python's float().
      lines.set(point.key, `${lines.get(point.key) ?? ''}${point.timestamp} ${String(point.value)} ${point.step}\n`);
    }
    for (const [key, text] of lines) {
      const file = join(directory, 'metrics', ...key.split('/'));
      await mkdir(dirname(file), { recursive: true });
      await appendFile(file, text);
    }
  }

  /**
   * Removes the tag's file (MLflow's FileStore `delete_tag`; tags with "/" are sub-directories, which stay).
   * The run's status is not looked at: tags of finished runs can be removed, as on a server.
   */
  async deleteTag(runId: string, key: string): Promise<void> {
    const file = join(await this.#runDirectory(runId), 'tags', ...key.split('/'));
    // A directory here holds tags "<key>/…", not tag <key>.
    if (!(await stat(file).catch(() => undefined))?.isFile()) return;
    await rm(file, { force: true }).catch((error: unknown) => {
      throw this.#error(`delete tag "${key}" of run ${runId}`, error);
    });
  }

  /**
   * The FileStore's `log_inputs`: the dataset once per experiment in `datasets/<md5(name + digest)>/meta.yaml`, and
   * the run's link to it in `inputs/<md5(dataset id + run id)>/meta.yaml`; either that exists already is kept.
   * Porting note: MLflow writes the input's `destination_id` as the dataset id (a slip; its reader ignores the
   * field); we write the run id, which is what the field means.
   */
  async logInputs(runId: string, datasets: readonly DatasetInput[]): Promise<void> {
    const runDirectory = await this.#runDirectory(runId);
    const experimentDirectory = dirname(runDirectory);
    for (const input of datasets) {
      const entity = datasetEntity(input);
      const datasetId = md5(entity.name, entity.digest);
      const datasetFile = join(experimentDirectory, 'datasets', datasetId, 'meta.yaml');
      if (!(await exists(datasetFile))) await writeAtomically(datasetFile, toYaml({ ...entity }));
      const inputFile = join(runDirectory, 'inputs', md5(datasetId, runId), 'meta.yaml');
      if (await exists(inputFile)) continue;
      const tags = Object.fromEntries(datasetInputTags(input).map((tag) => [tag.key, tag.value]));
      await writeAtomically(inputFile, toYaml({ source_type: 'DATASET', source_id: datasetId, destination_type: 'RUN', destination_id: runId, tags }));
    }
  }

  async recordLoggedModel(runId: string, mlmodel: Record<string, unknown>): Promise<void> {
    const file = join(await this.#runDirectory(runId), 'tags', HISTORY_TAG);
    const previous = await readFile(file, 'utf8').catch(() => undefined);
    await writeAtomically(file, appendHistory(previous, historyEntry(mlmodel as Record<string, YamlValue>)));
  }

  async metricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    const file = join(await this.#runDirectory(runId), 'metrics', ...key.split('/'));
    const text = await readFile(file, 'utf8').catch(() => '');
    return parseMetricLines(key, text);
  }

  artifactRepository(rootUri: string): ArtifactRepository {
    return artifactRepository(rootUri, undefined, this.#env);
  }

  // Model registry: mlruns/models/<name>/{meta.yaml, version-<n>/meta.yaml, aliases/<alias>} (mlflow/store/model_registry/file_store.py).

  async ensureRegisteredModel(name: string): Promise<void> {
    const directory = join(this.root, 'models', name);
    await mkdir(join(this.root, 'models'), { recursive: true });
    try {
      await mkdir(directory);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
      throw this.#error(`create registered model "${name}"`, error);
    }
    const now = Date.now();
    await writeAtomically(join(directory, 'meta.yaml'), toYaml({ name, creation_timestamp: now, last_updated_timestamp: now, description: null }));
  }

  async createModelVersion(name: string, source: string, runId: string | undefined, tags: KeyValue[], description?: string): Promise<ModelVersion> {
    const directory = join(this.root, 'models', name);
    for (let version = (await this.#highestVersion(name)) + 1; ; version++) {
      try {
        // mkdir claims the version number; a concurrent writer takes the next one.
        await mkdir(join(directory, `version-${version}`));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw this.#error(`create a version of registered model "${name}"`, error);
      }
      const now = Date.now();
      const meta: Record<string, YamlValue> = {
        name,
        version,
        creation_timestamp: now,
        last_updated_timestamp: now,
        description: description ?? null,
        user_id: null,
        current_stage: 'None',
        source,
        run_id: runId ?? null,
        run_link: null,
        status: 'READY',
        status_message: null,
        storage_location: source,
      };
      await writeAtomically(join(directory, `version-${version}`, 'meta.yaml'), toYaml(meta));
      for (const tag of tags) await writeAtomically(join(directory, `version-${version}`, 'tags', tag.key), tag.value);
      return this.getModelVersion(name, String(version));
    }
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const file = join(this.root, 'models', name, `version-${version}`, 'meta.yaml');
    const missing = (cause?: unknown) =>
      new TrackingError(`Model version ${version} of registered model "${name}" does not exist in ${this.root}.`, { cause, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    const meta = await readYaml(file).catch((cause: unknown) => {
      throw missing(cause);
    });
    if (meta['current_stage'] === STAGE_DELETED) throw missing();
    return modelVersionFromMeta(name, meta, await this.#aliases(name));
  }

  /** Every `version-<n>/meta.yaml` of the model (a version still being written by another process is skipped). */
  async searchModelVersions(name: string, runId: string | undefined): Promise<ModelVersion[]> {
    const directory = join(this.root, 'models', name);
    const entries = await readdir(directory).catch(() => [] as string[]);
    const aliases = await this.#aliases(name);
    const versions: ModelVersion[] = [];
    for (const entry of entries) {
      if (!/^version-\d+$/.test(entry)) continue;
      const meta = await readYaml(join(directory, entry, 'meta.yaml')).catch(() => undefined);
      if (!meta || meta['current_stage'] === STAGE_DELETED) continue;
      const version = modelVersionFromMeta(name, meta, aliases);
      if (runId === undefined || version.runId === runId) versions.push(version);
    }
    return versions;
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const version = (await this.#aliases(name)).get(alias);
    if (version === undefined) {
      throw new TrackingError(`Registered model alias ${alias} of "${name}" not found in ${this.root}.`, { errorCode: 'INVALID_PARAMETER_VALUE' });
    }
    return this.getModelVersion(name, version);
  }

  async latestModelVersion(name: string): Promise<ModelVersion> {
    const highest = await this.#highestVersion(name);
    if (highest === 0) throw new TrackingError(`Registered model "${name}" has no versions in ${this.root}.`, { errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    return this.getModelVersion(name, String(highest));
  }

  async modelVersionDownloadUri(name: string, version: string): Promise<string> {
    const meta = await readYaml(join(this.root, 'models', name, `version-${version}`, 'meta.yaml')).catch((cause: unknown) => {
      throw new TrackingError(`Model version ${version} of registered model "${name}" does not exist in ${this.root}.`, { cause });
    });
    return String(meta['storage_location'] || meta['source']);
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.getModelVersion(name, version);
    await writeAtomically(join(this.root, 'models', name, 'aliases', alias), version);
  }

  /** Removes `aliases/<alias>`; the registered model must exist (as on a server), the alias need not. */
  async deleteAlias(name: string, alias: string): Promise<void> {
    const directory = join(this.root, 'models', name);
    if (!(await exists(join(directory, 'meta.yaml')))) {
      throw new TrackingError(`Registered model "${name}" does not exist in ${this.root}.`, { errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    }
    await rm(join(directory, 'aliases', alias), { force: true }).catch((error: unknown) => {
      throw this.#error(`delete alias ${alias} of registered model "${name}"`, error);
    });
  }

  async #aliases(name: string): Promise<Map<string, string>> {
    return new Map(await readTree(join(this.root, 'models', name, 'aliases')));
  }

  async #highestVersion(name: string): Promise<number> {
    const entries = await readdir(join(this.root, 'models', name)).catch(() => [] as string[]);
    return Math.max(0, ...entries.map((entry) => /^version-(\d+)$/.exec(entry)?.[1]).filter(Boolean).map(Number));
  }

  /** mlruns/, its .trash/, and the Default experiment 0 when the directory is new (as FileStore.__init__ does). */
  async #ensureRoot(): Promise<void> {
    const isNew = !(await exists(this.root));
    await mkdir(join(this.root, '.trash'), { recursive: true });
    if (isNew || !(await exists(join(this.root, '0')))) {
      try {
        await mkdir(join(this.root, '0'));
        await this.#writeExperiment('0', 'Default');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw this.#error('create the Default experiment', error);
      }
    }
  }

  async #writeExperiment(id: string, name: string): Promise<void> {
    const now = Date.now();
    await writeAtomically(
      join(this.root, id, 'meta.yaml'),
      toYaml({
        artifact_location: fileUri(join(this.root, id)),
        creation_time: now,
        experiment_id: id,
        last_update_time: now,
        lifecycle_stage: 'active',
        name,
      }),
    );
  }

  /** Experiment tags are files `<experiment>/tags/<key>` holding the raw value; `overwrite` false keeps existing ones. */
  async #writeExperimentTags(id: string, tags: KeyValue[], overwrite: boolean): Promise<void> {
    for (const tag of tags) {
      const file = join(this.root, id, 'tags', ...tag.key.split('/'));
      if (overwrite || !(await exists(file))) await writeAtomically(file, tag.value);
    }
  }

  async #findExperiment(name: string): Promise<string | undefined> {
    for (const entry of await readdir(this.root)) {
      if (!/^\d+$/.test(entry)) continue;
      if ((await this.#experimentName(entry, false)) === name) return entry;
    }
    return undefined;
  }

  /** The experiment's name from its meta.yaml; waits briefly for one that a concurrent creator is still writing. */
  async #experimentName(id: string, wait: boolean): Promise<string | undefined> {
    for (let attempt = 0; attempt < (wait ? 20 : 1); attempt++) {
      const meta = await readYaml(join(this.root, id, 'meta.yaml')).catch(() => undefined);
      if (meta) return meta['lifecycle_stage'] === 'deleted' ? undefined : String(meta['name']);
      if (wait) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return undefined;
  }

  /** The run's directory; the union of MLflow 2.x and 3.x meta.yaml keys (reference §5.3). */
  async #writeRunMeta(info: RunInfo, user: string): Promise<void> {
    const meta: Record<string, YamlValue> = {
      artifact_uri: info.artifactUri,
      deleted_time: null,
      end_time: info.endTime ?? null,
      entry_point_name: '',
      experiment_id: info.experimentId,
      lifecycle_stage: info.lifecycleStage,
      run_id: info.runId,
      run_name: info.runName,
      run_uuid: info.runId,
      source_name: '',
      source_type: SOURCE_TYPE_JOB,
      source_version: '',
      start_time: info.startTime,
      status: STATUS_CODES[info.status],
      tags: [],
      user_id: user,
    };
    await writeAtomically(join(this.root, info.experimentId, info.runId, 'meta.yaml'), toYaml(meta));
  }

  /** Params are immutable in MLflow: the same value again is a no-op, a different one an error. */
  async #writeParam(runDirectory: string, param: KeyValue): Promise<void> {
    const file = join(runDirectory, 'params', ...param.key.split('/'));
    const existing = await readFile(file, 'utf8').catch(() => undefined);
    if (existing === param.value) return;
    if (existing !== undefined) {
      throw new TrackingError(
        `Param "${param.key}" was already logged with value ${JSON.stringify(existing)}; MLflow params cannot change (new value ${JSON.stringify(param.value)}).`,
        { errorCode: 'INVALID_PARAMETER_VALUE' },
      );
    }
    await writeAtomically(file, param.value);
  }

  async #runDirectory(runId: string): Promise<string> {
    if (!/^[a-zA-Z0-9][\w-]{0,255}$/.test(runId)) throw new TrackingError(`Invalid run id ${JSON.stringify(runId)}.`);
    const known = this.#runExperiments.get(runId);
    if (known) return join(this.root, known, runId);
    for (const entry of await readdir(this.root).catch(() => [] as string[])) {
      if (/^\d+$/.test(entry) && (await exists(join(this.root, entry, runId, 'meta.yaml')))) {
        this.#runExperiments.set(runId, entry);
        return join(this.root, entry, runId);
      }
    }
    throw new TrackingError(`Run ${runId} not found in ${this.root}.`, { errorCode: 'RESOURCE_DOES_NOT_EXIST' });
  }

  #error(action: string, cause: unknown): TrackingError {
    return new TrackingError(`Cannot ${action} in ${this.root}: ${(cause as Error).message}`, { cause });
  }
}

/** An 18-digit experiment id derived from `text` (MLflow's FileStore uses random 18-digit ids; readers need digits only). */
function numericId(text: string): string {
  const digest = createHash('sha256').update(text).digest();
  const value = digest.readBigUInt64BE(0) % 900_000_000_000_000_000n;
  return String(100_000_000_000_000_000n + value);
}

function runInfoFromMeta(meta: Record<string, string | number | boolean | null>): RunInfo {
  return {
    runId: String(meta['run_id'] ?? meta['run_uuid']),
    runName: String(meta['run_name'] ?? ''),
    experimentId: String(meta['experiment_id']),
    status: STATUS_NAMES[Number(meta['status'] ?? 1)] ?? 'RUNNING',
    startTime: Number(meta['start_time'] ?? 0),
    endTime: meta['end_time'] === null || meta['end_time'] === undefined ? undefined : Number(meta['end_time']),
    artifactUri: String(meta['artifact_uri'] ?? ''),
    lifecycleStage: String(meta['lifecycle_stage'] ?? 'active'),
  };
}

/** A model version from its FileStore meta.yaml; `aliases` maps every alias of the model to its version. */
function modelVersionFromMeta(name: string, meta: Record<string, string | number | boolean | null>, aliases: Map<string, string>): ModelVersion {
  const version = String(meta['version']);
  return {
    name,
    version,
    source: String(meta['source'] ?? ''),
    runId: meta['run_id'] ? String(meta['run_id']) : undefined,
    aliases: [...aliases].filter(([, target]) => target === version).map(([alias]) => alias),
    status: String(meta['status'] ?? 'READY'),
  };
}

/** Metric file lines `timestamp value step` (step optional, as MLflow 2.x reads them). */
function parseMetricLines(key: string, text: string): MetricPoint[] {
  const points: MetricPoint[] = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 2) continue;
    points.push({ key, timestamp: Number(parts[0]), value: parsePythonFloat(parts[1]!), step: Number(parts[2] ?? 0) });
  }
  return points;
}

/** Python's `str(float)` spellings of non-finite values, besides JS's. */
function parsePythonFloat(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === 'inf' || lower === 'infinity') return Number.POSITIVE_INFINITY;
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** The value MLflow shows as "latest": the maximum by (step, timestamp, value). */
function latestPoint(points: MetricPoint[]): MetricPoint | undefined {
  let best: MetricPoint | undefined;
  for (const point of points) {
    if (!best || point.step > best.step || (point.step === best.step && (point.timestamp > best.timestamp || (point.timestamp === best.timestamp && point.value > best.value)))) {
      best = point;
    }
  }
  return best;
}

/** Every file below `root` as [relative "/"-path, content]; keys with "/" are stored as sub-directories. */
async function readTree(root: string, prefix = ''): Promise<[string, string][]> {
  const entries = await readdir(root, { withFileTypes: true }).catch(() => []);
  const result: [string, string][] = [];
  for (const entry of entries) {
    if (isTemporaryName(entry.name)) continue;
    const key = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) result.push(...(await readTree(join(root, entry.name), key)));
    else result.push([key, await readFile(join(root, entry.name), 'utf8')]);
  }
  return result;
}

async function readYaml(path: string): Promise<Record<string, string | number | boolean | null>> {
  return parseFlatYaml(await readFile(path, 'utf8'));
}

/** The hex MD5 of the parts' UTF-8 bytes in a row, as the FileStore names dataset and input directories. */
function md5(...parts: string[]): string {
  const hash = createHash('md5');
  for (const part of parts) hash.update(part, 'utf8');
  return hash.digest('hex');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
