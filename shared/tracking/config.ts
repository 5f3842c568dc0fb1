/**
 * MLflow client settings from the environment, read once per tracker: the tracking URI, credentials, and the
 * retry and timeout policy of MLflow's own Python client (reference/mlflow.md §1.4, §2.1, §9).
 *
 * | variable | meaning |
 * | --- | --- |
 * | `MLFLOW_TRACKING_URI` | `http(s)://host[:port][/prefix]` → the REST client; anything else (a path, `file://`) or empty → offline `mlruns/` directory (default `./mlruns`) |
 * | `MLFLOW_TRACKING_USERNAME` + `MLFLOW_TRACKING_PASSWORD` | HTTP Basic auth; wins over the token, as in MLflow's Python client |
 * | `MLFLOW_TRACKING_TOKEN` | `Authorization: Bearer <token>` |
 * | `MLFLOW_WORKSPACE` | sent as `X-MLFLOW-WORKSPACE` (Kubeflow's multi-tenant MLflow) |
 * | `MLFLOW_HTTP_REQUEST_MAX_RETRIES` | retries after the first attempt (default 7, at most 10) |
 * | `MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR` | seconds; the n-th retry waits factor·2^(n−1), capped at 120 s (default 2) |
 * | `MLFLOW_HTTP_REQUEST_BACKOFF_JITTER` | seconds of uniform random extra wait (default 1.0) |
 * | `MLFLOW_HTTP_REQUEST_TIMEOUT` | seconds one request may take (default 120) |
 * | `FLTS_MLFLOW_RETRY_DEADLINE` | seconds all attempts of one call may take together, the attempt under way included (0.1–86400, default 300) |
 * | `MLFLOW_S3_ENDPOINT_URL` + `AWS_*` | S3 access for runs whose artifact URI is `s3://` (see shared/store) |
 */
import { numberFromEnv } from '../env.js';
import { TrackingError } from '../errors.js';
import type { RetryPolicy } from '../retry.js';

/** How to reach an MLflow server over HTTP. */
export interface HttpSettings {
  /** Base URL without credentials or trailing "/", e.g. `http://mlflow:5000/prefix`. */
  baseUrl: string;
  /** The `Authorization` header value, if any. Never logged. */
  authorization: string | undefined;
  /** Extra headers (workspace). */
  headers: Record<string, string>;
  /** Per-request timeout in milliseconds. @default 120_000 */
  timeoutMs: number;
  retry: RetryPolicy;
}

/** Retries of MLflow's Python client, in milliseconds, plus our overall deadline. */
const DEFAULTS = { retries: 7, backoffFactorS: 2, jitterS: 1, timeoutS: 120, deadlineS: 300 };
const MAX_RETRIES_LIMIT = 10;
const MAX_BACKOFF_MS = 120_000;

/** The tracking URI to use: the explicit one, else MLFLOW_TRACKING_URI, else empty (offline). */
export function trackingUriFrom(explicit: string | undefined, env: NodeJS.ProcessEnv): string {
  return (explicit && explicit.trim()) || env['MLFLOW_TRACKING_URI']?.trim() || '';
}

export function isHttpUri(uri: string): boolean {
  return /^https?:\/\//i.test(uri);
}

/** HTTP settings for `trackingUri` (an http(s) URI) from `env`. Credentials in the URI's user-info are used, then dropped from it. */
export function httpSettings(trackingUri: string, env: NodeJS.ProcessEnv): HttpSettings {
  let url: URL;
  try {
    url = new URL(trackingUri);
  } catch {
    throw new TrackingError(`The tracking URI "${redactUri(trackingUri)}" is not a valid URL.`);
  }
  const uriUser = decodeURIComponent(url.username);
  const uriPassword = decodeURIComponent(url.password);
  url.username = '';
  url.password = '';
  const baseUrl = `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  const timeoutS = numberVariable(env, 'MLFLOW_HTTP_REQUEST_TIMEOUT', DEFAULTS.timeoutS, 0.001, 3600);
  const factorS = numberVariable(env, 'MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR', DEFAULTS.backoffFactorS, 0, 120);
  return {
    baseUrl,
    authorization: authorizationHeader(env, uriUser, uriPassword),
    headers: env['MLFLOW_WORKSPACE'] ? { 'X-MLFLOW-WORKSPACE': env['MLFLOW_WORKSPACE'] } : {},
    timeoutMs: timeoutS * 1000,
    retry: {
      retries: Math.floor(numberVariable(env, 'MLFLOW_HTTP_REQUEST_MAX_RETRIES', DEFAULTS.retries, 0, MAX_RETRIES_LIMIT)),
      baseDelayMs: factorS * 1000,
      maxDelayMs: MAX_BACKOFF_MS,
      jitterMs: numberVariable(env, 'MLFLOW_HTTP_REQUEST_BACKOFF_JITTER', DEFAULTS.jitterS, 0, 120) * 1000,
      // At least 0.1 s: the deadline also ends the attempt under way, so 0 would fail every call.
      deadlineMs: numberVariable(env, 'FLTS_MLFLOW_RETRY_DEADLINE', DEFAULTS.deadlineS, 0.1, 86_400) * 1000,
    },
  };
}

/**
 * Basic auth when both username and password are set (environment first, then the URI's user-info), else a
 * Bearer token — the precedence of MLflow's Python client (`get_default_host_creds`).
 */
function authorizationHeader(env: NodeJS.ProcessEnv, uriUser: string, uriPassword: string): string | undefined {
  const user = env['MLFLOW_TRACKING_USERNAME'] || uriUser;
  const password = env['MLFLOW_TRACKING_PASSWORD'] || uriPassword;
  if (user && password) return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const token = env['MLFLOW_TRACKING_TOKEN'];
  return token ? `Bearer ${token}` : undefined;
}

function numberVariable(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  return numberFromEnv(env, name, { fallback, min, max }, (message) => new TrackingError(message));
}

/** A URI safe to print: user-info replaced by `***`. */
export function redactUri(uri: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@');
}
