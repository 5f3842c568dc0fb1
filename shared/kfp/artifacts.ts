/**
 * Artifact locations and metadata as the KFP launcher defines them: the URI → local path rule and the
 * unwrapping of metadata that went through MLMD (reference/kfp-contract.md §2, §3.5, §6.10).
 */
import type { RuntimeArtifact } from './executor-input.js';
import type { JsonObject, JsonValue } from './spec.js';

const WORKSPACE_MOUNT = '/kfp-workspace/.artifacts/';

/** The directories the KFP launcher mounts in the task's container. */
const LAUNCHER_MOUNTS = ['/gcs/', '/s3/', '/minio/', '/oci/', '/kfp-workspace/'];

/**
 * Where the launcher puts (or expects) the bytes of an artifact with this URI. `mountRoot` relocates the
 * launcher's mount directories (/gcs, /s3, /minio, …) under another directory; tests pass a temporary one.
 */
export function localPathForUri(uri: string, mountRoot = ''): string {
  if (uri.startsWith('gs://')) return `${mountRoot}/gcs/${uri.slice('gs://'.length)}`;
  if (uri.startsWith('s3://')) return `${mountRoot}/s3/${uri.slice('s3://'.length)}`;
  if (uri.startsWith('minio://')) return `${mountRoot}/minio/${uri.slice('minio://'.length)}`;
  // The modelcar sidecar serves OCI models under /oci/<reference with "/" → "_">/models.
  if (uri.startsWith('oci://')) return `${mountRoot}/oci/${uri.slice('oci://'.length).replaceAll('/', '_')}/models`;
  return uri;
}

/** The local path of a runtime artifact: `customPath` wins, then the URI rule, then the workspace mount. */
export function artifactPath(artifact: Pick<RuntimeArtifact, 'uri' | 'customPath' | 'metadata'>, mountRoot = ''): string {
  const path = artifact.customPath ? mountedPath(artifact.customPath, mountRoot) : localPathForUri(artifact.uri, mountRoot);
  if (artifact.metadata['_kfp_workspace'] === true) {
    return mountRoot + WORKSPACE_MOUNT + path.slice(mountRoot.length).replace(/^\/+/, '');
  }
  return path;
}

/** A container path, relocated under `mountRoot` when it lies in one of the launcher's mount directories. */
export function mountedPath(path: string, mountRoot = ''): string {
  if (!mountRoot) return path;
  return LAUNCHER_MOUNTS.some((mount) => path.startsWith(mount)) ? mountRoot + path : path;
}

/**
 * Metadata as the producer wrote it: MLMD wraps lists as `{"list": […]}` and objects as `{"struct": {…}}` on
 * their way to a downstream input; this undoes one level of wrapping at every depth.
 */
export function unwrapMetadata(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(unwrapMetadata);
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === 'list' && Array.isArray(value['list'])) return unwrapMetadata(value['list']);
  if (keys.length === 1 && keys[0] === 'struct' && isPlainObject(value['struct'])) return unwrapMetadata(value['struct']);
  const result: JsonObject = {};
  for (const [key, inner] of Object.entries(value)) result[key] = unwrapMetadata(inner as JsonValue);
  return result;
}

/** A boolean stored in artifact metadata; MLMD turns `true` into `1`. */
export function metadataBoolean(value: JsonValue | undefined): boolean | undefined {
  if (value === true || value === 1 || value === 'true') return true;
  if (value === false || value === 0 || value === 'false') return false;
  return undefined;
}

function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Metadata safe to hand to the launcher: no `null` anywhere (a null value fails the backend task) and no
 * non-finite numbers (they cannot be written as google.protobuf.Value JSON). Such entries are dropped.
 */
export function sanitizeMetadata(metadata: Record<string, unknown>): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(metadata)) {
    const clean = sanitizeValue(value);
    if (clean !== undefined) result[key] = clean;
  }
  return result;
}

function sanitizeValue(value: unknown): JsonValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) {
    return value.map(sanitizeValue).filter((v): v is JsonValue => v !== undefined);
  }
  if (typeof value === 'object') return sanitizeMetadata(value as Record<string, unknown>);
  return undefined;
}
