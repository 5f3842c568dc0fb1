/**
 * The Kafka connection of an event service, on `@platformatic/kafka` (chosen by measurement:
 * bench/results/kafka-clients.md): broker list from the environment, a producer that waits for every
 * in-sync replica (acks=all, idempotent) so that "sent" means "in the log", and topic creation.
 */
import { Admin, Producer, ProduceAcks, stringSerializers } from '@platformatic/kafka';
import { InvalidParameterError } from '../errors.js';

/** Where the brokers are and who we are. */
export interface KafkaSettings {
  /** `host:port` of one or more brokers. From `KAFKA_BOOTSTRAP_SERVERS`, comma-separated. */
  brokers: string[];
  /** Client id in broker logs and quotas. */
  clientId: string;
  /** Timeout of one broker request, in milliseconds. @default 10_000 */
  requestTimeoutMs?: number;
}

export type StringProducer = Producer<string, string, string, string>;

/** Settings from `KAFKA_BOOTSTRAP_SERVERS` (required; upstream's variable name). */
export function kafkaSettingsFromEnv(clientId: string, env: NodeJS.ProcessEnv = process.env): KafkaSettings {
  const raw = env['KAFKA_BOOTSTRAP_SERVERS']?.trim() ?? '';
  const brokers = raw.split(',').map((b) => b.trim()).filter((b) => b !== '');
  const bad = brokers.filter((b) => !/^[^\s:]+:\d{1,5}$/.test(b));
  if (brokers.length === 0 || bad.length > 0) {
    throw new InvalidParameterError([
      {
        path: 'KAFKA_BOOTSTRAP_SERVERS',
        message: `Environment variable KAFKA_BOOTSTRAP_SERVERS must list brokers as host:port[,host:port…]; got ${JSON.stringify(raw)}.`,
      },
    ]);
  }
  return { brokers, clientId };
}

/**
 * A producer whose `send` resolves only once all in-sync replicas have the messages (acks=all), idempotent so
 * that its own retries add no duplicates. Porting note: upstream's producers used the client's default acks.
 */
export function createProducer(settings: KafkaSettings): StringProducer {
  return new Producer({
    clientId: settings.clientId,
    bootstrapBrokers: settings.brokers,
    serializers: stringSerializers,
    acks: ProduceAcks.ALL,
    idempotent: true,
    timeout: settings.requestTimeoutMs ?? 10_000,
    retries: 5,
    retryDelay: 500,
    autocreateTopics: false,
  });
}

/** Creates those of `topics` that do not exist yet. */
export async function ensureTopics(settings: KafkaSettings, topics: string[], layout: { partitions?: number; replicas?: number } = {}): Promise<void> {
  const admin = new Admin({ clientId: `${settings.clientId}-admin`, bootstrapBrokers: settings.brokers, timeout: settings.requestTimeoutMs ?? 10_000 });
  try {
    const missing = async () => {
      const existing = new Set(await admin.listTopics());
      return [...new Set(topics)].filter((t) => !existing.has(t));
    };
    const toCreate = await missing();
    if (toCreate.length === 0) return;
    try {
      await admin.createTopics({ topics: toCreate, partitions: layout.partitions ?? 3, replicas: layout.replicas ?? 1 });
    } catch (error) {
      // Another member of the group may have created them a moment ago; only a topic still missing is a failure.
      if ((await missing()).length > 0) throw error;
    }
  } finally {
    await admin.close();
  }
}
