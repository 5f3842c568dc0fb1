/**
 * What the event tests do to a real broker from outside a service: create topics, send JSON messages, read
 * a whole topic back, ask where a group has committed, and start an EventService with its log captured.
 */
import { randomUUID } from 'node:crypto';
import { Admin, Consumer, stringDeserializers } from '@platformatic/kafka';
import { createProducer, EventLog, EventService, type EventServiceOptions, type KafkaSettings } from '../../shared/events/index.js';

/** A message read back from a topic, value parsed as JSON where it is JSON. */
export interface ReadMessage {
  key: string | undefined;
  value: unknown;
  text: string;
  headers: Record<string, string>;
  partition: number;
  offset: bigint;
  /** When its producer sent it (epoch ms). */
  timestamp: number;
}

export function settings(brokers: string[], clientId = 'flts-test'): KafkaSettings {
  return { brokers, clientId };
}

/** A topic name no other test uses. */
export function uniqueTopic(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function createTopics(brokers: string[], topics: string[], partitions = 1, replicas = 1, configs: Record<string, string> = {}): Promise<void> {
  const admin = new Admin({ clientId: 'flts-test-admin', bootstrapBrokers: brokers });
  try {
    await admin.createTopics({ topics, partitions, replicas, configs: Object.entries(configs).map(([name, value]) => ({ name, value })) });
  } finally {
    await admin.close();
  }
}

/** Sends each value (objects as JSON, strings as they are) with acks=all; resolves once all are acknowledged. */
export async function send(brokers: string[], topic: string, values: unknown[], options: { key?: (i: number) => string; headers?: Record<string, string> } = {}): Promise<void> {
  const producer = createProducer(settings(brokers, 'flts-test-producer'));
  try {
    await producer.send({
      messages: values.map((value, i) => ({
        topic,
        key: options.key?.(i) ?? `k${i}`,
        value: typeof value === 'string' ? value : JSON.stringify(value),
        headers: options.headers ?? {},
      })),
    });
  } finally {
    await producer.close();
  }
}

/**
 * Reads `topic` from the beginning until `count` messages arrived (or `count` is a predicate over what came that
 * holds) or `timeoutMs` passed; returns what came.
 */
export async function readTopic(brokers: string[], topic: string, count: number | ((found: ReadMessage[]) => boolean), timeoutMs = 20_000): Promise<ReadMessage[]> {
  const enough = typeof count === 'number' ? (found: ReadMessage[]) => found.length >= count : count;
  const consumer = new Consumer({ clientId: 'flts-test-reader', groupId: `reader-${randomUUID()}`, bootstrapBrokers: brokers, deserializers: stringDeserializers });
  const found: ReadMessage[] = [];
  try {
    const stream = await consumer.consume({ topics: [topic], mode: 'earliest', autocommit: false, maxWaitTime: 200 });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, timeoutMs);
      // A stream error with no listener would be thrown where no test awaits it.
      stream.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      stream.on('data', (message) => {
        let value: unknown = message.value;
        try {
          value = JSON.parse(message.value);
        } catch {
          // keep the text
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of message.headers) headers[k] = v;
        found.push({ key: message.key ?? undefined, value, text: message.value, headers, partition: message.partition, offset: message.offset, timestamp: Number(message.timestamp) });
        if (enough(found)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await stream.close();
  } finally {
    await new Promise<void>((resolve) => consumer.close(true, () => resolve()));
  }
  return found;
}

/** The offset `group` has committed for each partition of `topic` (-1 where nothing is committed). */
export async function committedOffsets(brokers: string[], group: string, topic: string, partitions: number): Promise<bigint[]> {
  const consumer = new Consumer({ clientId: 'flts-test-offsets', groupId: group, bootstrapBrokers: brokers });
  try {
    const offsets = await consumer.listCommittedOffsets({ topics: [{ topic, partitions: [...Array(partitions).keys()] }] });
    return offsets.get(topic) ?? [];
  } finally {
    await new Promise<void>((resolve) => consumer.close(true, () => resolve()));
  }
}

/** Log lines an EventService wrote, parsed. */
export class CapturedLog {
  readonly lines: Record<string, unknown>[] = [];
  readonly log: EventLog;

  constructor(service: string) {
    this.log = new EventLog(service, (_level, line) => this.lines.push(JSON.parse(line) as Record<string, unknown>));
  }

  events(name: string): Record<string, unknown>[] {
    return this.lines.filter((l) => l['event'] === name);
  }
}

/** Starts an EventService with fast test timings and a captured log; the caller stops it. */
export async function startService<T>(options: Omit<EventServiceOptions<T>, 'log' | 'service'> & { service?: string }): Promise<{ service: EventService<T>; log: CapturedLog }> {
  const log = new CapturedLog(options.service ?? 'test-service');
  const service = new EventService<T>({ service: 'test-service', lagIntervalMs: 1000, ...options, retry: { initialDelayMs: 50, maxDelayMs: 200, ...options.retry }, log: log.log });
  await service.start();
  return { service, log };
}

/** Polls `condition` every 100 ms until it holds or `timeoutMs` passes; throws with `what` on timeout. */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
}
