/**
 * The six images as Kafka services (`node dist/<component>.js kafka`), chained through a real broker, MinIO and
 * MLflow: a raw-data claim in, upstream's training-data and inference-data claims, three `Trained: <KIND>` events,
 * one `model-selected` and one `performance-eval` out, in upstream's shapes; a redelivered claim changes nothing
 * (no second MLflow run, model version or inference log line).
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { createStore, type ObjectStore } from '../../shared/store/index.js';
import { openTracking } from '../../shared/tracking/index.js';
import { repoRoot } from '../helpers/python.js';
import { sampleData } from '../helpers/sample-data.js';
import { startKafka, type KafkaServer } from '../services/kafka.js';
import { startMinio, type MinioServer } from '../services/minio.js';
import { startMlflow, type MlflowServer } from '../services/mlflow.js';
import { readTopic, send, waitFor, type ReadMessage } from './kafka-helpers.js';
import { Admin } from '@platformatic/kafka';

const SERVICES = ['preprocess', 'train-gru', 'train-lstm', 'train-prophet', 'eval', 'inference'] as const;
/** Small but real: a day and a half of the sample, tiny networks. */
const PARAMETERS = { sample_train_rows: 1200, sample_test_rows: 200, input_length: 12, horizon: 3, epochs: 2, hidden_size: 8, uncertainty_samples: 20 };

describe('the chain as Kafka services through a real broker', { timeout: 600_000 }, () => {
  let kafka: KafkaServer;
  let minio: MinioServer;
  let mlflow: MlflowServer;
  let store: ObjectStore;
  const children: ChildProcess[] = [];
  const output: string[] = [];
  let selected: ReadMessage[];
  let performance: ReadMessage[];

  before(async () => {
    [kafka, minio] = await Promise.all([startKafka(), startMinio()]);
    mlflow = await startMlflow({ artifacts: 's3', minio });
    store = createStore({ env: minio.env });
    const sample = await sampleData();
    await store.upload(sample.train, 's3://dataset/site-a.csv');
    await store.upload(sample.test, 's3://dataset/site-a_test.csv');
    const env = { ...process.env, ...kafka.env, ...minio.env, ...mlflow.env, FLTS_PARAMETERS: JSON.stringify(PARAMETERS), FLTS_EVENTS_HTTP_PORT: '0', FLTS_QUIET: '1' };
    for (const service of SERVICES) {
      const child = spawn(process.execPath, [`dist/${service}.js`, 'kafka'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (chunk: Buffer) => output.push(`[${service}] ${chunk}`));
      child.stderr.on('data', (chunk: Buffer) => output.push(`[${service}] ${chunk}`));
      children.push(child);
    }
    await waitFor('the services to create the chain\'s topics', async () => (await listTopics(kafka.brokers)).includes('DLQ-raw-data'), 60_000).catch((error: Error) => {
      throw new Error(`${error.message} The services said:\n${output.join('').slice(-6000)}`);
    });
    await send(kafka.brokers, 'raw-data', [{ bucket: 'dataset', object: 'site-a.csv', test_object: 'site-a_test.csv', identifier: 'site-a', v: 1 }]);
    performance = await readTopic(kafka.brokers, 'performance-eval', 1, 420_000);
    selected = await readTopic(kafka.brokers, 'model-selected', 1, 10_000);
    assert.equal(performance.length, 1, `no performance-eval message; the services said:\n${output.join('').slice(-6000)}`);
  });

  after(async () => {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(undefined) : child.once('exit', resolve)))));
    await mlflow?.stop();
    await Promise.all([kafka?.stop(), minio?.stop()]);
  });

  it("publishes upstream's training-data and inference-data claims for the processed Parquet", async () => {
    const [training] = await readTopic(kafka.brokers, 'training-data', 1);
    assert.equal(training!.key, 'train-claim');
    const claim = training!.value as Record<string, unknown>;
    assert.deepEqual(Object.keys(claim).sort(), ['bucket', 'config_hash', 'identifier', 'object', 'size', 'v']);
    assert.equal(claim['bucket'], 'processed-data');
    assert.match(String(claim['object']), /^site-a\/[0-9a-f]{64}\/training_data\.parquet$/);
    const [inference] = await readTopic(kafka.brokers, 'inference-data', 1);
    assert.equal(inference!.key, 'inference-claim');
    assert.equal((inference!.value as Record<string, unknown>)['operation'], 'post: test data');
  });

  it('trains all three kinds once and promotes once: model-selected in upstream\'s shape, the alias on the winner', async () => {
    const trained = await readTopic(kafka.brokers, 'model-training', 3);
    assert.deepEqual(trained.map((m) => m.key).sort(), ['trained-GRU', 'trained-LSTM', 'trained-PROPHET']);
    assert.equal(selected.length, 1);
    const promotion = selected[0]!.value as Record<string, unknown>;
    assert.equal(selected[0]!.key, 'promotion');
    for (const field of ['identifier', 'config_hash', 'run_id', 'model_type', 'experiment', 'model_uri', 'rmse', 'mae', 'mse', 'score', 'timestamp', 'weights']) assert.ok(field in promotion, field);
    assert.ok(trained.some((m) => (m.value as { run_id: string }).run_id === promotion['run_id']), 'the winner is one of the trained runs');
    const tracker = await openTracking({ trackingUri: mlflow.url });
    const champion = await tracker.getModelVersionByAlias('flts-forecaster', 'champion');
    assert.equal(champion.runId, promotion['run_id']);
  });

  it('runs inference with the champion and points performance-eval at its one log object', async () => {
    const message = performance[0]!.value as Record<string, unknown>;
    assert.equal(message['operation'], 'Inference');
    assert.equal(message['status'], 'SUCCESS');
    assert.equal(message['identifier'], 'site-a');
    assert.ok(Number(message['rows']) > 0);
    const line = JSON.parse((await store.readBytes(`s3://${message['log_bucket']}/${message['log_object_key']}`)).toString()) as Record<string, unknown>;
    assert.equal(line['run_id'], selected[0]!.value && (selected[0]!.value as Record<string, unknown>)['run_id']);
  });

  it('takes a redelivered raw-data claim as already done: no second run, version or log line, the same messages again', async () => {
    const tracker = await openTracking({ trackingUri: mlflow.url });
    const versionsBefore = await tracker.searchModelVersions('flts-forecaster');
    const logsBefore = await store.list('s3://inference-logs/');
    await send(kafka.brokers, 'raw-data', [{ bucket: 'dataset', object: 'site-a.csv', test_object: 'site-a_test.csv', identifier: 'site-a', v: 1 }]);
    const again = await readTopic(kafka.brokers, 'performance-eval', 2, 180_000);
    assert.equal(again.length, 2, `the redelivered claim did not come through; the services said:\n${output.join('').slice(-4000)}`);
    assert.deepEqual(again[1]!.value, again[0]!.value, 'the recorded result, republished');
    const trained = await readTopic(kafka.brokers, 'model-training', 6);
    const runIds = new Set(trained.map((m) => (m.value as { run_id: string }).run_id));
    assert.equal(runIds.size, 3, 'the same three runs announced again, none new');
    assert.deepEqual(await tracker.searchModelVersions('flts-forecaster'), versionsBefore);
    assert.deepEqual((await store.list('s3://inference-logs/')).map((o) => o.path), logsBefore.map((o) => o.path));
  });
});

async function listTopics(brokers: string[]): Promise<string[]> {
  const admin = new Admin({ clientId: 'flts-test-admin', bootstrapBrokers: brokers });
  try {
    return await admin.listTopics();
  } finally {
    await admin.close();
  }
}
