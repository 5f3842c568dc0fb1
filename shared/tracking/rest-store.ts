/**
 * The tracking store of an MLflow server: the REST endpoints the tracker uses (reference/mlflow.md §1.3), one
 * method each, with replies mapped to the tracking types (arrays MLflow omits when empty are treated as empty,
 * non-finite metric values decoded).
 */
import { randomUUID } from 'node:crypto';
import { TrackingError } from '../errors.js';
import { artifactRepository, type ArtifactRepository } from './artifacts.js';
import type { BatchRequest, KeyValue } from './batch.js';
import type { HttpSettings } from './config.js';
import { decodeDouble, MlflowHttp, type RetryWarning } from './http.js';
import type { TrackingStore } from './tracking-store.js';
import { datasetEntity, datasetInputTags } from './datasets.js';
import type { DatasetInput, MetricPoint, ModelVersion, RunInfo, RunRecord, RunStatus } from './types.js';

interface WireExperiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage?: string;
  tags?: KeyValue[];
}

interface WireRunInfo {
  run_id: string;
  run_name?: string;
  experiment_id: string;
  status?: RunStatus;
  start_time?: number;
  end_time?: number;
  artifact_uri?: string;
  lifecycle_stage?: string;
}

interface WireRun {
  info: WireRunInfo;
  data?: { metrics?: { key: string; value: unknown }[]; params?: KeyValue[]; tags?: KeyValue[] };
}

interface WireModelVersion {
  name: string;
  version: string;
  source?: string;
  run_id?: string;
  aliases?: string[];
  status?: string;
}

/** Tag that marks a run with the id of the request that created it, so that a retried create finds it. */
export const CLIENT_REQUEST_TAG = 'flts.client_request_id';

export class RestTrackingStore implements TrackingStore {
  readonly kind = 'rest' as const;
  readonly trackingUri: string;
  readonly http: MlflowHttp;
  readonly #env: NodeJS.ProcessEnv;

  constructor(settings: HttpSettings, env: NodeJS.ProcessEnv, warn?: RetryWarning) {
    this.http = new MlflowHttp(settings, warn);
    this.trackingUri = settings.baseUrl;
    this.#env = env;
  }

  async getExperimentByName(name: string): Promise<WireExperiment | undefined> {
    try {
      const reply = await this.http.call<{ experiment: WireExperiment }>('GET', 'experiments/get-by-name', { query: { experiment_name: name } });
      return reply.experiment;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * The experiment named `name`, created if missing. Race-safe: when another client creates it first, the
   * create fails with RESOURCE_ALREADY_EXISTS and the lookup is repeated (reference §1.3 "Get-or-create recipe").
   */
  async ensureExperiment(name: string, tags: KeyValue[]): Promise<{ id: string; name: string }> {
    let existing = await this.getExperimentByName(name);
    if (!existing) {
      try {
        const { experiment_id } = await this.http.call<{ experiment_id: string }>('POST', 'experiments/create', { body: { name, tags } });
        return { id: experiment_id, name };
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
        existing = await this.getExperimentByName(name);
        if (!existing) throw error;
      }
    }
    const experiment = checkActive(existing, this.http.server);
    const present = new Set((existing.tags ?? []).map((tag) => tag.key));
    for (const tag of tags.filter((t) => !present.has(t.key))) {
      await this.http.call('POST', 'experiments/set-experiment-tag', { body: { experiment_id: experiment.id, key: tag.key, value: tag.value } });
    }
    return experiment;
  }

  /** `runs/log-inputs`; the server keeps one input per (dataset, run), so a retried request adds nothing. */
  async logInputs(runId: string, datasets: readonly DatasetInput[]): Promise<void> {
    const body = { run_id: runId, datasets: datasets.map((input) => ({ tags: datasetInputTags(input), dataset: datasetEntity(input) })) };
    await this.http.call('POST', 'runs/log-inputs', { body });
  }

  /**
   * Creates a run. The create call is not idempotent, so each request carries a unique tag; before a retry the
   * run with that tag is looked up, and if the lost reply had in fact created it, that run is used.
   */
  async createRun(experimentId: string, runName: string | undefined, tags: KeyValue[], startTime: number): Promise<RunInfo> {
    const requestId = randomUUID();
    const body = {
      experiment_id: experimentId,
      start_time: startTime,
      ...(runName && { run_name: runName }),
      tags: [...tags, { key: CLIENT_REQUEST_TAG, value: requestId }],
    };
    const recover = async () => {
      const info = await this.#findRunByRequestId(experimentId, requestId);
      return info && { run: { info } };
    };
    const reply = await this.http.call<{ run: WireRun }>('POST', 'runs/create', { body, recover });
    return runInfo(reply.run.info);
  }

  async #findRunByRequestId(experimentId: string, requestId: string): Promise<WireRunInfo | undefined> {
    const reply = await this.http.call<{ runs?: WireRun[] }>('POST', 'runs/search', {
      body: { experiment_ids: [experimentId], filter: `tags.\`${CLIENT_REQUEST_TAG}\` = '${requestId}'`, max_results: 1 },
      once: true,
    });
    return reply.runs?.[0]?.info;
  }

  async getRun(runId: string): Promise<RunRecord> {
    const reply = await this.http.call<{ run: WireRun }>('GET', 'runs/get', { query: { run_id: runId } });
    return runRecord(reply.run);
  }

  async updateRun(runId: string, status: RunStatus, endTime: number | undefined): Promise<void> {
    await this.http.call('POST', 'runs/update', { body: { run_id: runId, status, ...(endTime !== undefined && { end_time: endTime }) } });
  }

  async logBatch(runId: string, batch: BatchRequest): Promise<void> {
    await this.http.call('POST', 'runs/log-batch', { body: { run_id: runId, ...batch } });
  }

  async setTag(runId: string, key: string, value: string): Promise<void> {
    await this.http.call('POST', 'runs/set-tag', { body: { run_id: runId, key, value } });
  }

  /**
   * Removes a run tag. The server answers RESOURCE_DOES_NOT_EXIST both for a tag that is not there (fine: it may
   * be this call's own retry after a lost reply) and for an unknown run (an error), so the run is looked up then.
   */
  async deleteTag(runId: string, key: string): Promise<void> {
    try {
      await this.http.call('POST', 'runs/delete-tag', { body: { run_id: runId, key } });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.getRun(runId);
    }
  }

  /** Records a logged model; the server appends it to the run's `mlflow.log-model.history` tag. */
  async recordLoggedModel(runId: string, mlmodel: Record<string, unknown>): Promise<void> {
    await this.http.call('POST', 'runs/log-model', { body: { run_id: runId, model_json: JSON.stringify(mlmodel) } });
  }

  async metricHistory(runId: string, key: string): Promise<MetricPoint[]> {
    const points: MetricPoint[] = [];
    let pageToken: string | undefined;
    do {
      const reply = await this.http.call<{ metrics?: { key: string; value: unknown; timestamp: number; step?: number }[]; next_page_token?: string }>(
        'GET',
        'metrics/get-history',
        { query: { run_id: runId, metric_key: key, max_results: 25000, page_token: pageToken } },
      );
      for (const metric of reply.metrics ?? []) {
        points.push({ key: metric.key, value: decodeDouble(metric.value), timestamp: Number(metric.timestamp), step: Number(metric.step ?? 0) });
      }
      pageToken = reply.next_page_token || undefined;
    } while (pageToken);
    return points;
  }

  artifactRepository(rootUri: string): ArtifactRepository {
    return artifactRepository(rootUri, this.http, this.#env);
  }

  /** Creates the registered model; an existing one is fine (get-or-create). */
  async ensureRegisteredModel(name: string): Promise<void> {
    try {
      await this.http.call('POST', 'registered-models/create', { body: { name } });
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
    }
  }

  /**
   * Creates a model version. Not idempotent either: a unique version tag lets a retry find a version that the
   * lost reply had created instead of adding a second one.
   */
  async createModelVersion(name: string, source: string, runId: string | undefined, tags: KeyValue[], description?: string): Promise<ModelVersion> {
    const requestId = randomUUID();
    const body = {
      name,
      source,
      ...(runId && { run_id: runId }),
      ...(description && { description }),
      tags: [...tags, { key: CLIENT_REQUEST_TAG, value: requestId }],
    };
    const recover = async () => {
      const reply = await this.http.call<{ model_versions?: WireModelVersion[] }>('GET', 'model-versions/search', {
        query: { filter: `name = '${escapeQuote(name)}' and tags.\`${CLIENT_REQUEST_TAG}\` = '${requestId}'`, max_results: 1 },
        once: true,
      });
      const found = reply.model_versions?.[0];
      return found && { model_version: found };
    };
    const reply = await this.http.call<{ model_version: WireModelVersion }>('POST', 'model-versions/create', { body, recover });
    return modelVersion(reply.model_version);
  }

  async getModelVersion(name: string, version: string): Promise<ModelVersion> {
    const reply = await this.http.call<{ model_version: WireModelVersion }>('GET', 'model-versions/get', { query: { name, version } });
    return modelVersion(reply.model_version);
  }

  async getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    const reply = await this.http.call<{ model_version: WireModelVersion }>('GET', 'registered-models/alias', { query: { name, alias } });
    return modelVersion(reply.model_version);
  }

  async latestModelVersion(name: string): Promise<ModelVersion> {
    const reply = await this.http.call<{ model_versions?: WireModelVersion[] }>('POST', 'registered-models/get-latest-versions', { body: { name } });
    const versions = (reply.model_versions ?? []).map(modelVersion).sort((a, b) => Number(b.version) - Number(a.version));
    if (!versions[0]) throw new TrackingError(`Registered model "${name}" has no versions (at ${this.http.server}).`, { errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    return versions[0];
  }

  async modelVersionDownloadUri(name: string, version: string): Promise<string> {
    const reply = await this.http.call<{ artifact_uri: string }>('GET', 'model-versions/get-download-uri', { query: { name, version } });
    return reply.artifact_uri;
  }

  async setAlias(name: string, alias: string, version: string): Promise<void> {
    await this.http.call('POST', 'registered-models/alias', { body: { name, alias, version } });
  }

  /** The server deletes an alias that is not set without complaint, and refuses an unknown registered model. */
  async deleteAlias(name: string, alias: string): Promise<void> {
    await this.http.call('DELETE', 'registered-models/alias', { body: { name, alias } });
  }

  /** `model-versions/search` on name (and run id), page by page. */
  async searchModelVersions(name: string, runId: string | undefined): Promise<ModelVersion[]> {
    const filter = [`name = '${escapeQuote(name)}'`, ...(runId === undefined ? [] : [`run_id = '${escapeQuote(runId)}'`])].join(' and ');
    const versions: ModelVersion[] = [];
    let pageToken: string | undefined;
    do {
      const reply = await this.http.call<{ model_versions?: WireModelVersion[]; next_page_token?: string }>('GET', 'model-versions/search', {
        query: { filter, max_results: 1000, page_token: pageToken },
      });
      versions.push(...(reply.model_versions ?? []).map(modelVersion));
      pageToken = reply.next_page_token || undefined;
    } while (pageToken);
    return versions;
  }
}

function runInfo(info: WireRunInfo): RunInfo {
  return {
    runId: info.run_id,
    runName: info.run_name ?? '',
    experimentId: info.experiment_id,
    status: info.status ?? 'RUNNING',
    startTime: Number(info.start_time ?? 0),
    endTime: info.end_time === undefined ? undefined : Number(info.end_time),
    artifactUri: info.artifact_uri ?? '',
    lifecycleStage: info.lifecycle_stage ?? 'active',
  };
}

function runRecord(run: WireRun): RunRecord {
  return {
    info: runInfo(run.info),
    metrics: Object.fromEntries((run.data?.metrics ?? []).map((metric) => [metric.key, decodeDouble(metric.value)])),
    params: Object.fromEntries((run.data?.params ?? []).map((param) => [param.key, param.value])),
    tags: Object.fromEntries((run.data?.tags ?? []).map((tag) => [tag.key, tag.value])),
  };
}

function modelVersion(wire: WireModelVersion): ModelVersion {
  return {
    name: wire.name,
    version: String(wire.version),
    source: wire.source ?? '',
    runId: wire.run_id || undefined,
    aliases: wire.aliases ?? [],
    status: wire.status ?? 'READY',
  };
}

function checkActive(experiment: WireExperiment, server: string): { id: string; name: string } {
  if (experiment.lifecycle_stage === 'deleted') {
    throw new TrackingError(
      `Experiment "${experiment.name}" (id ${experiment.experiment_id}) at ${server} is deleted; restore it in the MLflow UI or choose another name.`,
    );
  }
  return { id: experiment.experiment_id, name: experiment.name };
}

/** "Not found" in MLflow's two spellings (reference §9 "Errors"). */
export function isNotFound(error: unknown): boolean {
  if (!(error instanceof TrackingError)) return false;
  return error.errorCode === 'RESOURCE_DOES_NOT_EXIST' || (error.errorCode === 'INVALID_PARAMETER_VALUE' && /alias .* not found/i.test(error.message));
}

function isAlreadyExists(error: unknown): boolean {
  return error instanceof TrackingError && (error.errorCode === 'RESOURCE_ALREADY_EXISTS' || error.errorCode === 'ALREADY_EXISTS');
}

function escapeQuote(text: string): string {
  return text.replaceAll("'", "\\'");
}
