/**
 * Claim check (DESIGN "Data and lineage"): a large file is stored once in a bucket and only a small pointer
 * travels in the KFP artifact's metadata; downstream components resolve the pointer back to a local file.
 * The KFP-native mode (bytes at the artifact's own path) resolves to that path unchanged.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { StorageError } from '../errors.js';
import { bucketUri } from './bucket.js';
import { bucketNameProblem, childUri, parseLocation } from './location.js';
import { defaultObjectStore, type ObjectStore } from './store.js';

/** Where a checked-in file lives and how to recognise its bytes. */
export interface ClaimCheck {
  /** Full URI of the stored object (`s3://bucket/key`, or a local path for a local prefix). */
  uri: string;
  /** S3 bucket; empty for a local prefix. */
  bucket: string;
  /** Object key within the bucket; the absolute file path for a local prefix. */
  key: string;
  /** Size in bytes. */
  size: number;
  /** Lower-case hex SHA-256 of the bytes. */
  sha256: string;
}

/**
 * Artifact metadata keys that carry a claim check. Flat scalars, because KFP passes artifact metadata through
 * MLMD, which wraps nested objects (`{"struct": …}`) on the way to the consumer.
 */
export const CLAIM_CHECK_KEYS = {
  uri: 'claim_check_uri',
  size: 'claim_check_size',
  sha256: 'claim_check_sha256',
} as const;

export interface ClaimCheckOptions {
  /** @default the store configured from the environment */
  store?: ObjectStore;
  /** Decides what a bare bucket name means (see bucket.ts): S3 when object storage is configured here. @default process.env */
  env?: NodeJS.ProcessEnv;
  /**
   * Told the URI when this check-in created the object (it did not exist before), so that a run that fails later
   * can remove what it added — and only that: an object already there belongs to an earlier run of the same data.
   */
  created?: (uri: string) => void;
}

/**
 * Stores `localPath` under `key` and returns the pointer. `bucketOrUriPrefix` is a bare bucket name
 * (`processed-data` → `s3://processed-data/<key>` with object storage configured, else a directory under the
 * local store root; see bucket.ts) or a URI prefix (`s3://bucket/runs/7`, `minio://…`, `file:///data`, a path).
 */
export async function checkIn(
  localPath: string,
  bucketOrUriPrefix: string,
  key: string,
  options: ClaimCheckOptions = {},
): Promise<ClaimCheck> {
  const store = options.store ?? defaultObjectStore();
  const uri = childUri(parseLocation(prefixUri(bucketOrUriPrefix, options.env ?? process.env)), key);
  const sha256 = await fileSha256(localPath);
  const existed = options.created ? await store.exists(uri) : true;
  const { size } = await store.upload(localPath, uri);
  if (!existed) options.created?.(uri);
  const location = parseLocation(uri);
  return location.kind === 'object'
    ? { uri, bucket: location.bucket, key: location.key, size, sha256 }
    : { uri, bucket: '', key: location.path, size, sha256 };
}

/** The metadata entries that carry `pointer` on a KFP artifact. */
export function claimCheckMetadata(pointer: ClaimCheck): Record<string, string | number> {
  return { [CLAIM_CHECK_KEYS.uri]: pointer.uri, [CLAIM_CHECK_KEYS.size]: pointer.size, [CLAIM_CHECK_KEYS.sha256]: pointer.sha256 };
}

/** The pointer in an artifact's metadata, or `undefined` when the artifact carries its bytes itself. */
export function claimCheckFromMetadata(metadata: Record<string, unknown> | undefined): Omit<ClaimCheck, 'bucket' | 'key'> | undefined {
  const uri = metadata?.[CLAIM_CHECK_KEYS.uri];
  if (typeof uri !== 'string' || uri === '') return undefined;
  const size = Number(metadata?.[CLAIM_CHECK_KEYS.size]);
  const sha256 = metadata?.[CLAIM_CHECK_KEYS.sha256];
  return { uri, size: Number.isFinite(size) ? size : -1, sha256: typeof sha256 === 'string' ? sha256 : '' };
}

/** An input artifact as shared/kfp hands it over: its local path and its (unwrapped) metadata. */
export interface ClaimableArtifact {
  name?: string;
  path: string;
  metadata?: Record<string, unknown>;
}

export interface ResolveOptions extends ClaimCheckOptions {
  /** Directory to download claimed objects into. @default <os tmpdir>/flts-claims/<sha256> */
  downloadDir?: string;
}

/**
 * A local file with the artifact's bytes: the download of its claim check when the metadata carries one
 * (size and SHA-256 verified), otherwise the artifact's own path.
 */
export async function resolveClaim(artifact: ClaimableArtifact, options: ResolveOptions = {}): Promise<string> {
  const pointer = claimCheckFromMetadata(artifact.metadata);
  const label = artifact.name ? `Input artifact "${artifact.name}"` : `The artifact at ${artifact.path}`;
  if (!pointer) {
    if (existsSync(artifact.path)) return artifact.path;
    throw new StorageError(
      artifact.path,
      `${label} has no bytes at ${artifact.path} and no ${CLAIM_CHECK_KEYS.uri} in its metadata.`,
    );
  }
  const store = options.store ?? defaultObjectStore();
  const directory = options.downloadDir ?? join(tmpdir(), 'flts-claims', pointer.sha256 || createHash('sha256').update(pointer.uri).digest('hex'));
  const target = join(directory, basename(parseLocation(pointer.uri).uri) || 'data');
  if (pointer.sha256 && existsSync(target) && (await fileSha256(target)) === pointer.sha256) return target;
  await store.download(pointer.uri, target);
  if (pointer.sha256) {
    const actual = await fileSha256(target);
    if (actual !== pointer.sha256) {
      throw new StorageError(
        pointer.uri,
        `${label}: the object at ${pointer.uri} has SHA-256 ${actual}, but the claim check says ${pointer.sha256}; it was changed after check-in.`,
      );
    }
  }
  return target;
}

/** Lower-case hex SHA-256 of a local file, streamed. */
export function fileSha256(path: string): Promise<string> {
  return filesSha256([path]);
}

/** Lower-case hex SHA-256 of local files' bytes one after the other, streamed (never whole in memory). */
export async function filesSha256(paths: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const path of paths) {
    try {
      await pipeline(createReadStream(path), hash, { end: false });
    } catch (cause) {
      throw new StorageError(path, `Cannot read ${path}: ${(cause as Error).message}`, { cause });
    }
  }
  return hash.digest('hex');
}

function prefixUri(bucketOrUriPrefix: string, env: NodeJS.ProcessEnv): string {
  const isUri = /^[a-z][a-z0-9+.-]*:\/\//i.test(bucketOrUriPrefix) || /^[./~]/.test(bucketOrUriPrefix);
  const problem = isUri ? undefined : bucketNameProblem(bucketOrUriPrefix);
  if (problem) {
    throw new StorageError(
      bucketOrUriPrefix,
      `"${bucketOrUriPrefix}" is neither a bucket name (${problem}) nor a URI prefix (s3://, minio://, file://, or a path starting with / or .).`,
    );
  }
  return bucketUri(bucketOrUriPrefix, env);
}
