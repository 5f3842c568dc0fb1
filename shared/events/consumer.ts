/**
 * A long-running consumer-group service: it takes messages from one topic, hands each to a component's
 * handler, publishes the handler's outbound messages and only then commits the offset (at-least-once; the
 * handler makes redelivery harmless, see idempotency.ts). Failures are retried a bounded number of times and
 * then dead-lettered with the error and the original payload; poison and expired messages are dead-lettered
 * at once. A bounded in-process queue pauses fetching at its high watermark and resumes at its low one.
 * Messages are handled one at a time by default, or in waves of `concurrency` that are committed in order.
 * `stop()` drains: the current message finishes within `drainTimeoutMs` or is abandoned uncommitted.
 *
 * ```ts
 * const service = new EventService({ service: 'train-gru', topic: topics.trainingData, groupId: 'flts-train-gru',
 *   kafka: kafkaSettingsFromEnv('train-gru'), parse: parseTrainingDataClaim, handle: async (m) => [...] });
 * await service.start();
 * ```
 */
import { Consumer, stringDeserializers, type Message, type MessagesStream } from '@platformatic/kafka';
import { messageOf } from '../errors.js';
import { createProducer, type KafkaSettings, type StringProducer } from './client.js';
import { EventLog } from './log.js';
import { deadLetter, MessageShapeError, parseJson } from './messages.js';
import { EventMetrics } from './metrics.js';
import { backoffMs, DEFAULT_RETRY, RetryLaterError, sleep, type RetryPolicy } from './retry.js';
import { dlqTopic } from './topics.js';

/** A message as the handler sees it. */
export interface InboundMessage<T> {
  /** The parsed, validated value. */
  value: T;
  key: string | undefined;
  headers: Record<string, string>;
  topic: string;
  partition: number;
  offset: bigint;
  /** 1 on the first try, 2 on the first retry, … */
  attempt: number;
  /** Aborted when the service must stop before this message is finished; long handlers should give up then. */
  signal: AbortSignal;
  /**
   * Publishes now, before the work is durable: progress for watchers (upstream's "Training Started"), not a
   * result. At least once (a redelivered message announces again); a broker that will not take it within the
   * retry policy is logged, never fails the work.
   */
  announce(messages: OutboundMessage[]): Promise<void>;
}

/** A message the handler wants published once its work is durable. `value` is sent as JSON. */
export interface OutboundMessage {
  topic: string;
  key?: string;
  value: unknown;
  headers?: Record<string, string>;
}

/** The component's part: do the work for one message and say what to publish next. */
export type Handler<T> = (message: InboundMessage<T>) => Promise<OutboundMessage[]>;

export interface QueueOptions {
  /** Most messages held in process, fetched but not finished. @default 64 */
  capacity: number;
  /** Fraction of `capacity` at which fetching pauses (upstream's PAUSE_THRESHOLD_PCT). @default 0.8 */
  high: number;
  /** Fraction of `capacity` at which fetching resumes (upstream's RESUME_THRESHOLD_PCT). @default 0.5 */
  low: number;
}

export interface EventServiceOptions<T> {
  /** Name in logs, metrics and dead letters' `operation`, e.g. "train-gru". */
  service: string;
  /** Topic consumed. */
  topic: string;
  /** Consumer group; members share the topic's partitions. */
  groupId: string;
  kafka: KafkaSettings;
  /** Validates the JSON value; a throw makes the message poison (DLQ at once). */
  parse: (json: unknown, topic: string) => T;
  handle: Handler<T>;
  /** @default `DLQ-<topic>` */
  dlqTopic?: string;
  retry?: Partial<RetryPolicy>;
  queue?: Partial<QueueOptions>;
  /**
   * Messages handled side by side (one wave), e.g. so that inference can micro-batch them; each wave is
   * committed in order once all of it is done. @default 1
   */
  concurrency?: number;
  /** Longest wait for the current message when stopping, in milliseconds. @default 10_000 */
  drainTimeoutMs?: number;
  /** Group session timeout: how soon a dead member's partitions move on, in milliseconds (≥ 6000 by broker default). @default 6000 */
  sessionTimeoutMs?: number;
  /** How often consumer lag is measured for /metrics, in milliseconds. @default 5000 */
  lagIntervalMs?: number;
  log?: EventLog;
  metrics?: EventMetrics;
}

/** How `stop()` ended: drained (the current message, if any, finished and was committed) or abandoned. */
export interface StopResult {
  drained: boolean;
  elapsedMs: number;
}

type Raw = Message<string, string, string, string>;

/** Outcome of one message, for logs. */
type Outcome = 'processed' | 'dead-lettered' | 'abandoned';

export class EventService<T> {
  readonly metrics: EventMetrics;
  readonly log: EventLog;
  readonly #options: EventServiceOptions<T>;
  readonly #retry: RetryPolicy;
  readonly #queueOptions: QueueOptions;
  readonly #dlq: string;
  readonly #concurrency: number;
  readonly #queue: Raw[] = [];
  /** Next offset this process has not yet taken, per "topic:partition"; skips the client's re-fetches. */
  readonly #positions = new Map<string, bigint>();
  readonly #stopController = new AbortController();
  #consumer: Consumer<string, string, string, string> | undefined;
  #producer: StringProducer | undefined;
  #stream: MessagesStream<string, string, string, string> | undefined;
  #paused = false;
  #joined = false;
  #stopping = false;
  #wake: (() => void) | undefined;
  #sendChain: Promise<unknown> = Promise.resolve();
  #worker: Promise<void> | undefined;
  /** Messages of the current wave, being handled. */
  #inFlight = 0;

  constructor(options: EventServiceOptions<T>) {
    this.#options = options;
    this.#retry = { ...DEFAULT_RETRY, ...options.retry };
    this.#queueOptions = { capacity: 64, high: 0.8, low: 0.5, ...options.queue };
    this.#dlq = options.dlqTopic ?? dlqTopic(options.topic);
    this.#concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(this.#concurrency) || this.#concurrency < 1) throw new RangeError(`concurrency must be a positive integer; got ${this.#concurrency}.`);
    if (this.#concurrency > this.#queueOptions.capacity) throw new RangeError(`concurrency (${this.#concurrency}) must not exceed the queue capacity (${this.#queueOptions.capacity}).`);
    this.log = options.log ?? new EventLog(options.service);
    this.metrics = options.metrics ?? new EventMetrics(options.service);
  }

  /** True once the consumer has joined its group, until stopping begins. */
  get ready(): boolean {
    return this.#joined && !this.#stopping;
  }

  /** Connects, joins the group and starts handling messages in the background. */
  async start(): Promise<void> {
    const { kafka, topic, groupId } = this.#options;
    this.#producer = createProducer(kafka);
    this.#consumer = new Consumer({
      clientId: kafka.clientId,
      bootstrapBrokers: kafka.brokers,
      groupId,
      deserializers: stringDeserializers,
      sessionTimeout: this.#options.sessionTimeoutMs ?? 6000,
      heartbeatInterval: 1000,
      rebalanceTimeout: 30_000,
      timeout: kafka.requestTimeoutMs ?? 10_000,
      retries: 10,
      retryDelay: 500,
    });
    this.#consumer.on('consumer:group:join', (payload) => this.#onAssignment(payload.assignments ?? []));
    this.#consumer.on('consumer:lag', (lag) => this.#recordLag(lag));
    this.#stream = await this.#consumer.consume({
      topics: [topic],
      mode: 'committed',
      fallbackMode: 'earliest',
      autocommit: false,
      maxWaitTime: 500,
      // The client's own buffer stays small, so that the in-process queue is the bound that matters.
      highWaterMark: Math.max(1, Math.ceil(this.#queueOptions.capacity / 4)),
    });
    this.#stream.on('data', (message: Raw) => this.#enqueue(message));
    this.#stream.on('error', (error: Error) => this.log.error('consumer_error', { error: error.message }));
    this.#consumer.startLagMonitoring({ topics: [topic] }, this.#options.lagIntervalMs ?? 5000);
    this.#worker = this.#work();
    this.log.info('service_start', { topic, group: groupId, dlq: this.#dlq, brokers: kafka.brokers.join(',') });
  }

  /**
   * Stops taking messages, lets the current one finish for up to `drainTimeoutMs` (then abandons it without
   * committing, so that the group redelivers it), leaves the group and closes the clients.
   */
  async stop(): Promise<StopResult> {
    const started = Date.now();
    if (this.#stopping) return { drained: true, elapsedMs: 0 };
    this.#stopping = true;
    this.log.info('drain_start', { in_flight: this.#inFlight, queued: this.#queue.length });
    this.#stream?.pause();
    this.#wake?.();
    const timeoutMs = this.#options.drainTimeoutMs ?? 10_000;
    let drained = true;
    const finished = await Promise.race([this.#worker?.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!finished) {
      drained = false;
      // Tell the handler to give up; the message stays uncommitted and goes to another member.
      this.#stopController.abort();
      await Promise.race([this.#worker, sleep(1000)]);
    }
    this.#queue.length = 0;
    this.#consumer?.stopLagMonitoring();
    await withTimeout(this.#stream?.close(), 2000);
    const consumer = this.#consumer;
    if (consumer) await withTimeout(new Promise<void>((resolve) => consumer.close(true, () => resolve())), 3000);
    await withTimeout(this.#producer?.close(), 2000);
    const elapsedMs = Date.now() - started;
    this.log.info('drain_done', { drained, elapsed_ms: elapsedMs });
    return { drained, elapsedMs };
  }

  #enqueue(message: Raw): void {
    if (this.#stopping) return;
    const partitionKey = `${message.topic}:${message.partition}`;
    const position = this.#positions.get(partitionKey);
    if (position !== undefined && message.offset < position) return; // a re-fetch after a rejoin; already taken
    this.#positions.set(partitionKey, message.offset + 1n);
    this.#queue.push(message);
    this.metrics.queueDepth.set(this.#queue.length);
    if (!this.#paused && this.#queue.length >= this.#queueOptions.capacity * this.#queueOptions.high) {
      this.#paused = true;
      this.#stream?.pause();
      this.metrics.paused.set(1);
      this.log.info('fetch_paused', { queued: this.#queue.length });
    }
    this.#wake?.();
  }

  /**
   * The worker: takes up to `concurrency` messages off the queue (a wave), runs them side by side (so that a
   * handler can micro-batch them, see batch.ts), then commits them in queue order. A partition whose message
   * was abandoned gets no later commit in that wave, so a commit never passes unfinished work.
   */
  async #work(): Promise<void> {
    while (!this.#stopping) {
      if (this.#queue.length === 0) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
        continue;
      }
      const wave = this.#queue.splice(0, this.#concurrency);
      this.metrics.queueDepth.set(this.#queue.length);
      this.#inFlight = wave.length;
      const timers = wave.map(() => this.metrics.handleSeconds.startTimer({ topic: this.#options.topic }));
      const outcomes = await Promise.all(wave.map((message) => this.#process(message)));
      const blocked = new Set<string>();
      for (const [i, message] of wave.entries()) {
        const partition = `${message.topic}:${message.partition}`;
        if (outcomes[i] === 'abandoned' || blocked.has(partition)) {
          blocked.add(partition);
          continue;
        }
        if (!(await this.#commit(message))) {
          blocked.add(partition);
          this.#abandon(message, 'commit not acknowledged before shutdown');
          continue;
        }
        timers[i]!();
        if (outcomes[i] === 'processed') this.metrics.processed.inc({ topic: this.#options.topic });
        this.log.info(outcomes[i] === 'processed' ? 'message_done' : 'message_dead_lettered', { partition: message.partition, offset: message.offset });
      }
      this.#inFlight = 0;
      if (blocked.size > 0) return; // only a shutdown abandons work
      if (this.#paused && !this.#stopping && this.#queue.length <= this.#queueOptions.capacity * this.#queueOptions.low) {
        this.#paused = false;
        this.#stream?.resume();
        this.metrics.paused.set(0);
        this.log.info('fetch_resumed', { queued: this.#queue.length });
      }
    }
  }

  /** Parse → check deadline → handle with retries → publish (or dead-letter). The worker commits. */
  async #process(message: Raw): Promise<Outcome> {
    const { topic } = this.#options;
    const headers = headerRecord(message.headers);
    const where = { partition: message.partition, offset: message.offset, key: message.key ?? undefined };
    let value: T;
    try {
      value = this.#options.parse(parseJson(message.value ?? undefined, topic), topic);
      checkDeadline(headers);
    } catch (error) {
      const reason = error instanceof DeadlineExpired ? 'expired' : 'poison';
      return this.#deadLetter(message, headers, reason, messageOf(error), 0);
    }

    let outputs: OutboundMessage[] | undefined;
    for (let attempt = 1; outputs === undefined; ) {
      try {
        const announce = (messages: OutboundMessage[]) => this.#announce(messages, where);
        outputs = await this.#options.handle({ value, key: message.key ?? undefined, headers, topic, partition: message.partition, offset: message.offset, attempt, signal: this.#stopController.signal, announce });
      } catch (error) {
        if (this.#stopController.signal.aborted) return this.#abandon(message, 'handler stopped by shutdown');
        if (error instanceof RetryLaterError) {
          this.log.info('retry_later', { ...where, reason: error.message, retry_after_ms: error.retryAfterMs });
          if (!(await sleep(error.retryAfterMs, this.#stopController.signal))) return this.#abandon(message, 'shutdown while waiting');
          continue;
        }
        this.metrics.failed.inc({ topic });
        // A user error (bad parameters, bad data: exit code 2) will not go away by retrying.
        const permanent = (error as { exitCode?: number }).exitCode === 2;
        this.log.warn('handler_failed', { ...where, attempt, of: this.#retry.attempts, permanent, error: messageOf(error) });
        if (permanent || attempt >= this.#retry.attempts) {
          return this.#deadLetter(message, headers, 'failed', messageOf(error), attempt);
        }
        if (!(await sleep(backoffMs(this.#retry, attempt), this.#stopController.signal))) return this.#abandon(message, 'shutdown during backoff');
        attempt += 1;
      }
    }
    if (!(await this.#publish(outputs, where))) return this.#abandon(message, 'outputs not acknowledged before shutdown');
    return 'processed';
  }

  #abandon(message: Raw, why: string): Outcome {
    this.log.warn('message_abandoned', { partition: message.partition, offset: message.offset, why });
    return 'abandoned';
  }

  /** Sends to the DLQ: upstream's publish_error shape, the original key and headers, and where it came from. */
  async #deadLetter(message: Raw, headers: Record<string, string>, reason: string, error: string, attempts: number): Promise<Outcome> {
    let payload: unknown = message.value;
    try {
      payload = JSON.parse(message.value ?? '');
    } catch {
      // Not JSON: the text itself is the payload.
    }
    const letter: OutboundMessage = {
      topic: this.#dlq,
      value: deadLetter(this.#options.service, reason, error, payload),
      headers: {
        ...headers,
        'x-flts-reason': reason,
        'x-flts-error': error.slice(0, 1000),
        'x-flts-source-topic': message.topic,
        'x-flts-source-partition': String(message.partition),
        'x-flts-source-offset': String(message.offset),
        'x-flts-attempts': String(attempts),
      },
    };
    if (message.key) letter.key = message.key;
    this.log.warn('dead_letter', { partition: message.partition, offset: message.offset, reason, error });
    const sent = await this.#publish([letter], { partition: message.partition, offset: message.offset });
    if (!sent) return 'abandoned';
    this.metrics.deadLettered.inc({ topic: this.#options.topic, reason });
    return 'dead-lettered';
  }

  /** Publishes progress with acks=all within the retry policy's tries; a failure is logged, not thrown. */
  async #announce(messages: OutboundMessage[], where: Record<string, unknown>): Promise<void> {
    const records = messages.map((m) => ({ topic: m.topic, key: m.key, value: JSON.stringify(m.value), headers: m.headers ?? {} }));
    for (let attempt = 1; attempt <= this.#retry.attempts; attempt += 1) {
      try {
        await this.#sendInTurn(records);
        return;
      } catch (error) {
        this.log.warn('announce_failed', { ...where, attempt, of: this.#retry.attempts, error: messageOf(error) });
        if (attempt < this.#retry.attempts && !(await sleep(backoffMs(this.#retry, attempt), this.#stopController.signal))) return;
      }
    }
  }

  /** Publishes with acks=all, retrying until acknowledged; false only when a shutdown cut the retries short. */
  async #publish(messages: OutboundMessage[], where: Record<string, unknown>): Promise<boolean> {
    if (messages.length === 0) return true;
    const records = messages.map((m) => ({ topic: m.topic, key: m.key, value: JSON.stringify(m.value), headers: m.headers ?? {} }));
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.#sendInTurn(records);
        return true;
      } catch (error) {
        this.log.warn('publish_failed', { ...where, attempt, error: messageOf(error) });
        if (!(await sleep(backoffMs(this.#retry, attempt), this.#stopController.signal))) return false;
      }
    }
  }

  /**
   * One send at a time through the idempotent producer: concurrent sends from one wave broke its sequence
   * numbers ("Producing messages failed." on every later try; measured with @platformatic/kafka 1.35.0).
   */
  #sendInTurn(records: { topic: string; key: string | undefined; value: string; headers: Record<string, string> }[]): Promise<unknown> {
    const sent = this.#sendChain.then(() => this.#producer!.send({ messages: records }));
    this.#sendChain = sent.catch(() => undefined);
    return sent;
  }

  /** Commits offset+1 for the message's partition, retrying while the broker is away; false when stopped first. */
  async #commit(message: Raw): Promise<boolean> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await message.commit();
        return true;
      } catch (error) {
        // The partition moved to another member: it will redeliver from the last commit, and idempotency
        // makes that harmless. Retrying with the old generation cannot succeed.
        if ((error as { findBy?: (key: string, value: unknown) => unknown }).findBy?.('needsRejoin', true)) {
          this.log.warn('commit_rejected', { partition: message.partition, offset: message.offset, error: messageOf(error) });
          return true;
        }
        this.log.warn('commit_failed', { partition: message.partition, offset: message.offset, attempt, error: messageOf(error) });
        if (!(await sleep(backoffMs(this.#retry, attempt), this.#stopController.signal))) return false;
      }
    }
  }

  /** After a rebalance, forget queued work of partitions this member no longer owns. */
  #onAssignment(assignments: { topic: string; partitions: number[] }[]): void {
    const owned = new Set(assignments.flatMap((a) => a.partitions.map((p) => `${a.topic}:${p}`)));
    const before = this.#queue.length;
    const kept = this.#queue.filter((m) => owned.has(`${m.topic}:${m.partition}`));
    this.#queue.splice(0, this.#queue.length, ...kept);
    for (const key of [...this.#positions.keys()]) if (!owned.has(key)) this.#positions.delete(key);
    this.metrics.queueDepth.set(this.#queue.length);
    this.#joined = true;
    this.log.info('group_joined', { partitions: [...owned].join(','), dropped: before - kept.length });
  }

  #recordLag(lag: Map<string, bigint[]>): void {
    for (const [topic, partitions] of lag) {
      partitions.forEach((value, partition) => {
        if (value >= 0n) this.metrics.lag.set({ topic, partition: String(partition) }, Number(value));
      });
    }
  }
}

/** A message whose `deadline_ms` header lies in the past. */
class DeadlineExpired extends MessageShapeError {
  override name = 'DeadlineExpired';
}

/**
 * Upstream's TTL: header `deadline_ms`, epoch milliseconds after which the message is worthless (a
 * prediction nobody waits for any more). Checked when the message is taken off the queue.
 */
function checkDeadline(headers: Record<string, string>, now = Date.now()): void {
  const raw = headers['deadline_ms'];
  if (raw === undefined) return;
  const deadline = Number(raw);
  if (!Number.isFinite(deadline) || raw.trim() === '') {
    throw new MessageShapeError('deadline_ms', `Header "deadline_ms" must be epoch milliseconds; got ${JSON.stringify(raw)}.`);
  }
  if (now > deadline) {
    throw new DeadlineExpired('deadline_ms', `Deadline passed: header "deadline_ms" is ${new Date(deadline).toISOString()}, ${now - deadline} ms before it was taken.`);
  }
}

function headerRecord(headers: Map<string, string> | undefined): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [key, value] of headers ?? []) record[String(key)] = String(value);
  return record;
}

async function withTimeout(promise: Promise<unknown> | undefined, ms: number): Promise<void> {
  if (!promise) return;
  await Promise.race([promise.catch(() => undefined), sleep(ms)]);
}
