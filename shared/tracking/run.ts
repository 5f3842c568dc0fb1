/**
 * A run being recorded (the `TrackedRun` of types.ts), on any tracking store: validates and batches params,
 * metrics and tags, uploads artifacts to the run's artifact URI, and logs models with an MLmodel file.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { messageOf, TrackingError } from '../errors.js';
import { onShutdown, releaseWhenDone, stopRequested } from '../shutdown.js';
import { createStore } from '../store/index.js';
import type { ArtifactRepository } from './artifacts.js';
import { checkedPoint, metricPoints, paramEntries, splitBatches, tagEntries, type BatchRequest } from './batch.js';
import { mlmodelDocument } from './mlmodel.js';
import { joinArtifactUri, trimSlashes } from './model-uri.js';
import type { TrackingStore } from './tracking-store.js';
import type { DatasetInput, LogModelOptions, LoggedModel, MetricOptions, MetricPoint, ParamValue, RunInfo, RunStatus, TrackedRun } from './types.js';
import { toYaml } from './yaml.js';

export class Run implements TrackedRun {
  readonly runId: string;
  readonly experimentId: string;
  readonly runName: string;
  readonly artifactUri: string;
  readonly #store: TrackingStore;
  #artifacts: ArtifactRepository | undefined;
  /** Unregisters the shutdown hook that marks the run KILLED. */
  readonly #releaseSignalHook: () => void;

  /** @param options.endOnSignal mark the run KILLED if SIGTERM/SIGINT stops the process before `end` (shared/shutdown.ts). */
  constructor(store: TrackingStore, info: RunInfo, options: { endOnSignal?: boolean } = {}) {
    this.#store = store;
    this.#releaseSignalHook = options.endOnSignal ? onShutdown(() => this.end('KILLED')) : () => undefined;
    this.runId = info.runId;
    this.experimentId = info.experimentId;
    this.runName = info.runName;
    this.artifactUri = info.artifactUri;
  }

  async logParams(params: Record<string, ParamValue>): Promise<void> {
    await this.#send({ metrics: [], params: paramEntries(params), tags: [] });
  }

  async logMetrics(metrics: Record<string, number>, options: MetricOptions = {}): Promise<void> {
    await this.#send({ metrics: metricPoints(metrics, options.step ?? 0, options.timestamp ?? Date.now()), params: [], tags: [] });
  }

  async logMetricPoints(points: readonly MetricPoint[]): Promise<void> {
    await this.#send({ metrics: points.map((point) => checkedPoint({ ...point })), params: [], tags: [] });
  }

  async setTags(tags: Record<string, string>): Promise<void> {
    await this.#send({ metrics: [], params: [], tags: tagEntries(tags) });
  }

  async logInputs(datasets: readonly DatasetInput[]): Promise<void> {
    if (datasets.length > 0) await this.#store.logInputs(this.runId, datasets);
  }

  async logArtifact(localFile: string, artifactDir = ''): Promise<string> {
    const artifactPath = joinPath(artifactDir, basename(localFile));
    await this.#repository().uploadFile(localFile, artifactPath);
    return artifactPath;
  }

  async logArtifacts(localDir: string, artifactDir = ''): Promise<string[]> {
    const files = await createStore().list(localDir);
    if (files.length === 0) throw new TrackingError(`No files to log in ${localDir}.`);
    const paths: string[] = [];
    for (const file of files) {
      const artifactPath = joinPath(artifactDir, file.path);
      await this.#repository().uploadFile(file.uri, artifactPath);
      paths.push(artifactPath);
    }
    return paths;
  }

  async logModel(localModelDir: string, artifactPath: string, options: LogModelOptions): Promise<LoggedModel> {
    const path = trimSlashes(artifactPath);
    if (!path) throw new TrackingError('logModel needs a non-empty artifact path, e.g. "model".');
    const mlmodel = mlmodelDocument(this.runId, path, options);
    await this.logArtifacts(localModelDir, path);
    // Written after the model's own files, so that a directory that already held an MLmodel gets ours.
    const scratch = await mkdtemp(join(tmpdir(), 'flts-mlmodel-'));
    try {
      await writeFile(join(scratch, 'MLmodel'), toYaml(mlmodel));
      await this.logArtifact(join(scratch, 'MLmodel'), path);
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    await this.#store.recordLoggedModel(this.runId, mlmodel);
    return { modelUri: `runs:/${this.runId}/${path}`, artifactUri: joinArtifactUri(this.artifactUri, path), mlmodel };
  }

  async end(status: Exclude<RunStatus, 'RUNNING' | 'SCHEDULED'> = 'FINISHED'): Promise<void> {
    if (!['FINISHED', 'FAILED', 'KILLED'].includes(status)) {
      throw new TrackingError(`A run ends as FINISHED, FAILED or KILLED; got ${JSON.stringify(status)}.`);
    }
    // Once a signal stops the process the run ends KILLED (the shutdown hook), whatever the work still running says.
    if (stopRequested() && status !== 'KILLED') return;
    // A FINISHED run is still marked KILLED if a signal stops the unit of work it belongs to before that completes.
    if (status === 'FINISHED') releaseWhenDone(this.#releaseSignalHook);
    else this.#releaseSignalHook();
    await this.#store.updateRun(this.runId, status, Date.now());
  }

  /**
   * Ends the run FAILED after `error`, its message in the `flts.error` tag. Never throws: the component's own
   * error is what it reports. When the server cannot be reached to mark it, `warn` says the run stays RUNNING,
   * since nothing else will end it.
   */
  async fail(error: unknown, warn: (message: string) => void): Promise<void> {
    await this.setTags({ 'flts.error': messageOf(error).slice(0, 4000) }).catch(() => undefined);
    await this.end('FAILED').catch((cause: unknown) => warn(`MLflow run ${this.runId} stays RUNNING: marking it FAILED failed too (${messageOf(cause)}).`));
  }

  async #send(batch: BatchRequest): Promise<void> {
    for (const part of splitBatches(batch)) await this.#store.logBatch(this.runId, part);
  }

  #repository(): ArtifactRepository {
    this.#artifacts ??= this.#store.artifactRepository(this.artifactUri);
    return this.#artifacts;
  }
}

/** An artifact path: "/"-separated, relative, no "." or ".." segments. */
function joinPath(directory: string, name: string): string {
  const path = [trimSlashes(directory), trimSlashes(name)].filter(Boolean).join('/');
  if (path.split('/').some((part) => part === '..' || part === '.' || part === '')) {
    throw new TrackingError(`Invalid artifact path "${path}": use a relative "/"-separated path without "." or ".." segments.`);
  }
  return path;
}
