import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffDelay, DeadlineExceededError, networkErrorCode, parseRetryAfter, withRetries, type RetryPolicy, type RetryStats } from '../../shared/retry.js';

const fast: RetryPolicy = { retries: 3, baseDelayMs: 1, maxDelayMs: 5, jitterMs: 0, deadlineMs: 10_000 };

class Transient extends Error {}

function giveUp(error: unknown, stats: RetryStats): Error {
  return new Error(`gave up (${stats.reason}) after ${stats.attempts}: ${(error as Error).message}`);
}

describe('backoffDelay', () => {
  it('doubles from the base delay and stops at the cap', () => {
    const policy = { baseDelayMs: 100, maxDelayMs: 500, jitterMs: 0 };
    assert.deepEqual([1, 2, 3, 4, 5].map((retry) => backoffDelay(retry, policy)), [100, 200, 400, 500, 500]);
  });

  it('adds at most jitterMs of random delay', () => {
    for (let i = 0; i < 50; i++) {
      const delay = backoffDelay(1, { baseDelayMs: 100, maxDelayMs: 1000, jitterMs: 50 });
      assert.ok(delay >= 100 && delay <= 150, `delay ${delay}`);
    }
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds', () => assert.equal(parseRetryAfter('3'), 3000));
  it('reads an HTTP date relative to now', () => {
    const now = Date.parse('2024-06-01T12:00:00Z');
    assert.equal(parseRetryAfter('Sat, 01 Jun 2024 12:00:05 GMT', now), 5000);
  });
  it('ignores an absent or unreadable header', () => {
    assert.equal(parseRetryAfter(null), undefined);
    assert.equal(parseRetryAfter('soon'), undefined);
  });
});

describe('networkErrorCode', () => {
  it('finds the code in the cause chain, as fetch reports it', () => {
    const error = new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
    assert.equal(networkErrorCode(error), 'ECONNREFUSED');
  });
  it('is undefined for errors that are not network faults', () => assert.equal(networkErrorCode(new Error('bad request')), undefined));
});

describe('withRetries', () => {
  const classify = (error: unknown) => ({ retryable: error instanceof Transient });

  it('retries transient failures until the operation succeeds', async () => {
    let calls = 0;
    const result = await withRetries(
      async () => {
        calls += 1;
        if (calls < 3) throw new Transient('busy');
        return 'done';
      },
      { policy: fast, classify, giveUp },
    );
    assert.equal(result, 'done');
    assert.equal(calls, 3);
  });

  it('stops at once on a failure that is not retryable', async () => {
    let calls = 0;
    const failing = () => {
      calls += 1;
      return Promise.reject(new Error('no such key'));
    };
    await assert.rejects(withRetries(failing, { policy: fast, classify, giveUp }), { message: 'gave up (not retryable) after 1: no such key' });
    assert.equal(calls, 1);
  });

  it('makes at most retries + 1 attempts', async () => {
    let calls = 0;
    const failing = () => {
      calls += 1;
      return Promise.reject(new Transient('busy'));
    };
    await assert.rejects(withRetries(failing, { policy: fast, classify, giveUp }), { message: 'gave up (retries exhausted) after 4: busy' });
    assert.equal(calls, 4);
  });

  it('gives up when the next wait would pass the deadline, however many retries are left', async () => {
    // The first retry's 200 ms wait fits the 300 ms budget; the second attempt starts ≥ 200 ms in, so its wait cannot.
    const policy = { ...fast, retries: 10, baseDelayMs: 200, maxDelayMs: 200, deadlineMs: 300 };
    const waits: [number, number][] = [];
    await assert.rejects(
      withRetries(() => Promise.reject(new Transient('busy')), { policy, classify, giveUp, onRetry: (_error, attempt, delayMs) => waits.push([attempt, delayMs]) }),
      { message: 'gave up (deadline reached) after 2: busy' },
    );
    assert.deepEqual(waits, [[1, 200]], 'one retry slept; the wait that would pass the deadline was never started');
  });

  it('abandons an attempt that never answers when the deadline passes, and aborts its signal', async () => {
    const policy = { ...fast, deadlineMs: 150 };
    let aborted: unknown;
    const hanging = (_attempt: number, signal: AbortSignal) =>
      new Promise<never>(() => signal.addEventListener('abort', () => (aborted = signal.reason)));
    await assert.rejects(withRetries(hanging, { policy, classify, giveUp }), { message: 'gave up (deadline reached) after 1: no answer within the operation deadline of 150 ms' });
    assert.ok(aborted instanceof DeadlineExceededError, 'the attempt was told to stop');
  });

  it('waits as long as the server asked instead of its own backoff', async () => {
    let calls = 0;
    const waits: [number, number][] = [];
    await withRetries(
      async () => {
        calls += 1;
        if (calls === 1) throw new Transient('slow down');
      },
      { policy: fast, classify: () => ({ retryable: true, retryAfterMs: 300 }), giveUp, onRetry: (_error, attempt, delayMs) => waits.push([attempt, delayMs]) },
    );
    assert.equal(calls, 2);
    assert.deepEqual(waits, [[1, 300]], 'the 1 ms backoff was replaced by the 300 ms the server asked for');
  });

  it('returns what recover finds instead of repeating an operation that already took effect', async () => {
    let calls = 0;
    const result = await withRetries(
      async () => {
        calls += 1;
        throw new Transient('reply lost');
      },
      { policy: fast, classify, giveUp, recover: async () => (calls > 0 ? 'created earlier' : undefined) },
    );
    assert.equal(result, 'created earlier');
    assert.equal(calls, 1);
  });
});
