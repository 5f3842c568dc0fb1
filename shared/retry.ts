/**
 * Bounded retries with exponential backoff and full jitter, shared by the object store and the MLflow client:
 * bounded both in attempts and in total time (a hard deadline: an attempt still waiting when it passes is
 * abandoned and its request aborted), and honouring a server's requested wait (Retry-After).
 */

/** How often and how patiently to retry one operation. */
export interface RetryPolicy {
  /** Retries after the first attempt (so at most `retries + 1` attempts). @default 4 */
  retries: number;
  /** Delay before the first retry, in milliseconds; it doubles with each further retry. @default 250 */
  baseDelayMs: number;
  /** Upper bound of one delay, in milliseconds (before jitter). @default 10_000 */
  maxDelayMs: number;
  /** Random extra delay drawn uniformly from [0, jitterMs) and added to each delay, so that clients retrying together spread out. @default 250 */
  jitterMs: number;
  /**
   * Time budget of the whole operation in milliseconds: no retry starts once it would end after this, and an
   * attempt still running when it passes is aborted (its signal fires) and the operation fails. @default 60_000
   */
  deadlineMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  retries: 4,
  baseDelayMs: 250,
  maxDelayMs: 10_000,
  jitterMs: 250,
  deadlineMs: 60_000,
};

/** What a failed attempt means for the next one. */
export interface Verdict {
  /** Whether trying again may succeed (a network fault, a 503) or cannot (a 404, a validation error). */
  retryable: boolean;
  /** A wait the server asked for (Retry-After), in milliseconds; replaces the computed backoff. */
  retryAfterMs?: number;
}

/** How an operation ended, handed to `giveUp` to build the error the caller throws. */
export interface RetryStats {
  attempts: number;
  elapsedMs: number;
  /** Why no further attempt was made. */
  reason: 'not retryable' | 'retries exhausted' | 'deadline reached';
}

export interface RetryOptions {
  policy: RetryPolicy;
  /** Classifies the error of one attempt. */
  classify: (error: unknown) => Verdict;
  /** Builds the error thrown after the last attempt. */
  giveUp: (error: unknown, stats: RetryStats) => Error;
  /** Called before each retry sleeps; for logging. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /**
   * Called before a retry of an operation that may have taken effect although its reply was lost; a value
   * other than `undefined` is taken as the operation's result instead of retrying it (e.g. the run found by
   * its client request id, so no duplicate run is created).
   */
  recover?: () => Promise<unknown>;
}

/** The operation's time budget ran out while an attempt was still waiting for an answer. */
export class DeadlineExceededError extends Error {
  override name = 'DeadlineExceededError';
  readonly deadlineMs: number;

  constructor(deadlineMs: number) {
    super(`no answer within the operation deadline of ${formatDuration(deadlineMs)}`);
    this.deadlineMs = deadlineMs;
  }
}

/**
 * Runs `operation` until it succeeds, fails for good, or the policy's attempts or time run out. Each attempt
 * gets a signal that fires when the deadline passes, to abort its request; the caller's `giveUp` then receives
 * a DeadlineExceededError with reason "deadline reached".
 */
export async function withRetries<T>(operation: (attempt: number, signal: AbortSignal) => Promise<T>, options: RetryOptions): Promise<T> {
  const { policy, classify, giveUp } = options;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await withinDeadline(policy.deadlineMs - (Date.now() - started), policy.deadlineMs, async (signal) => {
        if (attempt > 1 && options.recover) {
          const recovered = await options.recover();
          if (recovered !== undefined) return recovered as T;
        }
        return operation(attempt, signal);
      });
    } catch (error) {
      const elapsedMs = Date.now() - started;
      if (error instanceof DeadlineExceededError) throw giveUp(error, { attempts: attempt, elapsedMs, reason: 'deadline reached' });
      const verdict = classify(error);
      if (!verdict.retryable) throw giveUp(error, { attempts: attempt, elapsedMs, reason: 'not retryable' });
      if (attempt > policy.retries) throw giveUp(error, { attempts: attempt, elapsedMs, reason: 'retries exhausted' });
      const delayMs = verdict.retryAfterMs ?? backoffDelay(attempt, policy);
      if (elapsedMs + delayMs > policy.deadlineMs) {
        throw giveUp(error, { attempts: attempt, elapsedMs, reason: 'deadline reached' });
      }
      options.onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}

/** Runs `run`, rejecting with DeadlineExceededError (and aborting the signal it gave `run`) after `remainingMs`. */
async function withinDeadline<T>(remainingMs: number, deadlineMs: number, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new DeadlineExceededError(deadlineMs);
      controller.abort(error);
      reject(error);
    }, Math.max(0, remainingMs));
  });
  try {
    return await Promise.race([run(controller.signal), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** The wait before retry number `retry` (1-based): base·2^(retry−1), capped, plus jitter. */
export function backoffDelay(retry: number, policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs' | 'jitterMs'>): number {
  const exponential = Math.min(policy.baseDelayMs * 2 ** (retry - 1), policy.maxDelayMs);
  return Math.round(exponential + Math.random() * policy.jitterMs);
}

/**
 * A Retry-After header as milliseconds to wait: delta-seconds or an HTTP date (RFC 9110 §10.2.3);
 * `undefined` when absent or unreadable.
 */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Node's network error codes that mean "the request did not get an answer" and may work a moment later. */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/** The network error code of `error` or of any error in its `cause` chain, if it is one. */
export function networkErrorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code)) return code;
    if (current instanceof AggregateError) {
      for (const inner of current.errors) {
        const innerCode = networkErrorCode(inner);
        if (innerCode) return innerCode;
      }
    }
    current = (current as { cause?: unknown }).cause;
  }
  if (error instanceof Error && /socket hang up|other side closed/i.test(error.message)) return 'ECONNRESET';
  return undefined;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Milliseconds as a short human reading: "850 ms", "3.2 s". */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}
