/**
 * Dynamic batching with back-pressure: concurrent requests wait in one bounded queue and are forecast together,
 * up to `maxBatchSize` per forward pass, at most `maxConcurrency` batches at a time. An idle model waits at most
 * `batchWaitMs` after the oldest request arrived for others to join; requests that arrive while batches run
 * simply make the next batch larger. A full queue refuses new requests at once (429 with a Retry-After from the
 * measured batch time); a request not answered within `deadlineMs` of its arrival gets 504: if it is still
 * queued it is dropped, and a running batch whose every request has passed its deadline stops at its next
 * round, so that no work is spent on answers no one waits for.
 *
 * A request is forecast by the model it was validated against: a batch only takes requests of one model, so
 * that after a model swap the queued requests of the old model finish on it. `done` tells the caller when a
 * request has left the system (answered, or dropped from the queue) and the model it holds may be released.
 */
import { DeadlineError, OverloadedError } from './errors.js';
import type { ForecastAnswer, ForecastRequest } from './model.js';

export interface BatchLimits {
  maxBatchSize: number;
  batchWaitMs: number;
  maxConcurrency: number;
  maxQueue: number;
  deadlineMs: number;
}

/** Anything that forecasts a batch: a served model. */
export interface BatchModel {
  forecast(requests: readonly ForecastRequest[], options?: { cancelled?: () => boolean }): Promise<ForecastAnswer[]>;
}

interface Job {
  model: BatchModel;
  request: ForecastRequest;
  arrived: number;
  settled: boolean;
  timer: NodeJS.Timeout;
  resolve(answer: ForecastAnswer): void;
  reject(error: unknown): void;
  done(): void;
}

export interface BatchObserver {
  /** A batch of `size` requests took `seconds`. */
  batch?(size: number, seconds: number): void;
}

export class Batcher {
  readonly limits: BatchLimits;
  readonly #queue: Job[] = [];
  readonly #observer: BatchObserver;
  #running = 0;
  #wakeUp: NodeJS.Timeout | undefined;
  /** Moving average of a batch's duration, for Retry-After. */
  #batchMs = 5;

  constructor(limits: BatchLimits, observer: BatchObserver = {}) {
    this.limits = limits;
    this.#observer = observer;
  }

  /** Requests waiting for a batch. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Batches being forecast now. */
  get running(): number {
    return this.#running;
  }

  /**
   * The forecast of `request` by `model`. Throws OverloadedError at once when the queue is full; rejects with
   * DeadlineError past the deadline. `done` runs exactly once, when the model is no longer needed for it.
   */
  submit(model: BatchModel, request: ForecastRequest, done: () => void = () => undefined): Promise<ForecastAnswer> {
    if (this.#queue.length >= this.limits.maxQueue) throw new OverloadedError(this.#queue.length, this.retryAfterSeconds());
    return new Promise<ForecastAnswer>((resolve, reject) => {
      const job: Job = {
        model,
        request,
        arrived: performance.now(),
        settled: false,
        timer: setTimeout(() => this.#expire(job), this.limits.deadlineMs),
        resolve: (answer) => settle(job, () => resolve(answer)),
        reject: (error) => settle(job, () => reject(error)),
        done: once(done),
      };
      this.#queue.push(job);
      this.#pump();
    });
  }

  /** Seconds a refused client should wait: the time to drain the queue at the measured batch rate, at least 1. */
  retryAfterSeconds(): number {
    const batches = Math.ceil(this.#queue.length / this.limits.maxBatchSize) / this.limits.maxConcurrency;
    return Math.max(1, Math.ceil((batches * this.#batchMs) / 1000));
  }

  #expire(job: Job): void {
    const at = this.#queue.indexOf(job);
    if (at >= 0) {
      this.#queue.splice(at, 1);
      job.done();
    }
    job.reject(new DeadlineError(this.limits.deadlineMs));
  }

  #pump(): void {
    while (this.#running < this.limits.maxConcurrency && this.#queue.length > 0) {
      const oldest = this.#queue[0]!;
      const waited = performance.now() - oldest.arrived;
      if (this.#queue.length < this.limits.maxBatchSize && waited < this.limits.batchWaitMs && this.#running === 0) {
        this.#wakeUp ??= setTimeout(() => {
          this.#wakeUp = undefined;
          this.#pump();
        }, Math.ceil(this.limits.batchWaitMs - waited));
        return;
      }
      void this.#run(this.#take(oldest.model));
    }
  }

  /** Up to maxBatchSize queued jobs of `model`, oldest first, removed from the queue. */
  #take(model: BatchModel): Job[] {
    const batch: Job[] = [];
    for (let i = 0; i < this.#queue.length && batch.length < this.limits.maxBatchSize; ) {
      if (this.#queue[i]!.model === model) batch.push(...this.#queue.splice(i, 1));
      else i++;
    }
    return batch;
  }

  async #run(batch: Job[]): Promise<void> {
    this.#running++;
    const started = performance.now();
    try {
      // A batch whose every request passed its deadline stops early: no one is waiting for it.
      const cancelled = () => batch.every((job) => job.settled);
      const answers = await batch[0]!.model.forecast(
        batch.map((job) => job.request),
        { cancelled },
      );
      batch.forEach((job, i) => job.resolve(answers[i]!));
    } catch (error) {
      for (const job of batch) job.reject(error);
    } finally {
      const ms = performance.now() - started;
      this.#batchMs = 0.8 * this.#batchMs + 0.2 * ms;
      this.#observer.batch?.(batch.length, ms / 1000);
      for (const job of batch) job.done();
      this.#running--;
      this.#pump();
    }
  }
}

function settle(job: Job, action: () => void): void {
  if (job.settled) return;
  job.settled = true;
  clearTimeout(job.timer);
  action();
}

function once(fn: () => void): () => void {
  let called = false;
  return () => {
    if (called) return;
    called = true;
    fn();
  };
}
