/**
 * Parses the URIs the object store accepts — local paths, `file://`, `s3://` and `minio://` — into one
 * location type, validating bucket names and object keys before any request is made.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { StorageError } from '../errors.js';

/** A file or directory on the local file system. */
export interface LocalLocation {
  kind: 'local';
  /** Absolute path. */
  path: string;
  /** The URI as the caller wrote it, for messages. */
  uri: string;
}

/** An object (or a key prefix) in an S3-compatible bucket. `minio://` is KFP's name for the same thing. */
export interface ObjectLocation {
  kind: 'object';
  scheme: 's3' | 'minio';
  bucket: string;
  /** Object key, without a leading "/"; empty for the whole bucket. */
  key: string;
  uri: string;
}

export type Location = LocalLocation | ObjectLocation;

const OBJECT_SCHEMES = ['s3', 'minio'] as const;

/** Reads `uri` as a location; relative local paths are resolved against the working directory. */
export function parseLocation(uri: string): Location {
  if (typeof uri !== 'string' || uri.trim() === '') {
    throw new StorageError(String(uri), `A storage URI must be a non-empty string; got ${JSON.stringify(uri)}.`);
  }
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'local', path: resolve(uri), uri };
  if (scheme === 'file') return { kind: 'local', path: filePath(uri), uri };
  if ((OBJECT_SCHEMES as readonly string[]).includes(scheme)) return objectLocation(uri, scheme as ObjectLocation['scheme']);
  throw new StorageError(
    uri,
    `Unsupported storage URI scheme "${scheme}://" in ${uri}; use a local path, file://, s3:// or minio://.`,
  );
}

/** Splits `s3://bucket/key/parts` and validates both halves. */
function objectLocation(uri: string, scheme: ObjectLocation['scheme']): ObjectLocation {
  const rest = uri.slice(scheme.length + 3);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const key = slash < 0 ? '' : rest.slice(slash + 1);
  const bucketProblem = bucketNameProblem(bucket);
  if (bucketProblem) throw new StorageError(uri, `Invalid bucket name "${bucket}" in ${uri}: ${bucketProblem}.`);
  if (key.startsWith('/') || key.split('/').some((part) => part === '..' || part === '.')) {
    throw new StorageError(uri, `Invalid object key "${key}" in ${uri}: no leading "/" and no "." or ".." segments.`);
  }
  return { kind: 'object', scheme, bucket, key, uri };
}

function filePath(uri: string): string {
  try {
    return fileURLToPath(uri);
  } catch (cause) {
    throw new StorageError(uri, `Invalid file URI ${uri}: ${(cause as Error).message}`, { cause });
  }
}

/**
 * Why `name` is not a valid S3 bucket name, or `undefined` if it is. Rules: AWS "Bucket naming rules" for
 * general purpose buckets, which MinIO enforces too.
 */
export function bucketNameProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `bucket names have 3 to 63 characters (got ${name.length})`;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) {
    return 'bucket names use only lowercase letters, digits, "." and "-", and start and end with a letter or digit';
  }
  if (name.includes('..')) return 'bucket names must not contain ".."';
  if (/^\d+\.\d+\.\d+\.\d+$/.test(name)) return 'bucket names must not look like an IP address';
  return undefined;
}

/** The URI of `key` below a prefix location (a directory or a key prefix), joined with exactly one "/". */
export function childUri(prefix: Location, relative: string): string {
  const clean = relative.replace(/^\/+/, '');
  if (prefix.kind === 'local') return resolve(prefix.path, clean);
  const base = `${prefix.scheme}://${prefix.bucket}`;
  const key = prefix.key === '' ? clean : `${prefix.key.replace(/\/+$/, '')}/${clean}`;
  return key === '' ? base : `${base}/${key}`;
}

/** A local path as a `file://` URI (absolute), the form MLflow and pointers store. */
export function fileUri(path: string): string {
  return pathToFileURL(isAbsolute(path) ? path : resolve(path)).href;
}
