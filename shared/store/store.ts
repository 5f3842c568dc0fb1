/**
 * The object store: one small interface over local paths, `file://`, `s3://` and `minio://` URIs. Components
 * and the tracking client use it to move files, small JSON documents and large streams without caring where
 * the bytes live.
 */
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { StorageError } from '../errors.js';
import type { Backend, ListedObject } from './backend.js';
import { LocalFiles } from './local-files.js';
import { childUri, parseLocation, type Location, type ObjectLocation } from './location.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../retry.js';
import { requireObjectEndpoint, s3ConfigFromEnv, type S3Config } from './s3-config.js';
import { S3Objects } from './s3-objects.js';

export interface StoreOptions {
  /** S3 settings that override those read from `env` (see s3-config.ts for the variables). */
  s3?: Partial<S3Config>;
  /** Where S3 settings are read from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Retries of S3 requests on network faults and overloaded-server replies. @default DEFAULT_RETRY_POLICY (5 attempts), deadline FLTS_S3_DEADLINE */
  retry?: Partial<RetryPolicy>;
}

/** An object written by an upload. */
export interface StoredObject {
  uri: string;
  size: number;
}

/** Largest object `readBytes`/`readJson` accept; use `openRead` or `download` beyond it. */
export const SMALL_OBJECT_LIMIT = 64 * 1024 * 1024;

export class ObjectStore {
  readonly #local = new LocalFiles();
  readonly #options: StoreOptions;
  #s3: S3Objects | undefined;
  #s3Config: S3Config | undefined;

  constructor(options: StoreOptions = {}) {
    this.#options = options;
  }

  /** Copies the object at `uri` to the local file `localPath` (written atomically; parents created). Returns `localPath`. */
  async download(uri: string, localPath: string): Promise<string> {
    const target = resolve(localPath);
    await this.#dispatch(uri, (backend, location) => backend.downloadFile(location, target));
    return target;
  }

  /** Copies the local file `localPath` to `uri`, creating the bucket if needed. */
  async upload(localPath: string, uri: string): Promise<StoredObject> {
    const size = await this.#dispatch(uri, (backend, location) => backend.uploadFile(localPath, location));
    return { uri, size };
  }

  /** Uploads every file below `localDir` to `uriPrefix/<relative path>`, in a stable order. */
  async uploadDirectory(localDir: string, uriPrefix: string): Promise<StoredObject[]> {
    const files = await this.#local.list({ kind: 'local', path: resolve(localDir), uri: localDir });
    if (files.length === 0 && !(await this.#local.exists({ kind: 'local', path: resolve(localDir), uri: localDir }))) {
      throw new StorageError(localDir, `No directory at ${localDir} to upload.`);
    }
    const prefix = parseLocation(uriPrefix);
    const stored: StoredObject[] = [];
    for (const file of files) stored.push(await this.upload(file.uri, childUri(prefix, file.path)));
    return stored;
  }

  /** Downloads every object below `uriPrefix` into `localDir`, keeping relative paths. Returns the local files. */
  async downloadDirectory(uriPrefix: string, localDir: string): Promise<string[]> {
    const objects = await this.list(uriPrefix);
    const paths: string[] = [];
    for (const object of objects) paths.push(await this.download(object.uri, join(localDir, ...object.path.split('/'))));
    return paths;
  }

  /** The whole object in memory; for small objects (at most SMALL_OBJECT_LIMIT bytes). */
  async readBytes(uri: string): Promise<Buffer> {
    const stream = await this.openRead(uri);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of stream) {
      total += (chunk as Buffer).length;
      if (total > SMALL_OBJECT_LIMIT) {
        stream.destroy();
        throw new StorageError(uri, `${uri} is larger than ${SMALL_OBJECT_LIMIT} bytes; use download() or openRead() for large objects.`);
      }
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks);
  }

  /** Writes `bytes` (or text, as UTF-8) to `uri` atomically. */
  async writeBytes(uri: string, bytes: Uint8Array | string): Promise<StoredObject> {
    const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
    await this.writeStream(uri, Readable.from([buffer]), buffer.length);
    return { uri, size: buffer.length };
  }

  /**
   * Writes `bytes` to `uri` only if nothing is there yet; true when this call created the object, false when one
   * existed. Two writers racing for the same name: exactly one gets true. For markers and claims (see
   * shared/events/idempotency.ts), not for data. Porting note: upstream had no such primitive and deduplicated in
   * memory only (reference/upstream-flts.md §9.14).
   */
  async createIfAbsent(uri: string, bytes: Uint8Array | string): Promise<boolean> {
    const buffer = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes);
    return this.#dispatch(uri, (backend, location) => backend.createIfAbsent(location, buffer));
  }

  /** Reads and parses a JSON document. */
  async readJson<T = unknown>(uri: string): Promise<T> {
    const text = (await this.readBytes(uri)).toString('utf8');
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new StorageError(uri, `${uri} is not valid JSON: ${(cause as Error).message}`, { cause });
    }
  }

  /** Writes `value` as indented JSON. */
  async writeJson(uri: string, value: unknown): Promise<StoredObject> {
    return this.writeBytes(uri, `${JSON.stringify(value, null, 2)}\n`);
  }

  /** Whether an object (or, for a bare bucket or directory, the container) exists. */
  async exists(uri: string): Promise<boolean> {
    return this.#dispatch(uri, (backend, location) => backend.exists(location));
  }

  /** Every object below `uriPrefix`, taken as a directory, recursively, sorted by relative path. */
  async list(uriPrefix: string): Promise<ListedObject[]> {
    return this.#dispatch(uriPrefix, (backend, location) => backend.list(location));
  }

  /** A stream of the object's bytes, for objects too large to hold in memory. */
  async openRead(uri: string): Promise<Readable> {
    return this.#dispatch(uri, (backend, location) => backend.openRead(location));
  }

  /**
   * Writes a stream to `uri` without holding it in memory (S3: parts of FLTS_S3_PART_SIZE_MB). Nothing appears
   * under `uri` unless the whole stream arrived. A stream cannot be replayed, so only individual parts are retried.
   * @param size the stream's length in bytes, if known; a stream of another length is refused.
   */
  async writeStream(uri: string, body: Readable, size?: number): Promise<void> {
    await this.#dispatch(uri, (backend, location) => backend.writeStream(location, body, size));
  }

  /** Deletes the object at `uri`; no error if it does not exist. */
  async remove(uri: string): Promise<void> {
    await this.#dispatch(uri, (backend, location) => backend.remove(location));
  }

  /** Makes sure a local directory exists (a no-op for object storage, where prefixes need no creation). */
  async ensureDirectory(uri: string): Promise<void> {
    const location = parseLocation(uri);
    if (location.kind === 'local') await mkdir(location.path, { recursive: true });
  }

  #dispatch<T>(uri: string, run: (backend: Backend<Location>, location: Location) => Promise<T>): Promise<T> {
    const location = parseLocation(uri);
    const backend = (location.kind === 'local' ? this.#local : this.#objects(location)) as Backend<Location>;
    return run(backend, location);
  }

  /**
   * The S3 backend, created on first use so that a store used only for local paths needs no S3 settings. A
   * `minio://` location without a configured endpoint is refused here, before any request.
   */
  #objects(location: ObjectLocation): S3Objects {
    this.#s3Config ??= s3ConfigFromEnv(this.#options.env ?? process.env, this.#options.s3);
    const explicitHost = this.#options.s3?.host !== undefined;
    requireObjectEndpoint(location.scheme, location.uri, { endpointConfigured: this.#s3Config.endpointConfigured || explicitHost });
    this.#s3 ??= new S3Objects(this.#s3Config, { ...DEFAULT_RETRY_POLICY, deadlineMs: this.#s3Config.deadlineMs, ...this.#options.retry });
    return this.#s3;
  }
}

/** A store configured from `options` (by default from the environment). */
export function createStore(options: StoreOptions = {}): ObjectStore {
  return new ObjectStore(options);
}

let defaultStore: ObjectStore | undefined;

/** The process-wide store configured from the environment, created on first use. */
export function defaultObjectStore(): ObjectStore {
  defaultStore ??= createStore();
  return defaultStore;
}
