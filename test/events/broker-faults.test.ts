import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { ClaimLedger, createProducer, type EventService } from '../../shared/events/index.js';
import { createStore, type ObjectStore } from '../../shared/store/index.js';
import { startKafka, startKafkaCluster, type KafkaCluster, type KafkaServer } from '../services/kafka.js';
import { startMinio, type MinioServer } from '../services/minio.js';
import { createTopics, readTopic, settings, startService, uniqueTopic, waitFor } from './kafka-helpers.js';

interface Numbered {
  n: number;
}

function parseNumbered(json: unknown): Numbered {
  const n = (json as { n?: unknown } | null)?.n;
  if (typeof n !== 'number') throw new Error(`field "n" must be a number; got ${JSON.stringify(n)}`);
  return { n };
}

/**
 * Sends messages {n: from … to−1} in batches of `batch` with acks=all, one batch at a time, retrying a batch until
 * the broker acknowledges it; `onAcked` hears each acknowledged n. Returns the numbers acknowledged.
 */
async function produceSteadily(brokers: string[], topic: string, from: number, to: number, batch: number, onAcked: (n: number) => Promise<void> | void = () => undefined): Promise<{ acked: Set<number>; resent: number }> {
  const producer = createProducer({ ...settings(brokers, `steady-${randomUUID().slice(0, 6)}`), requestTimeoutMs: 5000 });
  const acked = new Set<number>();
  let resent = 0;
  try {
    for (let start = from; start < to; start += batch) {
      const numbers = Array.from({ length: Math.min(batch, to - start) }, (_, i) => start + i);
      for (;;) {
        try {
          await producer.send({ messages: numbers.map((n) => ({ topic, key: `m${n}`, value: JSON.stringify({ n }) })) });
          break;
        } catch {
          resent += 1;
          await new Promise((resolve) => setTimeout(resolve, 200)); // not acknowledged: send the batch again
        }
      }
      for (const n of numbers) {
        acked.add(n);
        await onAcked(n);
      }
    }
  } finally {
    await producer.close().catch(() => undefined);
  }
  return { acked, resent };
}

const numbersIn = (messages: { value: unknown }[]) => new Set(messages.map((m) => (m.value as Numbered).n));

describe('a single broker restarted mid-stream (real Kafka, real MinIO)', { timeout: 360_000 }, () => {
  let kafka: KafkaServer;
  let minio: MinioServer;
  let store: ObjectStore;
  let service: EventService<Numbered> | undefined;

  before(async () => {
    // Each server is kept as soon as it is up, so that `after` stops it even when the other failed to start.
    await Promise.all([startKafka().then((k) => (kafka = k)), startMinio().then((m) => (minio = m))]);
    store = createStore({ env: minio.env });
  });
  after(async () => {
    await service?.stop();
    await Promise.all([kafka?.stop(), minio?.stop()]);
  });

  it('loses no message and applies none twice', async (t) => {
    const total = 150;
    const input = uniqueTopic('inference-data');
    const output = uniqueTopic('performance-eval');
    await createTopics(kafka.brokers, [input, output, `DLQ-${input}`], 3);
    const ledger = new ClaimLedger({ store, root: 's3://flts-events/restart/ledger', leaseMs: 60_000 });
    ({ service } = await startService<Numbered>({
      topic: input,
      groupId: uniqueTopic('flts-inference'),
      kafka: { ...settings(kafka.brokers), requestTimeoutMs: 5000 },
      parse: parseNumbered,
      retry: { attempts: 1000 }, // a broker outage is not the message's fault: keep trying
      handle: async ({ value }) => {
        const { result } = await ledger.run({ configHash: 'cfg', modelKind: 'inference', source: `m${value.n}` }, async () => {
          await store.writeJson(`s3://flts-events/restart/effects/${value.n}/${randomUUID()}.json`, {});
          return { n: value.n };
        });
        return [{ topic: output, key: `m${result.n}`, value: result }];
      },
    }));

    let restarted: Promise<void> | undefined;
    const { acked, resent } = await produceSteadily(kafka.brokers, input, 0, total, 5, async (n) => {
      if (n === 60) {
        await kafka.kill('SIGKILL');
        restarted = kafka.restart();
      }
    });
    await restarted;
    assert.equal(acked.size, total);

    // Generous: on a loaded machine the group's rejoin after the restart and the retries' backoff take their time.
    const outputs = await readTopic(kafka.brokers, output, (found) => numbersIn(found).size >= total, 240_000);
    t.diagnostic(`batches sent again while the broker was down: ${resent}; outputs ${outputs.length} for ${total} inputs`);
    assert.deepEqual([...numbersIn(outputs)].sort((a, b) => a - b), [...Array(total).keys()]);
    const effects = new Map<string, number>();
    for (const o of await store.list('s3://flts-events/restart/effects')) {
      const n = o.path.split('/')[0]!;
      effects.set(n, (effects.get(n) ?? 0) + 1);
    }
    assert.equal(effects.size, total);
    assert.deepEqual([...effects.values()].filter((count) => count !== 1), [], 'no message applied twice');
  });
});

describe('a 3-node cluster losing its partition leader (min.insync.replicas=2, acks=all)', { timeout: 180_000 }, () => {
  let cluster: KafkaCluster;

  before(async () => {
    cluster = await startKafkaCluster(3);
  });
  after(async () => {
    await cluster?.stop();
  });

  it('keeps every acknowledged message through a leader kill -9 under produce load', async (t) => {
    const topic = uniqueTopic('training-data');
    await createTopics(cluster.brokers, [topic], 1, 3, { 'min.insync.replicas': '2' });
    const leader = async () => {
      const admin = new Admin({ clientId: 'flts-test-leader', bootstrapBrokers: cluster.nodes.filter((n) => n.running).map((n) => n.address) });
      try {
        const metadata = await admin.metadata({ topics: [topic], forceUpdate: true });
        return metadata.topics.get(topic)!.partitions[0]!.leader;
      } finally {
        await admin.close();
      }
    };
    const before = await leader();
    let killed: number | undefined;
    const { acked, resent } = await produceSteadily(cluster.brokers, topic, 0, 3000, 20, async (n) => {
      if (n === 1000) {
        killed = before;
        await cluster.node(before).kill('SIGKILL');
      }
    });
    assert.equal(killed, before);
    await waitFor('a new leader', async () => (await leader().catch(() => before)) !== before, 30_000);

    const survivors = cluster.nodes.filter((n) => n.running).map((n) => n.address);
    const stored = numbersIn(await readTopic(survivors, topic, (found) => numbersIn(found).size >= acked.size, 60_000));
    t.diagnostic(`leader ${before} killed; batches not acknowledged and sent again: ${resent}`);
    const lost = [...acked].filter((n) => !stored.has(n));
    assert.deepEqual(lost, [], `${lost.length} acknowledged messages are missing from the log`);
    assert.equal(acked.size, 3000);
  });
});
