/**
 * The tracker (the `Tracker` of types.ts) on any tracking store: one experiment, its runs, artifact URI
 * resolution (`runs:/`, `models:/`) and downloads, and the model registry.
 */
import { basename, join } from 'node:path';
import { TrackingError } from '../errors.js';
import { splitBatches, tagEntries, validateKey } from './batch.js';
import { joinArtifactUri, parseIndirectUri } from './model-uri.js';
import { Run } from './run.js';
import type { TrackingStore } from './tracking-store.js';
import type {
  ArtifactFile,
  ModelVersion,
  MetricPoint,
  RegisterOptions,
  RunRecord,
  SearchModelVersionsOptions,
  StartRunOptions,
  TrackedRun,
  Tracker,
} from './types.js';

/** How deep `models:/` sources that are themselves `runs:/` or `models:/` URIs are followed. */
const MAX_RESOLVE_DEPTH = 5;

export class ExperimentTracker implements Tracker {
  readonly kind: 'rest' | 'offline';
  readonly trackingUri: string;
  readonly experimentId: string;
  readonly experimentName: string;
  readonly #store: TrackingStore;
  readonly #env: NodeJS.ProcessEnv;

  constructor(store: TrackingStore, experiment: { id: string; name: string }, env: NodeJS.ProcessEnv) {
    this.#store = store;
    this.#env = env;
    this.kind = store.kind;
    this.trackingUri = store.trackingUri;
    this.experimentId = experiment.id;
    this.experimentName = experiment.name;
  }

  async startRun(options: StartRunOptions = {}): Promise<TrackedRun> {
    const tags = tagEntries({ ...this.#defaultTags(), ...options.tags });
    const info = await this.#store.createRun(this.experimentId, options.runName, tags, options.startTime ?? Date.now());
    return new Run(this.#store, info, { endOnSignal: true });
  }

  async resumeRun(runId: string): Promise<TrackedRun> {
    const { info } = await this.#store.getRun(runId);
    if (info.status !== 'RUNNING') await this.#store.updateRun(runId, 'RUNNING', undefined);
    return new Run(this.#store, info, { endOnSignal: true });
  }

  getRun(runId: string): Promise<RunRecord> {
    return this.#store.getRun(runId);
  }

  metricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    return this.#store.metricHistory(runId, key);
  }

  async listArtifacts(runId: string, path = ''): Promise<ArtifactFile[]> {
    const { info } = await this.#store.getRun(runId);
    return this.#store.artifactRepository(info.artifactUri).list(path);
  }

  async resolveArtifactUri(uri: string, depth = 0): Promise<string> {
    const parsed = parseIndirectUri(uri);
    if (!parsed) return uri;
    if (depth >= MAX_RESOLVE_DEPTH) throw new TrackingError(`Cannot resolve ${uri}: model sources refer to each other more than ${MAX_RESOLVE_DEPTH} levels deep.`);
    let base: string;
    switch (parsed.kind) {
      case 'run':
        base = (await this.#store.getRun(parsed.runId)).info.artifactUri;
        break;
      case 'model-version':
        base = await this.#store.modelVersionDownloadUri(parsed.name, parsed.version);
        break;
      case 'model-alias': {
        const version = await this.#store.getModelVersionByAlias(parsed.name, parsed.alias);
        base = await this.#store.modelVersionDownloadUri(parsed.name, version.version);
        break;
      }
      case 'model-latest': {
        const version = await this.#store.latestModelVersion(parsed.name);
        base = await this.#store.modelVersionDownloadUri(parsed.name, version.version);
        break;
      }
    }
    return this.resolveArtifactUri(joinArtifactUri(base, parsed.path), depth + 1);
  }

  async downloadArtifacts(uri: string, localDir: string): Promise<string> {
    const resolved = await this.resolveArtifactUri(uri);
    const repository = this.#store.artifactRepository(resolved);
    const files = await repository.list('');
    if (files.length > 0) {
      for (const file of files) await repository.downloadFile(file.path, join(localDir, ...file.path.split('/')));
      return localDir;
    }
    // Not a directory: a single file, or nothing at all.
    const target = join(localDir, basename(resolved.replace(/\/+$/, '')));
    try {
      await repository.downloadFile('', target);
    } catch (cause) {
      const via = resolved === uri ? '' : ` (resolved to ${resolved})`;
      throw new TrackingError(`No artifacts at ${uri}${via}.`, { cause });
    }
    return target;
  }

  async registerModel(modelUri: string, name: string, options: RegisterOptions = {}): Promise<ModelVersion> {
    validateModelName(name);
    const { source, runId } = await this.#modelSource(modelUri);
    await this.#store.ensureRegisteredModel(name);
    return this.#store.createModelVersion(name, source, runId, tagEntries(options.tags ?? {}), options.description);
  }

  async setAlias(name: string, alias: string, version: string | number): Promise<void> {
    validateAlias(alias);
    await this.#store.setAlias(name, alias, String(version));
  }

  getModelVersion(name: string, version: string | number): Promise<ModelVersion> {
    return this.#store.getModelVersion(name, String(version));
  }

  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return this.#store.getModelVersionByAlias(name, alias);
  }

  async searchModelVersions(name: string, options: SearchModelVersionsOptions = {}): Promise<ModelVersion[]> {
    validateModelName(name);
    const versions = await this.#store.searchModelVersions(name, options.runId);
    return versions.sort((a, b) => Number(a.version) - Number(b.version));
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    validateModelName(name);
    validateAlias(alias);
    await this.#store.deleteAlias(name, alias);
  }

  async setTags(runId: string, tags: Record<string, string>): Promise<void> {
    for (const batch of splitBatches({ metrics: [], params: [], tags: tagEntries(tags) })) await this.#store.logBatch(runId, batch);
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    validateKey('tag', key);
    await this.#store.deleteTag(runId, key);
  }

  /** The artifact URI a new model version points at; for `runs:/` URIs the directory must hold an MLmodel. */
  async #modelSource(modelUri: string): Promise<{ source: string; runId: string | undefined }> {
    const parsed = parseIndirectUri(modelUri);
    if (parsed?.kind !== 'run') return { source: await this.resolveArtifactUri(modelUri), runId: undefined };
    const { info } = await this.#store.getRun(parsed.runId);
    const files = await this.#store.artifactRepository(info.artifactUri).list(parsed.path);
    const mlmodel = parsed.path ? `${parsed.path}/MLmodel` : 'MLmodel';
    if (!files.some((file) => file.path === mlmodel)) {
      throw new TrackingError(`${modelUri} is not a logged model: no ${mlmodel} in the run's artifacts; log it with run.logModel() first.`);
    }
    return { source: joinArtifactUri(info.artifactUri, parsed.path), runId: parsed.runId };
  }

  /** The tags MLflow's Python client sets on every run. */
  #defaultTags(): Record<string, string> {
    const entry = process.argv[1] ? basename(process.argv[1]) : 'node';
    return {
      'mlflow.user': this.#env['MLFLOW_TRACKING_USERNAME'] || this.#env['USER'] || 'unknown',
      'mlflow.source.name': entry,
      'mlflow.source.type': 'JOB',
    };
  }
}

/** Registered model names become path segments (offline) and URI parts: no "/", no "%", not empty. */
function validateModelName(name: string): void {
  if (!name || name.includes('/') || name.includes('%') || name.includes('@') || name.trim() !== name) {
    throw new TrackingError(`Invalid registered model name ${JSON.stringify(name)}: use a non-empty name without "/", "%", "@" or surrounding spaces.`);
  }
}

/** MLflow's alias rule: `^[\w-]*$`, at most 255 characters, and not `latest` or `v<digits>`, which are reserved. */
function validateAlias(alias: string): void {
  if (!/^[\w-]{1,255}$/.test(alias) || /^(latest|v\d+)$/i.test(alias)) {
    throw new TrackingError(`Invalid alias ${JSON.stringify(alias)}: use letters, digits, "_" and "-" (not "latest" or "v<number>", which MLflow reserves).`);
  }
}
