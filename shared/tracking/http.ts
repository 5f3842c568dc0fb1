/**
 * HTTP transport to an MLflow server: JSON calls to `/api/2.0/mlflow/*` and raw artifact requests, with the
 * auth header, a per-request timeout, and retries with exponential backoff and jitter on 408/429/5xx and
 * network faults — bounded in attempts and in time, honouring Retry-After, never retrying a 500 whose error
 * code says the request itself is wrong. Failures become a TrackingError naming server, method and call.
 */
import { TrackingError } from '../errors.js';
import { DeadlineExceededError, formatDuration, networkErrorCode, parseRetryAfter, withRetries, type RetryStats, type Verdict } from '../retry.js';
import type { HttpSettings } from './config.js';

/** A request body fetch accepts (Node's global fetch; the DOM lib is not loaded). */
export type RequestBody = NonNullable<RequestInit['body']>;

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT';
export type QueryValue = string | number | boolean | readonly string[] | undefined;

export interface CallOptions {
  /** GET parameters; arrays repeat the key (`stages=A&stages=B`), as MLflow expects. */
  query?: Record<string, QueryValue>;
  /** JSON body (POST/PATCH/DELETE). Non-finite numbers are sent as "NaN"/"Infinity"/"-Infinity". */
  body?: unknown;
  /**
   * For calls that are not idempotent (run creation): run before each retry; a value other than `undefined`
   * means the earlier attempt took effect and is returned instead of trying again.
   */
  recover?: () => Promise<unknown>;
  /** One attempt only (for lookups made inside another call's retry loop). @default false */
  once?: boolean;
}

export interface RawRequest {
  /** A fresh body for each attempt (a stream cannot be replayed). */
  body?: () => RequestBody;
  headers?: Record<string, string>;
  /** What the request does, for messages, e.g. "upload artifact model/MLmodel". */
  label: string;
}

/** Receives one line per retry; the fields never hold credentials (the server's reply, a status, a network code). */
export type RetryWarning = (message: string, fields: Record<string, string | number>) => void;

/** HTTP statuses worth another attempt (MLflow's `_TRANSIENT_FAILURE_RESPONSE_CODES`). */
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/**
 * MLflow error codes that make a 500 deterministic: the same request fails the same way again. (MLflow maps
 * INVALID_STATE and a few others to 500, and its Python client retries them anyway — wastefully.)
 */
const DETERMINISTIC_ERROR_CODES = new Set([
  'INVALID_STATE',
  'INVALID_PARAMETER_VALUE',
  'RESOURCE_DOES_NOT_EXIST',
  'RESOURCE_ALREADY_EXISTS',
  'BAD_REQUEST',
  'DATA_LOSS',
  'MALFORMED_REQUEST',
  'PERMISSION_DENIED',
  'NOT_IMPLEMENTED',
]);

/** One failed attempt: the reply (or lack of one) as data, classified and reported by the retry loop. */
class AttemptFailure extends Error {
  constructor(
    readonly status: number | undefined,
    readonly errorCode: string | undefined,
    readonly detail: string,
    readonly retryAfterMs: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
  }
}

export class MlflowHttp {
  readonly #settings: HttpSettings;

  readonly #warn: RetryWarning | undefined;

  /** @param warn told about each retry (call, attempt, wait, reason), e.g. a component's `logger.warn`. */
  constructor(settings: HttpSettings, warn?: RetryWarning) {
    this.#settings = settings;
    this.#warn = warn;
  }

  /** The server's base URL (no credentials), for messages. */
  get server(): string {
    return this.#settings.baseUrl;
  }

  /** Calls REST endpoint `path` (relative to `/api/2.0/mlflow/`) and returns its JSON reply. */
  async call<T>(method: HttpMethod, path: string, options: CallOptions = {}): Promise<T> {
    const url = `${this.#settings.baseUrl}/api/2.0/mlflow/${path}${queryString(options.query)}`;
    const body = options.body === undefined ? undefined : encodeJson(options.body);
    const response = await this.#withRetries(`${method} ${path}`, options, async (signal) => {
      const reply = await this.#fetch(method, url, body === undefined ? undefined : () => body, {
        ...(body !== undefined && { 'Content-Type': 'application/json' }),
      }, signal);
      return parseJson(await reply.text());
    });
    return response as T;
  }

  /** A raw request to a URL on this server (artifact upload and download); the response is checked for success. */
  async send(method: HttpMethod, url: string, request: RawRequest): Promise<Response> {
    return this.#withRetries(`${method} ${request.label}`, {}, (signal) =>
      this.#fetch(method, url, request.body, request.headers ?? {}, signal),
    );
  }

  /**
   * One attempt: fetch with auth, the per-request timeout and the operation's deadline (`signal`); a non-2xx
   * reply becomes an AttemptFailure.
   */
  async #fetch(
    method: HttpMethod,
    url: string,
    body: (() => RequestBody) | undefined,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<Response> {
    let response: Response;
    try {
      const init: RequestInit & { duplex?: 'half' } = {
        method,
        headers: {
          ...this.#settings.headers,
          ...headers,
          ...(this.#settings.authorization !== undefined && { Authorization: this.#settings.authorization }),
        },
        signal: AbortSignal.any([AbortSignal.timeout(this.#settings.timeoutMs), signal]),
      };
      if (body) {
        init.body = body();
        init.duplex = 'half';
      }
      response = await fetch(url, init);
    } catch (cause) {
      const network = networkErrorCode(cause);
      const detail = isTimeout(cause)
        ? `no reply within ${formatDuration(this.#settings.timeoutMs)} (MLFLOW_HTTP_REQUEST_TIMEOUT)`
        : `cannot connect (${network ?? (cause as Error).message})`;
      throw new AttemptFailure(undefined, undefined, detail, undefined, { cause });
    }
    if (response.ok) return response;
    const text = await response.text().catch(() => '');
    const json = parseJsonOrUndefined(text) as { error_code?: unknown; message?: unknown } | undefined;
    const errorCode = typeof json?.error_code === 'string' ? json.error_code : undefined;
    const message = typeof json?.message === 'string' ? json.message : excerpt(text);
    const detail = `${response.status} ${errorCode ?? response.statusText}${message ? `: ${message}` : ''}`;
    throw new AttemptFailure(response.status, errorCode, detail, parseRetryAfter(response.headers.get('retry-after')));
  }

  #withRetries<T>(call: string, options: Pick<CallOptions, 'recover' | 'once'>, attempt: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const { recover, once } = options;
    return withRetries((_attempt, signal) => attempt(signal), {
      policy: once ? { ...this.#settings.retry, retries: 0 } : this.#settings.retry,
      classify,
      giveUp: (error, stats) => this.#trackingError(call, error, stats),
      onRetry: (error, attempt, delayMs) =>
        this.#warn?.(`MLflow ${call} at ${this.server} failed; retrying`, {
          attempt,
          wait_ms: delayMs,
          reason: error instanceof AttemptFailure ? error.detail.slice(0, 120) : String(error),
        }),
      ...(recover && { recover }),
    });
  }

  #trackingError(call: string, error: unknown, stats: RetryStats): Error {
    if (error instanceof TrackingError) return error;
    const failure = error instanceof AttemptFailure ? error : undefined;
    const detail =
      error instanceof DeadlineExceededError
        ? `${error.message} (FLTS_MLFLOW_RETRY_DEADLINE; each request at most ${formatDuration(this.#settings.timeoutMs)}, MLFLOW_HTTP_REQUEST_TIMEOUT)`
        : failure?.detail ?? (error as Error)?.message ?? String(error);
    const tries =
      stats.attempts > 1 || stats.reason === 'deadline reached'
        ? ` (gave up after ${stats.attempts} attempt${stats.attempts > 1 ? 's' : ''} in ${formatDuration(stats.elapsedMs)}${
            stats.reason === 'deadline reached' ? ', retry deadline reached' : ''
          })`
        : '';
    const hint =
      failure?.status === 401
        ? ' Check MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN.'
        : failure?.status === 403
          ? ' The credentials lack permission for this call (or the server rejects this Host; see --allowed-hosts).'
          : '';
    const text = `${detail.replace(/[.\s]+$/, '')}${tries}`;
    return new TrackingError(`MLflow ${call} at ${this.server} failed: ${text}.${hint}`, {
      cause: failure?.cause ?? error,
      ...(failure?.status !== undefined && { status: failure.status }),
      ...(failure?.errorCode !== undefined && { errorCode: failure.errorCode }),
    });
  }
}

function classify(error: unknown): Verdict {
  if (!(error instanceof AttemptFailure)) return { retryable: false };
  if (error.status !== undefined && !isRetryableReply(error.status, error.errorCode)) return { retryable: false };
  return error.retryAfterMs === undefined ? { retryable: true } : { retryable: true, retryAfterMs: error.retryAfterMs };
}

/** Whether an HTTP error reply is worth another attempt: 408, 429 and 5xx gateway/overload statuses, and a 500 unless its MLflow error code says the request itself is wrong. */
export function isRetryableReply(status: number, errorCode: string | undefined): boolean {
  if (!TRANSIENT_STATUSES.has(status)) return false;
  return !(status === 500 && errorCode !== undefined && DETERMINISTIC_ERROR_CODES.has(errorCode));
}

/** JSON with non-finite numbers as the strings protobuf's JSON parser accepts for doubles. */
export function encodeJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (typeof inner !== 'number' || Number.isFinite(inner)) return inner;
    if (Number.isNaN(inner)) return 'NaN';
    return inner > 0 ? 'Infinity' : '-Infinity';
  });
}

/** A number MLflow sent, where non-finite values arrive as strings. */
export function decodeDouble(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  return Number(value);
}

function queryString(query: CallOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, item);
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return {};
  const parsed = parseJsonOrUndefined(text);
  if (parsed === undefined) throw new AttemptFailure(200, undefined, `the reply is not JSON: ${excerpt(text)}`, undefined);
  return parsed;
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The start of a reply body on one line, for messages (HTML error pages can be long). */
function excerpt(text: string): string {
  const flat = text.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}
