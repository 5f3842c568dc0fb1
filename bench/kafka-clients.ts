/**
 * Chooses the Node Kafka client for event mode by measurement: kafkajs and @platformatic/kafka against the
 * same real brokers (test/services/kafka.ts), in four scenarios:
 *   1. throughput: produce N messages (acks=all, batches of 100), consume them, and consume with a commit per message;
 *   2. commit while the broker is down: does the commit promise reject, resolve, or hang, and is it really stored?
 *   3. broker kill -9 and restart during consumption with a commit per message: duplicates and losses;
 *   4. a 3-node cluster (min.insync.replicas=2) whose partition leader is killed under acks=all produce load:
 *      acknowledged messages missing from the log afterwards.
 * Writes bench/results/kafka-clients.json; the reading is in bench/results/kafka-clients.md.
 * `node --import tsx bench/kafka-clients.ts [N]` (default N = 20 000).
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { Admin, Consumer, Producer, ProduceAcks, stringDeserializers, stringSerializers } from '@platformatic/kafka';
import kafkajs from 'kafkajs';
import { startKafka, startKafkaCluster } from '../test/services/kafka.js';
import { recordResult } from './record.js';

const { Kafka, logLevel } = kafkajs;
const N = Number(process.argv[2] ?? 20_000);
const VALUE = JSON.stringify({ bucket: 'processed-data', object: 'site/processed_data.parquet', size: 1730000, v: 1, identifier: 'x'.repeat(80) });

interface Incoming {
  value: string;
  partition: number;
  offset: bigint;
  commit(): Promise<void>;
}

/** The few operations the scenarios need, implemented once per client. */
interface ClientUnderTest {
  name: string;
  producer(brokers: string[]): Promise<{ send(topic: string, values: string[]): Promise<void>; close(): Promise<void> }>;
  /** Subscribes `group` to `topic` from the earliest offset; `onMessage` is awaited per message. */
  consumer(brokers: string[], group: string, topic: string, onMessage: (m: Incoming) => Promise<void>): Promise<{ close(): Promise<void> }>;
}

const kafkajsClient: ClientUnderTest = {
  name: 'kafkajs 2.2.4',
  async producer(brokers) {
    const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING, retry: { retries: 5 } });
    const producer = kafka.producer(kafkajsProducerConfig);
    await producer.connect();
    return {
      send: async (topic, values) => void (await producer.send({ topic, acks: -1, messages: values.map((value, i) => ({ key: `k${i}`, value })) })),
      close: () => producer.disconnect(),
    };
  },
  async consumer(brokers, group, topic, onMessage) {
    const kafka = new Kafka({ clientId: 'bench', brokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: group, sessionTimeout: 6000, heartbeatInterval: 1000 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const offset = BigInt(message.offset);
        await onMessage({
          value: message.value?.toString() ?? '',
          partition,
          offset,
          commit: () => consumer.commitOffsets([{ topic, partition, offset: (offset + 1n).toString() }]),
        });
      },
    });
    return { close: () => consumer.disconnect() };
  },
};

/** kafkajs's producer as event mode would configure it; `BENCH_KAFKAJS_DEFAULT_PRODUCER=1` measures its defaults. */
const kafkajsProducerConfig = process.env['BENCH_KAFKAJS_DEFAULT_PRODUCER'] === '1' ? {} : { idempotent: true, maxInFlightRequests: 1 };

const platformaticClient: ClientUnderTest = {
  name: '@platformatic/kafka 1.35.0',
  async producer(brokers) {
    const producer = new Producer({ clientId: 'bench', bootstrapBrokers: brokers, serializers: stringSerializers, acks: ProduceAcks.ALL, idempotent: true, retries: 5, retryDelay: 300 });
    return {
      send: async (topic, values) => void (await producer.send({ messages: values.map((value, i) => ({ topic, key: `k${i}`, value })) })),
      close: () => producer.close(),
    };
  },
  async consumer(brokers, group, topic, onMessage) {
    const consumer = new Consumer({ clientId: 'bench', groupId: group, bootstrapBrokers: brokers, deserializers: stringDeserializers, sessionTimeout: 6000, heartbeatInterval: 1000, retries: 10, retryDelay: 500 });
    const stream = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false, maxWaitTime: 200 });
    stream.on('error', () => undefined);
    void (async () => {
      try {
        for await (const message of stream) {
          await onMessage({ value: message.value, partition: message.partition, offset: message.offset, commit: async () => void (await message.commit()) });
        }
      } catch {
        // the stream ends with an error when the consumer is closed under it
      }
    })();
    return { close: () => new Promise<void>((resolve) => consumer.close(true, () => resolve())) };
  },
};

async function createTopic(brokers: string[], topic: string, partitions: number, replicas = 1, configs: { name: string; value: string }[] = []): Promise<void> {
  const admin = new Admin({ clientId: 'bench-admin', bootstrapBrokers: brokers });
  await admin.createTopics({ topics: [topic], partitions, replicas, configs });
  await admin.close();
}

async function committed(brokers: string[], group: string, topic: string, partitions: number): Promise<bigint[]> {
  const consumer = new Consumer({ clientId: 'bench-offsets', groupId: group, bootstrapBrokers: brokers });
  const offsets = await consumer.listCommittedOffsets({ topics: [{ topic, partitions: [...Array(partitions).keys()] }] });
  await new Promise<void>((resolve) => consumer.close(true, () => resolve()));
  return offsets.get(topic) ?? [];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) return false;
    await sleep(20);
  }
  return true;
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  return Promise.race([promise, sleep(ms).then(() => 'timeout' as const)]);
}

/** Scenario 1. */
async function throughput(client: ClientUnderTest, brokers: string[]) {
  const topic = `tp-${randomUUID().slice(0, 8)}`;
  await createTopic(brokers, topic, 3);
  const producer = await client.producer(brokers);
  const values = Array.from({ length: 100 }, () => VALUE);
  let started = Date.now();
  for (let sent = 0; sent < N; sent += 100) await producer.send(topic, values);
  const produceMs = Date.now() - started;
  await producer.close();

  let received = 0;
  started = Date.now();
  const plain = await client.consumer(brokers, `g-${randomUUID()}`, topic, async () => void (received += 1));
  const complete = await until(() => received >= N, 120_000);
  const consumeMs = Date.now() - started;
  await plain.close();

  const commitN = Math.min(N, 2000);
  let committedCount = 0;
  started = Date.now();
  const committing = await client.consumer(brokers, `g-${randomUUID()}`, topic, async (m) => {
    if (committedCount >= commitN) return;
    await m.commit();
    committedCount += 1;
  });
  await until(() => committedCount >= commitN, 120_000);
  const commitMs = Date.now() - started;
  await committing.close();
  return {
    produce_msgs_per_s: Math.round((N / produceMs) * 1000),
    consume_msgs_per_s: complete ? Math.round((N / consumeMs) * 1000) : `incomplete: ${received}/${N}`,
    consume_with_commit_per_message_msgs_per_s: Math.round((commitN / commitMs) * 1000),
  };
}

/** Scenario 2. */
async function commitWhileDown(client: ClientUnderTest) {
  const kafka = await startKafka();
  try {
    const topic = `cd-${randomUUID().slice(0, 8)}`;
    const group = `g-${randomUUID()}`;
    await createTopic(kafka.brokers, topic, 1);
    const producer = await client.producer(kafka.brokers);
    await producer.send(topic, Array.from({ length: 100 }, () => VALUE));
    await producer.close();
    const held: Incoming[] = [];
    const consumer = await client.consumer(kafka.brokers, group, topic, async (m) => void held.push(m));
    await until(() => held.length >= 100, 30_000);
    await held[49]!.commit(); // committed offset 50 while the broker is up
    await kafka.kill('SIGKILL');
    const started = Date.now();
    const outcome = await withTimeout(
      held[99]!.commit().then(
        () => 'resolved',
        (error: Error) => `rejected (${error.message.slice(0, 80)})`,
      ),
      20_000,
    );
    const outcomeMs = Date.now() - started;
    await withTimeout(consumer.close(), 10_000);
    await kafka.restart();
    const stored = await committed(kafka.brokers, group, topic, 1);
    return {
      commit_of_offset_100_while_down: outcome === 'timeout' ? 'still pending after 20 s' : outcome,
      after_ms: outcome === 'timeout' ? 20_000 : outcomeMs,
      committed_offset_after_restart: Number(stored[0]),
      commit_lost_silently: outcome === 'resolved' && stored[0] !== 100n,
    };
  } finally {
    await kafka.stop();
  }
}

/** Scenario 3. */
async function killDuringConsumption(client: ClientUnderTest) {
  const kafka = await startKafka();
  try {
    const topic = `kc-${randomUUID().slice(0, 8)}`;
    await createTopic(kafka.brokers, topic, 3);
    const producer = await client.producer(kafka.brokers);
    for (let i = 0; i < 1000; i += 100) await producer.send(topic, Array.from({ length: 100 }, (_, j) => JSON.stringify({ n: i + j })));
    await producer.close();
    const seen = new Map<number, number>();
    let restart: Promise<void> | undefined;
    let killedAt = 0;
    let resumedAfterMs: number | undefined;
    const consumer = await client.consumer(kafka.brokers, `g-${randomUUID()}`, topic, async (m) => {
      const n = (JSON.parse(m.value) as { n: number }).n;
      seen.set(n, (seen.get(n) ?? 0) + 1);
      if (killedAt > 0 && resumedAfterMs === undefined) resumedAfterMs = Date.now() - killedAt;
      if (seen.size === 500 && !restart) {
        killedAt = Date.now();
        restart = kafka.kill('SIGKILL').then(() => kafka.restart());
      }
      try {
        await m.commit();
      } catch {
        // the broker is away; the redelivery this causes is what we count
      }
    });
    const complete = await until(() => seen.size >= 1000, 90_000);
    await restart;
    await withTimeout(consumer.close(), 10_000);
    const delivered = [...seen.values()].reduce((a, b) => a + b, 0);
    return { unique_of_1000: seen.size, complete, duplicates: delivered - seen.size, first_message_after_kill_ms: resumedAfterMs ?? null };
  } finally {
    await kafka.stop();
  }
}

/** Scenario 4. */
async function leaderFailover(client: ClientUnderTest) {
  const cluster = await startKafkaCluster(3);
  try {
    const topic = `lf-${randomUUID().slice(0, 8)}`;
    await createTopic(cluster.brokers, topic, 1, 3, [{ name: 'min.insync.replicas', value: '2' }]);
    const admin = new Admin({ clientId: 'bench-leader', bootstrapBrokers: cluster.brokers });
    const leader = (await admin.metadata({ topics: [topic], forceUpdate: true })).topics.get(topic)!.partitions[0]!.leader;
    await admin.close();
    const producer = await client.producer(cluster.brokers);
    const acked = new Set<number>();
    let failedSends = 0;
    const started = Date.now();
    for (let start = 0; start < 3000 && Date.now() - started < 90_000; start += 20) {
      if (start === 1000) await cluster.node(leader).kill('SIGKILL');
      const batch = Array.from({ length: 20 }, (_, i) => start + i);
      for (;;) {
        try {
          await producer.send(topic, batch.map((n) => JSON.stringify({ n })));
          break;
        } catch {
          failedSends += 1;
          await sleep(200);
        }
      }
      for (const n of batch) acked.add(n);
    }
    await withTimeout(producer.close(), 10_000);
    const stored = new Set<number>();
    const survivors = cluster.nodes.filter((n) => n.running).map((n) => n.address);
    const reader = await platformaticClient.consumer(survivors, `g-${randomUUID()}`, topic, async (m) => void stored.add((JSON.parse(m.value) as { n: number }).n));
    await until(() => [...acked].every((n) => stored.has(n)), 30_000);
    await reader.close();
    const lost = [...acked].filter((n) => !stored.has(n));
    return { acknowledged: acked.size, failed_sends_retried: failedSends, acknowledged_but_missing: lost.length, first_missing: lost.slice(0, 5) };
  } finally {
    await cluster.stop();
  }
}

// `BENCH_FAILOVER_RUNS=k` repeats only scenario 4, k times per client (results in kafka-clients-failover.json).
const failoverRuns = Number(process.env['BENCH_FAILOVER_RUNS'] ?? 0);
if (failoverRuns > 0) {
  const repeated: Record<string, unknown> = { runs: failoverRuns, kafkajs_producer: kafkajsProducerConfig };
  const only = process.env['BENCH_CLIENTS'];
  for (const client of [platformaticClient, kafkajsClient].filter((c) => !only || c.name.startsWith(only))) {
    const runs = [];
    for (let run = 0; run < failoverRuns; run += 1) {
      runs.push(await leaderFailover(client).catch((error: Error) => `failed: ${error.message}`));
      console.error(client.name, 'failover run', run + 1, JSON.stringify(runs.at(-1)));
    }
    repeated[client.name] = runs;
  }
  await recordResult(process.env['BENCH_KAFKAJS_DEFAULT_PRODUCER'] === '1' ? 'kafka-clients-failover-kafkajs-defaults' : 'kafka-clients-failover', repeated);
  process.exit(0);
}

const results: Record<string, unknown> = { messages: N, value_bytes: VALUE.length, load_before: loadavg().map((l) => l.toFixed(2)) };
for (const client of [platformaticClient, kafkajsClient]) {
  const entry: Record<string, unknown> = {};
  const kafka = await startKafka();
  try {
    entry['throughput'] = await throughput(client, kafka.brokers);
  } catch (error) {
    entry['throughput'] = `failed: ${(error as Error).message}`;
  } finally {
    await kafka.stop();
  }
  for (const [name, scenario] of [
    ['commit_while_broker_down', commitWhileDown],
    ['broker_kill_during_consumption', killDuringConsumption],
    ['leader_kill_3_nodes_min_isr_2', leaderFailover],
  ] as const) {
    try {
      entry[name] = await scenario(client);
    } catch (error) {
      entry[name] = `failed: ${(error as Error).message}`;
    }
    console.error(client.name, name, JSON.stringify(entry[name]));
  }
  results[client.name] = entry;
}
results['load_after'] = loadavg().map((l) => l.toFixed(2));
await recordResult('kafka-clients', results);
process.exit(0);
