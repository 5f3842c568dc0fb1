/**
 * S3/MinIO connection settings read from the environment. Credentials only ever come from here (or from
 * explicit options) and are never put into messages.
 *
 * | variable | meaning |
 * | --- | --- |
 * | `MINIO_ENDPOINT` | `host:port` or `http(s)://host:port` of the MinIO/S3 server; wins over the next ones |
 * | `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL` | endpoint URL, as the AWS SDKs read it |
 * | `MLFLOW_S3_ENDPOINT_URL` | last fallback, so a component given only MLflow's S3 settings reaches the same MinIO |
 * | `MINIO_SECURE` | `true`/`false`/`1`/`0`: TLS for a bare `host:port` endpoint (default false: in-cluster MinIO); a URL's scheme decides otherwise |
 * | `AWS_ACCESS_KEY_ID` (or `MINIO_ACCESS_KEY`, `MINIO_ROOT_USER`) | access key |
 * | `AWS_SECRET_ACCESS_KEY` (or `MINIO_SECRET_KEY`, `MINIO_ROOT_PASSWORD`) | secret key |
 * | `AWS_SESSION_TOKEN` | optional session token |
 * | `MINIO_REGION`, `AWS_REGION`, `AWS_DEFAULT_REGION` | region for request signing (default `us-east-1`; MinIO ignores it) |
 * | `MINIO_INSECURE_TLS` | `true` to skip TLS certificate checks (self-signed test clusters only) |
 * | `AWS_CA_BUNDLE` | PEM file of extra CA certificates to trust |
 * | `FLTS_S3_PART_SIZE_MB` | multipart part size in MiB (5–5120, default 16): the most memory one upload buffers |
 * | `FLTS_S3_REQUEST_TIMEOUT` | seconds one request may go without any bytes arriving before it is abandoned and retried (0.1–3600, default 30) |
 * | `FLTS_S3_DEADLINE` | seconds one operation (all attempts of one request, or one whole download) may take (0.1–86400, default 300) |
 *
 * Without any endpoint variable, `s3://` URIs go to AWS S3 itself (`s3.amazonaws.com`, TLS), and `minio://` URIs
 * are refused at once (`requireObjectEndpoint`): a MinIO server has no default address.
 */
import { readFileSync } from 'node:fs';
import { numberFromEnv } from '../env.js';
import { StorageError } from '../errors.js';

export interface S3Config {
  /** Host name or IP, without scheme or port. */
  host: string;
  port: number | undefined;
  useSSL: boolean;
  accessKey: string | undefined;
  secretKey: string | undefined;
  sessionToken: string | undefined;
  /** @default "us-east-1" */
  region: string;
  /** Skip TLS certificate verification. @default false */
  insecureTls: boolean;
  /** Extra trusted CA certificates (PEM text). */
  caBundle: string | undefined;
  /** Multipart part size in bytes: objects larger than this are uploaded in parts of this size. @default 16 MiB */
  partSize: number;
  /** True when an endpoint was configured (else AWS S3 is assumed). */
  endpointConfigured: boolean;
  /** Milliseconds a request may go without receiving a byte before it is aborted (and retried). @default 30_000 */
  requestTimeoutMs: number;
  /** Milliseconds one operation may take with all its retries; then it fails naming the endpoint. @default 300_000 */
  deadlineMs: number;
}

const MIB = 1024 * 1024;

/** The S3 settings from `env`, with `overrides` applied on top. */
export function s3ConfigFromEnv(env: NodeJS.ProcessEnv = process.env, overrides: Partial<S3Config> = {}): S3Config {
  const endpoint = first(env, 'MINIO_ENDPOINT', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL', 'MLFLOW_S3_ENDPOINT_URL');
  const secureDefault = booleanVariable(env, 'MINIO_SECURE') ?? false;
  const parsed = endpoint ? parseEndpoint(endpoint, secureDefault) : { host: 's3.amazonaws.com', port: undefined, useSSL: true };
  const caFile = env['AWS_CA_BUNDLE'];
  const partSizeMb = env['FLTS_S3_PART_SIZE_MB'] ? Number(env['FLTS_S3_PART_SIZE_MB']) : 16;
  if (!Number.isFinite(partSizeMb) || partSizeMb < 5 || partSizeMb > 5120) {
    throw new StorageError('', `FLTS_S3_PART_SIZE_MB must be a number of MiB from 5 to 5120; got "${env['FLTS_S3_PART_SIZE_MB']}".`);
  }
  return {
    ...parsed,
    accessKey: first(env, 'AWS_ACCESS_KEY_ID', 'MINIO_ACCESS_KEY', 'MINIO_ROOT_USER'),
    secretKey: first(env, 'AWS_SECRET_ACCESS_KEY', 'MINIO_SECRET_KEY', 'MINIO_ROOT_PASSWORD'),
    sessionToken: first(env, 'AWS_SESSION_TOKEN'),
    region: first(env, 'MINIO_REGION', 'AWS_REGION', 'AWS_DEFAULT_REGION') ?? 'us-east-1',
    insecureTls: booleanVariable(env, 'MINIO_INSECURE_TLS') ?? false,
    caBundle: caFile ? readCaBundle(caFile) : undefined,
    partSize: Math.round(partSizeMb * MIB),
    endpointConfigured: endpoint !== undefined,
    requestTimeoutMs: numberFromEnv(env, 'FLTS_S3_REQUEST_TIMEOUT', { fallback: 30, min: 0.1, max: 3600, unit: 'seconds' }, storageError) * 1000,
    deadlineMs: numberFromEnv(env, 'FLTS_S3_DEADLINE', { fallback: 300, min: 0.1, max: 86_400, unit: 'seconds' }, storageError) * 1000,
    ...overrides,
  };
}

/**
 * Throws a StorageError, before any request, when `uri` (a `minio://` URI) has no endpoint to go to: without
 * one the client would fall back to AWS S3, which is never where a `minio://` object lives.
 */
export function requireObjectEndpoint(scheme: 's3' | 'minio', uri: string, config: Pick<S3Config, 'endpointConfigured'>): void {
  if (scheme !== 'minio' || config.endpointConfigured) return;
  throw new StorageError(
    uri,
    `${uri} is on a MinIO server, but no endpoint is configured: set MINIO_ENDPOINT (host:port or http(s)://host:port; ` +
      'AWS_ENDPOINT_URL works too) and the credentials AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ' +
      '(or MINIO_ACCESS_KEY and MINIO_SECRET_KEY), or use a local path instead.',
  );
}

/** `host:port`, `http://host:port` or `https://host` as host, port and TLS. */
export function parseEndpoint(endpoint: string, secureDefault: boolean): Pick<S3Config, 'host' | 'port' | 'useSSL'> {
  const withScheme = /^[a-z]+:\/\//i.test(endpoint) ? endpoint : `${secureDefault ? 'https' : 'http'}://${endpoint}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new StorageError(endpoint, `The S3 endpoint "${redactEndpoint(endpoint)}" is not a host:port or an http(s) URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new StorageError(endpoint, `The S3 endpoint must use http or https; got "${url.protocol}//".`);
  }
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : undefined,
    useSSL: url.protocol === 'https:',
  };
}

/** The endpoint as it may appear in a message: scheme, host and port, never user info. */
export function endpointLabel(config: Pick<S3Config, 'host' | 'port' | 'useSSL'>): string {
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  return `${config.useSSL ? 'https' : 'http'}://${host}${config.port ? `:${config.port}` : ''}`;
}

function redactEndpoint(endpoint: string): string {
  return endpoint.replace(/\/\/[^@/]*@/, '//***@');
}

function first(env: NodeJS.ProcessEnv, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

function booleanVariable(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const value = env[name];
  if (value === undefined || value === '') return undefined;
  if (/^(true|1|yes)$/i.test(value)) return true;
  if (/^(false|0|no)$/i.test(value)) return false;
  throw new StorageError('', `${name} must be true or false (or 1/0); got "${value}".`);
}

const storageError = (message: string) => new StorageError('', message);

function readCaBundle(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new StorageError(path, `Cannot read AWS_CA_BUNDLE "${path}": ${(cause as Error).message}`, { cause });
  }
}
