/**
 * Where a run's artifacts are read and written, chosen by the scheme of its artifact URI as MLflow's own
 * client does (reference/mlflow.md §3.2): `mlflow-artifacts:` through the tracking server's artifact proxy,
 * `s3://` straight to S3/MinIO and `file://` on the local file system, both through shared/store.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createWriteStream } from 'node:fs';
import { TrackingError } from '../errors.js';
import { writeAtomically } from '../files.js';
import { childUri, compareText, createStore, parseLocation, type ObjectStore, type S3Config } from '../store/index.js';
import { parseEndpoint } from '../store/s3-config.js';
import type { MlflowHttp, RequestBody } from './http.js';
import { joinArtifactUri, trimSlashes } from './model-uri.js';
import type { ArtifactFile } from './types.js';

/** Files below one artifact root URI. Paths are relative to that root and "/"-separated. */
export interface ArtifactRepository {
  readonly rootUri: string;
  uploadFile(localFile: string, artifactPath: string): Promise<void>;
  /** Every file below `path` (recursive); empty when there is none or `path` is a file. */
  list(path?: string): Promise<ArtifactFile[]>;
  downloadFile(artifactPath: string, localFile: string): Promise<void>;
}

/** The repository for `rootUri`; `http` is required for `mlflow-artifacts:` roots. */
export function artifactRepository(rootUri: string, http: MlflowHttp | undefined, env: NodeJS.ProcessEnv): ArtifactRepository {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(rootUri)?.[1]?.toLowerCase();
  if (scheme === 'mlflow-artifacts' || ((scheme === 'http' || scheme === 'https') && rootUri.includes('/mlflow-artifacts/artifacts'))) {
    if (!http) throw new TrackingError(`Artifact URI ${rootUri} needs an MLflow server (an http(s) tracking URI) to reach it.`);
    return new ProxyArtifacts(rootUri, http);
  }
  if (scheme === 's3' || scheme === 'file' || scheme === undefined) return new StoreArtifacts(rootUri, trackingObjectStore(env));
  throw new TrackingError(
    `Artifact URI ${rootUri} uses "${scheme}:", which this client does not support; start the MLflow server with --serve-artifacts or an s3:// --default-artifact-root.`,
  );
}

/**
 * The object store MLflow's S3 artifact repository would use: MLFLOW_S3_ENDPOINT_URL first (MLflow's own
 * variable), then the store's usual variables; MLFLOW_S3_IGNORE_TLS skips certificate checks.
 */
export function trackingObjectStore(env: NodeJS.ProcessEnv): ObjectStore {
  const overrides: Partial<S3Config> = {};
  const endpoint = env['MLFLOW_S3_ENDPOINT_URL'];
  if (endpoint) Object.assign(overrides, parseEndpoint(endpoint, false), { endpointConfigured: true });
  if (/^(true|1)$/i.test(env['MLFLOW_S3_IGNORE_TLS'] ?? '')) overrides.insecureTls = true;
  return createStore({ env, s3: overrides });
}

/** Artifacts behind MLflow's proxy: `PUT`/`GET /api/2.0/mlflow-artifacts/artifacts/<path>`. */
class ProxyArtifacts implements ArtifactRepository {
  readonly rootUri: string;
  readonly #http: MlflowHttp;
  /** The root's path below the server's artifact destination, e.g. "1/<run id>/artifacts". */
  readonly #rootPath: string;
  readonly #base: string;

  constructor(rootUri: string, http: MlflowHttp) {
    this.rootUri = rootUri;
    this.#http = http;
    const resolved = proxyLocation(rootUri, http.server);
    this.#rootPath = resolved.path;
    this.#base = resolved.base;
  }

  async uploadFile(localFile: string, artifactPath: string): Promise<void> {
    const size = (await stat(localFile)).size;
    const url = this.#fileUrl(artifactPath);
    const response = await this.#http.send('PUT', url, {
      label: `artifact ${joinArtifactUri(this.rootUri, artifactPath)}`,
      // A fresh stream per attempt; the body is streamed, not read into memory.
      body: () => Readable.toWeb(createReadStream(localFile)) as unknown as RequestBody,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
    });
    await response.arrayBuffer();
  }

  async list(path = ''): Promise<ArtifactFile[]> {
    const found: ArtifactFile[] = [];
    await this.#walk(trimSlashes(path), found);
    return found.sort((a, b) => compareText(a.path, b.path));
  }

  async downloadFile(artifactPath: string, localFile: string): Promise<void> {
    const url = this.#fileUrl(artifactPath);
    const label = `artifact ${joinArtifactUri(this.rootUri, artifactPath)}`;
    await writeAtomically(localFile, async (temp) => {
      const response = await this.#http.send('GET', url, { label });
      if (!response.body) throw new TrackingError(`MLflow GET ${label} at ${this.#http.server} returned no body.`);
      await pipeline(Readable.fromWeb(response.body as never), createWriteStream(temp));
    }).catch((error: unknown) => {
      throw error instanceof Error && error.cause instanceof TrackingError ? error.cause : error;
    });
  }

  async #walk(path: string, found: ArtifactFile[]): Promise<void> {
    const listPath = [this.#rootPath, path].filter(Boolean).join('/');
    const url = `${this.#base}?${new URLSearchParams({ path: listPath })}`;
    const response = await this.#http.send('GET', url, { label: `list artifacts ${joinArtifactUri(this.rootUri, path)}` });
    const reply = (await response.json()) as { files?: { path: string; is_dir?: boolean; file_size?: number }[] };
    for (const file of reply.files ?? []) {
      // The proxy lists base names only.
      const relative = [path, file.path.split('/').pop()].filter(Boolean).join('/');
      if (file.is_dir) await this.#walk(relative, found);
      else found.push({ path: relative, size: Number(file.file_size ?? 0) });
    }
  }

  #fileUrl(artifactPath: string): string {
    const path = [this.#rootPath, trimSlashes(artifactPath)].filter(Boolean).join('/');
    return `${this.#base}/${path.split('/').map(encodeURIComponent).join('/')}`;
  }
}

/**
 * The proxy endpoint for an artifact URI (`mlflow_artifacts_repo.resolve_uri`): the tracking server's scheme,
 * the URI's host if it names one (`mlflow-artifacts://host:port/…`) else the tracking host, and the URI's path.
 */
export function proxyLocation(rootUri: string, trackingBase: string): { base: string; path: string } {
  const tracking = new URL(trackingBase);
  if (/^https?:/i.test(rootUri)) {
    const url = new URL(rootUri);
    const marker = '/mlflow-artifacts/artifacts';
    const index = url.pathname.indexOf(marker);
    return { base: `${url.origin}${url.pathname.slice(0, index + marker.length)}`, path: trimSlashes(url.pathname.slice(index + marker.length)) };
  }
  const match = /^mlflow-artifacts:(?:\/\/([^/]*))?(\/.*)?$/i.exec(rootUri);
  if (!match) throw new TrackingError(`Invalid mlflow-artifacts URI "${rootUri}".`);
  const host = match[1] || tracking.host;
  const prefix = tracking.pathname.replace(/\/+$/, '');
  return { base: `${tracking.protocol}//${host}${prefix}/api/2.0/mlflow-artifacts/artifacts`, path: trimSlashes(match[2] ?? '') };
}

/** Artifacts addressed directly by URI (`s3://`, `file://`) through the object store. */
class StoreArtifacts implements ArtifactRepository {
  readonly rootUri: string;
  readonly #store: ObjectStore;

  constructor(rootUri: string, store: ObjectStore) {
    this.rootUri = rootUri;
    this.#store = store;
  }

  async uploadFile(localFile: string, artifactPath: string): Promise<void> {
    await this.#store.upload(localFile, this.#uri(artifactPath));
  }

  async list(path = ''): Promise<ArtifactFile[]> {
    const prefix = trimSlashes(path);
    const objects = await this.#store.list(this.#uri(prefix));
    return objects.map((object) => ({ path: [prefix, object.path].filter(Boolean).join('/'), size: object.size }));
  }

  async downloadFile(artifactPath: string, localFile: string): Promise<void> {
    await this.#store.download(this.#uri(artifactPath), localFile);
  }

  #uri(path: string): string {
    const clean = trimSlashes(path);
    return clean ? childUri(parseLocation(this.rootUri), clean) : this.rootUri;
  }
}
