/**
 * The six images as Kafka services (`node dist/<component>.js kafka`) against a real broker, MinIO and MLflow, for
 * the chain tests: started, fed and stopped here, each service's output kept for failure messages.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Admin } from '@platformatic/kafka';
import { createStore, type ObjectStore } from '../../shared/store/index.js';
import { repoRoot } from '../helpers/python.js';
import { sampleData } from '../helpers/sample-data.js';
import { startKafka, type KafkaServer } from '../services/kafka.js';
import { startMinio, type MinioServer } from '../services/minio.js';
import { startMlflow, type MlflowServer } from '../services/mlflow.js';
import { send, waitFor } from './kafka-helpers.js';

export const SERVICES = ['preprocess', 'train-gru', 'train-lstm', 'train-prophet', 'eval', 'inference'] as const;
export type Service = (typeof SERVICES)[number];

/** Small but real: a day and a half of the sample, tiny networks. */
export const CHAIN_PARAMETERS = { sample_train_rows: 1200, sample_test_rows: 200, input_length: 12, horizon: 3, epochs: 2, hidden_size: 8, uncertainty_samples: 20 };

export const RAW_CLAIM = { bucket: 'dataset', object: 'site-a.csv', test_object: 'site-a_test.csv', identifier: 'site-a', v: 1 };

export interface Chain {
  kafka: KafkaServer;
  minio: MinioServer;
  mlflow: MlflowServer;
  store: ObjectStore;
  /** The services' output so far, for failure messages. */
  output(): string;
  /** Everything one process said, by its tag: "inference" for the first member, "inference#1" for the second, … */
  outputOf(tag: string): string;
  /** Starts a member of `service`'s consumer group (again); resolves at once. */
  start(service: Service, extraEnv?: Record<string, string>): ChildProcess;
  /** The process of `service` started last. */
  process(service: Service): ChildProcess;
  /** Every process of `service` started so far, in order (their output is tagged `[service#i]`). */
  processes(service: Service): ChildProcess[];
  sendRawClaim(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `parameters` go over CHAIN_PARAMETERS, or replace them with `exactParameters`; `replicas`: members started per
 * consumer group (each service's group shares its topic's partitions).
 */
export async function startChain(
  options: {
    parameters?: Record<string, unknown>;
    exactParameters?: boolean;
    env?: Record<string, string>;
    /** Extra environment of one service's members. */
    serviceEnv?: Partial<Record<Service, Record<string, string>>>;
    replicas?: number;
  } = {},
): Promise<Chain> {
  const [kafka, minio] = await Promise.all([startKafka(), startMinio()]);
  const mlflow = await startMlflow({ artifacts: 's3', minio });
  const store = createStore({ env: minio.env });
  const sample = await sampleData();
  await store.upload(sample.train, 's3://dataset/site-a.csv');
  await store.upload(sample.test, 's3://dataset/site-a_test.csv');
  const env = {
    ...process.env,
    ...kafka.env,
    ...minio.env,
    ...mlflow.env,
    FLTS_PARAMETERS: JSON.stringify({ ...(!options.exactParameters && CHAIN_PARAMETERS), ...options.parameters }),
    FLTS_EVENTS_HTTP_PORT: '0',
    FLTS_QUIET: '1',
    ...options.env,
  };
  const lines: string[] = [];
  const byTag = new Map<string, string[]>();
  const children = new Map<Service, ChildProcess[]>();
  const start = (service: Service, extraEnv: Record<string, string> = {}) => {
    const members = children.get(service) ?? [];
    const tag = members.length === 0 ? service : `${service}#${members.length}`;
    const child = spawn(process.execPath, [`dist/${service}.js`, 'kafka'], { cwd: repoRoot, env: { ...env, ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    const own: string[] = byTag.get(tag) ?? [];
    byTag.set(tag, own);
    const take = (chunk: Buffer) => {
      lines.push(`[${tag}] ${chunk}`);
      own.push(chunk.toString());
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    children.set(service, [...members, child]);
    return child;
  };
  for (let replica = 0; replica < (options.replicas ?? 1); replica++) for (const service of SERVICES) start(service, options.serviceEnv?.[service]);
  const output = () => lines.join('').slice(-6000);
  await waitFor("the services to create the chain's topics", async () => (await listTopics(kafka.brokers)).includes('DLQ-raw-data'), 60_000).catch((error: Error) => {
    throw new Error(`${error.message} The services said:\n${output()}`);
  });
  return {
    kafka,
    minio,
    mlflow,
    store,
    output,
    outputOf: (tag) => (byTag.get(tag) ?? []).join(''),
    start,
    process: (service) => children.get(service)!.at(-1)!,
    processes: (service) => [...children.get(service)!],
    sendRawClaim: () => send(kafka.brokers, 'raw-data', [RAW_CLAIM]),
    stop: async () => {
      const running = [...children.values()].flat().filter((child) => child.exitCode === null && child.signalCode === null);
      for (const child of running) child.kill('SIGTERM');
      await Promise.all(running.map((child) => new Promise((resolve) => child.once('exit', resolve))));
      await mlflow.stop();
      await Promise.all([kafka.stop(), minio.stop()]);
    },
  };
}

async function listTopics(brokers: string[]): Promise<string[]> {
  const admin = new Admin({ clientId: 'flts-test-admin', bootstrapBrokers: brokers });
  try {
    return await admin.listTopics();
  } finally {
    await admin.close();
  }
}
