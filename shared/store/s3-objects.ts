/**
 * The object store's S3/MinIO backend, on the `minio` client: bounded retries with backoff on transient
 * faults, a timeout on every request that stops receiving bytes and a deadline on every operation (so a hung
 * server fails the operation, naming the endpoint, instead of hanging it), buckets created on first write, streamed multipart uploads that are aborted on failure (so a failed
 * upload never leaves an object), and downloads to a temporary file renamed into place.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { Agent as HttpsAgent } from 'node:https';
import { extname } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Client } from 'minio';
import { StorageError } from '../errors.js';
import { compareText, type Backend, type ListedObject } from './backend.js';
import { writeAtomically } from '../files.js';
import type { ObjectLocation } from './location.js';
import { DeadlineExceededError, formatDuration, networkErrorCode, withRetries, type RetryPolicy, type RetryStats, type Verdict } from '../retry.js';
import { endpointLabel, type S3Config } from './s3-config.js';

/** S3 error codes that describe a passing state of the server rather than a wrong request. */
const TRANSIENT_S3_CODES = new Set([
  'SlowDown',
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'OperationAborted',
  'XMinioServerNotInitialized',
  'XMinioReadQuorum',
  'XMinioWriteQuorum',
]);

export class S3Objects implements Backend<ObjectLocation> {
  readonly #client: Client;
  readonly #config: S3Config;
  readonly #retry: RetryPolicy;
  readonly #knownBuckets = new Set<string>();

  constructor(config: S3Config, retry: RetryPolicy) {
    this.#config = config;
    this.#retry = retry;
    this.#client = new Client({
      endPoint: config.host,
      ...(config.port !== undefined && { port: config.port }),
      useSSL: config.useSSL,
      accessKey: config.accessKey ?? '',
      secretKey: config.secretKey ?? '',
      ...(config.sessionToken !== undefined && { sessionToken: config.sessionToken }),
      region: config.region,
      transport: timedTransport(config.useSSL ? https : http, config.requestTimeoutMs),
      // A fixed part size bounds the memory one upload buffers; the client would otherwise pick ~550 MB parts
      // for a stream of unknown length.
      partSize: config.partSize,
      pathStyle: true,
      // Our own retries cover network faults too and report through StorageError; the client's would only
      // cover HTTP statuses and print to the console.
      retryOptions: { disableRetry: true },
      ...(config.useSSL && (config.insecureTls || config.caBundle) && {
        transportAgent: new HttpsAgent({ keepAlive: true, rejectUnauthorized: !config.insecureTls, ca: config.caBundle }),
      }),
    });
  }

  /** `http://host:port`, for messages. */
  get endpoint(): string {
    return endpointLabel(this.#config);
  }

  async openRead(location: ObjectLocation): Promise<Readable> {
    this.#requireKey(location);
    return this.#attempt('read', location, () => this.#client.getObject(location.bucket, location.key));
  }

  async writeStream(location: ObjectLocation, body: Readable, size?: number): Promise<void> {
    this.#requireKey(location);
    await this.#ensureBucket(location);
    await this.#uploadInParts(location, body, size, contentType(location.key));
  }

  async uploadFile(localPath: string, location: ObjectLocation): Promise<number> {
    this.#requireKey(location);
    const size = await localFileSize(localPath);
    await this.#ensureBucket(location);
    await this.#uploadInParts(location, createReadStream(localPath), size, contentType(localPath));
    return size;
  }

  async downloadFile(location: ObjectLocation, localPath: string): Promise<void> {
    this.#requireKey(location);
    await this.#attempt('download', location, () =>
      writeAtomically(
        localPath,
        async (temp) => pipeline(await this.#client.getObject(location.bucket, location.key), createWriteStream(temp)),
        location.uri,
      ).catch((error: unknown) => {
        // writeAtomically wraps everything in StorageError; unwrap so that S3 codes stay visible to `classify`.
        throw error instanceof StorageError && error.cause ? error.cause : error;
      }),
    );
  }

  async createIfAbsent(location: ObjectLocation, bytes: Buffer): Promise<boolean> {
    this.#requireKey(location);
    await this.#ensureBucket(location);
    const headers = { 'Content-Type': contentType(location.key), 'If-None-Match': '*' };
    try {
      await this.#attempt('create', location, () => this.#client.putObject(location.bucket, location.key, bytes, bytes.length, headers));
      return true;
    } catch (error) {
      // 412: the object exists. A retried request whose first try did land also reads 412, so callers that must
      // know whether the winner was themselves put an owner token in `bytes` and read it back.
      if (s3Code(error instanceof StorageError ? error.cause : error) === 'PreconditionFailed') return false;
      throw error;
    }
  }

  async exists(location: ObjectLocation): Promise<boolean> {
    if (location.key === '') return this.#attempt('check', location, () => this.#client.bucketExists(location.bucket));
    try {
      await this.#attempt('check', location, () => this.#client.statObject(location.bucket, location.key));
      return true;
    } catch (error) {
      if (isMissing(error)) return false;
      throw error;
    }
  }

  async list(location: ObjectLocation): Promise<ListedObject[]> {
    const prefix = location.key === '' || location.key.endsWith('/') ? location.key : `${location.key}/`;
    const items = await this.#attempt('list', location, async () => {
      const found: { name: string; size: number }[] = [];
      for await (const item of this.#client.listObjectsV2(location.bucket, prefix, true)) {
        if (item.name) found.push({ name: item.name, size: item.size });
      }
      return found;
    });
    return items
      .map((item) => ({ uri: `${location.scheme}://${location.bucket}/${item.name}`, path: item.name.slice(prefix.length), size: item.size }))
      .sort((a, b) => compareText(a.path, b.path));
  }

  async remove(location: ObjectLocation): Promise<void> {
    this.#requireKey(location);
    await this.#attempt('delete', location, () => this.#client.removeObject(location.bucket, location.key));
  }

  /**
   * Uploads `body` in parts of `partSize`: one PutObject when it fits in one part (atomic by itself), else a
   * multipart upload whose parts are retried one by one and which is aborted if anything fails, so that no
   * object and no orphaned parts remain. When `size` is given, a body of another length is refused before the
   * upload completes.
   */
  async #uploadInParts(location: ObjectLocation, body: Readable, size: number | undefined, type: string): Promise<void> {
    const { bucket, key } = location;
    const headers = { 'Content-Type': type };
    const parts = chunksOf(body, this.#config.partSize);
    let uploadId: string | undefined;
    try {
      const first = await parts.next();
      const firstChunk = first.done ? Buffer.alloc(0) : first.value;
      const second = first.done ? first : await parts.next();
      if (second.done) {
        checkLength(location, size, firstChunk.length);
        await this.#attempt('upload', location, () => this.#client.putObject(bucket, key, firstChunk, firstChunk.length, headers));
        return;
      }
      const id = await this.#attempt('start upload of', location, () => this.#client.initiateNewMultipartUpload(bucket, key, headers));
      uploadId = id;
      const etags: { part: number; etag: string }[] = [];
      let total = 0;
      const sendPart = async (chunk: Buffer) => {
        const part = etags.length + 1;
        total += chunk.length;
        const { etag } = await this.#attempt(`upload part ${part} of`, location, () =>
          this.#client.uploadPart({ bucketName: bucket, objectName: key, uploadID: id, partNumber: part, headers: {} }, chunk),
        );
        etags.push({ part, etag });
      };
      await sendPart(firstChunk);
      await sendPart(second.value);
      for await (const chunk of parts) await sendPart(chunk);
      checkLength(location, size, total);
      await this.#attempt('complete upload of', location, () => this.#client.completeMultipartUpload(bucket, key, id, etags));
    } catch (error) {
      await parts.return(undefined).catch(() => undefined);
      if (uploadId !== undefined) await this.#client.abortMultipartUpload(bucket, key, uploadId).catch(() => undefined);
      throw this.#storageError('upload', location, error, { attempts: 1, elapsedMs: 0, reason: 'not retryable' });
    }
  }

  /** Creates the bucket on first write if it does not exist; a concurrent creator winning the race is fine. */
  async #ensureBucket(location: ObjectLocation): Promise<void> {
    if (this.#knownBuckets.has(location.bucket)) return;
    const exists = await this.#attempt('upload', location, () => this.#client.bucketExists(location.bucket));
    if (!exists) {
      await this.#attempt('upload', location, async () => {
        try {
          await this.#client.makeBucket(location.bucket, this.#config.region);
        } catch (error) {
          const code = s3Code(error);
          if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw error;
        }
      });
    }
    this.#knownBuckets.add(location.bucket);
  }

  /**
   * Runs one request under the retry policy and turns its final failure into a StorageError. The operation's
   * deadline signal reaches the client's requests through `operationSignal` (the client takes no signal).
   */
  #attempt<T>(action: string, location: ObjectLocation, operation: () => Promise<T>): Promise<T> {
    return withRetries((_attempt, signal) => operationSignal.run(signal, operation), {
      policy: this.#retry,
      classify,
      giveUp: (error, stats) => this.#storageError(action, location, error, stats),
    });
  }

  #storageError(action: string, location: ObjectLocation, error: unknown, stats: RetryStats): Error {
    if (error instanceof StorageError) return error;
    const code = s3Code(error);
    const network = networkErrorCode(error);
    const where = `${location.uri} at ${this.endpoint}`;
    const tries = stats.attempts > 1 ? `; gave up after ${stats.attempts} attempts in ${formatDuration(stats.elapsedMs)}` : '';
    let message: string;
    if (error instanceof DeadlineExceededError) {
      message =
        `The S3 endpoint ${this.endpoint} gave ${error.message} to ${action} ${location.uri} ` +
        `(FLTS_S3_DEADLINE; each request at most ${formatDuration(this.#config.requestTimeoutMs)} without a byte, FLTS_S3_REQUEST_TIMEOUT)${tries}.`;
    } else if (network === 'ETIMEDOUT' && isRequestTimeout(error)) {
      message = `The S3 endpoint ${this.endpoint} sent nothing for ${formatDuration(this.#config.requestTimeoutMs)} (FLTS_S3_REQUEST_TIMEOUT) to ${action} ${location.uri}${tries}.`;
    } else if (network) {
      message = `Cannot reach the S3 endpoint ${this.endpoint} to ${action} ${location.uri}: ${network}${tries}.`;
    } else if (code === 'NoSuchBucket') {
      message = `Bucket "${location.bucket}" does not exist (${action} ${where}).`;
    } else if (code === 'NoSuchKey' || code === 'NotFound') {
      message = `No object at ${location.uri} (${action} at ${this.endpoint}).`;
    } else if (code === 'AccessDenied' || code === 'InvalidAccessKeyId' || code === 'SignatureDoesNotMatch') {
      message = `Access denied to ${action} ${where} (${code}); check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.`;
    } else {
      const detail = code ? `${code}: ${(error as Error).message}` : (error as Error)?.message ?? String(error);
      message = `Failed to ${action} ${where}: ${detail}${tries}.`;
    }
    return new StorageError(location.uri, message, { cause: error });
  }

  #requireKey(location: ObjectLocation): void {
    if (location.key === '' || location.key.endsWith('/')) {
      throw new StorageError(location.uri, `${location.uri} names a bucket or a prefix, not an object; add an object key.`);
    }
  }
}

/** The deadline signal of the operation whose requests are being made (see `#attempt`). */
const operationSignal = new AsyncLocalStorage<AbortSignal>();

/** Error of a request that received nothing for the request timeout; retryable like any ETIMEDOUT. */
class RequestTimeoutError extends Error {
  override name = 'RequestTimeoutError';
  readonly code = 'ETIMEDOUT';
}

function isRequestTimeout(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    if (current instanceof RequestTimeoutError) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * The `transport` the minio client makes its requests with: Node's own, plus an idle timeout on each request
 * (no byte sent or received for `timeoutMs`, e.g. a frozen server) and the current operation's deadline signal.
 */
function timedTransport(base: typeof http | typeof https, timeoutMs: number): Pick<typeof http, 'request'> {
  const request = (options: http.RequestOptions, callback?: (response: http.IncomingMessage) => void): http.ClientRequest => {
    const signal = operationSignal.getStore();
    const outgoing = base.request({ ...options, ...(signal && { signal }) }, callback);
    outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new RequestTimeoutError(`no byte within ${formatDuration(timeoutMs)}`)));
    return outgoing;
  };
  return { request: request as typeof http.request };
}

/** Retry network faults and the S3 codes of an overloaded or starting server; nothing else. */
function classify(error: unknown): Verdict {
  if (error instanceof StorageError) return { retryable: false };
  if (networkErrorCode(error)) return { retryable: true };
  const code = s3Code(error);
  return { retryable: code !== undefined && TRANSIENT_S3_CODES.has(code) };
}

function s3Code(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

function isMissing(error: unknown): boolean {
  const code = s3Code(error instanceof StorageError ? error.cause : error);
  return code === 'NotFound' || code === 'NoSuchKey';
}

/** Regroups a stream into Buffers of `size` bytes (the last one shorter), holding at most one part in memory. */
async function* chunksOf(body: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const piece of body) {
    let buffer = Buffer.isBuffer(piece) ? piece : Buffer.from(piece as Uint8Array | string);
    while (pendingBytes + buffer.length >= size) {
      const take = size - pendingBytes;
      pending.push(buffer.subarray(0, take));
      yield Buffer.concat(pending);
      buffer = buffer.subarray(take);
      pending = [];
      pendingBytes = 0;
    }
    if (buffer.length > 0) {
      pending.push(buffer);
      pendingBytes += buffer.length;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending);
}

function checkLength(location: ObjectLocation, expected: number | undefined, actual: number): void {
  if (expected !== undefined && expected !== actual) {
    throw new StorageError(location.uri, `Upload to ${location.uri} stopped: the stream gave ${actual} bytes, ${expected} were announced.`);
  }
}

async function localFileSize(path: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new StorageError(path, `${path} is not a file.`);
    return info.size;
  } catch (cause) {
    if (cause instanceof StorageError) throw cause;
    throw new StorageError(path, `No file at ${path} to upload.`, { cause });
  }
}

const CONTENT_TYPES: Record<string, string> = {
  '.json': 'application/json',
  '.parquet': 'application/vnd.apache.parquet',
  '.csv': 'text/csv',
  '.txt': 'text/plain',
  '.yaml': 'application/x-yaml',
  '.bin': 'application/octet-stream',
};

function contentType(name: string): string {
  return CONTENT_TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}
