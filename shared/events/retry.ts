/**
 * How an event service waits between tries: capped exponential backoff with jitter, sleeps that a shutdown
 * cuts short, and RetryLaterError for work that is not failing but must wait its turn (another consumer
 * holds the claim), which is retried without using up the message's bounded attempts.
 */
import { FltsError } from '../errors.js';
import { backoffDelay } from '../retry.js';

/** Thrown by a handler whose message cannot be taken yet; the service tries again after `retryAfterMs`. */
export class RetryLaterError extends FltsError {
  override name = 'RetryLaterError';
  readonly retryAfterMs: number;

  constructor(message: string, retryAfterMs: number) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

/** Bounded retries of a failing handler before its message goes to the DLQ. */
export interface RetryPolicy {
  /** Tries in all, the first included (upstream's FAILURE_MAX_RETRIES). @default 3 */
  attempts: number;
  /** Wait after the first failure, in milliseconds; doubles each time. @default 500 */
  initialDelayMs: number;
  /** Longest wait, in milliseconds. @default 10_000 */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, initialDelayMs: 500, maxDelayMs: 10_000 };

/** Delay before try `attempt + 1`: the project's backoff (shared/retry.ts), initial·2^(attempt−1) capped, plus up to 20 % of the initial delay as jitter. */
export function backoffMs(policy: RetryPolicy, attempt: number): number {
  return backoffDelay(Math.max(1, attempt), { baseDelayMs: policy.initialDelayMs, maxDelayMs: policy.maxDelayMs, jitterMs: policy.initialDelayMs * 0.2 });
}

/** Resolves after `ms`, or at once (false) when `signal` aborts. True when the full time passed. */
export function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
