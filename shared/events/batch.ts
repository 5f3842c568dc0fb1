/**
 * Micro-batching for inference: collect items until `maxSize` of them are waiting or `maxWaitMs` has passed
 * since the first, then hand them over in one call (upstream's BATCH_SIZE=32, BATCH_TIMEOUT_MS=25), so that
 * one model call serves many claims. Each `add` resolves with its own item's result.
 */

export interface MicroBatchOptions<I, O> {
  /** Largest batch. @default 32 */
  maxSize?: number;
  /** Longest time the first item of a batch waits for company, in milliseconds. @default 25 */
  maxWaitMs?: number;
  /** Processes one batch; returns one result per item, in order. */
  run: (items: I[]) => Promise<O[]>;
}

export class MicroBatcher<I, O> {
  readonly #maxSize: number;
  readonly #maxWaitMs: number;
  readonly #run: (items: I[]) => Promise<O[]>;
  #pending: { item: I; resolve: (value: O) => void; reject: (error: unknown) => void }[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(options: MicroBatchOptions<I, O>) {
    this.#maxSize = options.maxSize ?? 32;
    this.#maxWaitMs = options.maxWaitMs ?? 25;
    this.#run = options.run;
    if (!Number.isInteger(this.#maxSize) || this.#maxSize < 1) throw new RangeError(`maxSize must be a positive integer; got ${this.#maxSize}.`);
  }

  /** Queues `item`; resolves with its result once its batch has run, or rejects with the batch's error. */
  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#pending.push({ item, resolve, reject });
      if (this.#pending.length >= this.#maxSize) this.flush();
      else this.#timer ??= setTimeout(() => this.flush(), this.#maxWaitMs);
    });
  }

  /** Runs what is waiting now, without waiting for more. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending;
    this.#pending = [];
    if (batch.length === 0) return;
    this.#run(batch.map((p) => p.item)).then(
      (results) => {
        if (results.length !== batch.length) {
          const error = new Error(`Batch function returned ${results.length} results for ${batch.length} items.`);
          for (const p of batch) p.reject(error);
          return;
        }
        batch.forEach((p, i) => p.resolve(results[i]!));
      },
      (error: unknown) => {
        for (const p of batch) p.reject(error);
      },
    );
  }
}
