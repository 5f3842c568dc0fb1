/**
 * Faults in the chain of Kafka services, on the real broker, MinIO and MLflow: a trainer SIGTERMed in the middle of
 * training past the drain bound exits 143 with its run KILLED; one SIGKILLed says nothing. Both are started again;
 * their claims come back (never committed), the dead consumers' leases run out, and each claim is trained once —
 * one FINISHED run of each kind, one promotion, one inference log line. MLflow or MinIO
 * down: bounded retries, then the dead-letter topic naming the server, and nothing recorded as done, so that the
 * dead letters replayed once the server is back are each done once.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startChain, type Chain } from './chain-helpers.js';
import { readTopic, send, waitFor, type ReadMessage } from './kafka-helpers.js';

describe('trainers stopped mid-training: one with SIGTERM past the drain bound, one killed with SIGKILL', { timeout: 600_000 }, () => {
  let chain: Chain;

  before(async () => {
    // Enough epochs that the signals land inside training, well before its end (30 were done within the drain bound on
    // a quiet machine); short leases so that the restarts take over soon, and a short drain bound so that SIGTERM
    // abandons the training in hand.
    chain = await startChain({ parameters: { epochs: 200, patience: 200 }, env: { FLTS_EVENTS_LEASE_MS: '3000', FLTS_EVENTS_DRAIN_MS: '1000' } });
    await chain.sendRawClaim();
  });

  after(async () => chain?.stop());

  it('SIGTERM: exit 143 with one line, the run marked KILLED; SIGKILL: nothing said. Each is trained again once restarted: one FINISHED run of its kind, one promotion, one performance-eval', async () => {
    // Both trainers have opened their MLflow runs: training is under way.
    await waitFor('the GRU and LSTM training runs to start', async () => (await runsOf(chain.mlflow.url, 'flts-gru')).length > 0 && (await runsOf(chain.mlflow.url, 'flts-lstm')).length > 0, 240_000);
    const gru = chain.process('train-gru');
    let stderr = '';
    gru.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const stopped = new Promise<number | null>((resolve) => gru.once('exit', (code) => resolve(code)));
    gru.kill('SIGTERM');
    chain.process('train-lstm').kill('SIGKILL');
    await new Promise((resolve) => chain.process('train-lstm').once('exit', resolve));
    assert.equal(await stopped, 143, stderr);
    const lines = stderr.split('\n').filter((line) => line.startsWith('flts '));
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0]!, /^flts train-gru: Interrupted: received SIGTERM; work abandoned uncommitted .* its MLflow run marked KILLED and its outputs removed; exit 143\.$/);
    assert.deepEqual(await runsOf(chain.mlflow.url, 'flts-gru'), ['KILLED']);
    chain.start('train-gru');
    chain.start('train-lstm');

    const performance = await readTopic(chain.kafka.brokers, 'performance-eval', 1, 420_000);
    assert.equal(performance.length, 1, `no performance-eval after the restarts; the services said:\n${chain.output()}`);
    assert.deepEqual((await runsOf(chain.mlflow.url, 'flts-gru')).sort(), ['FINISHED', 'KILLED']);
    const lstm = await runsOf(chain.mlflow.url, 'flts-lstm');
    assert.equal(lstm.filter((status) => status === 'FINISHED').length, 1, `LSTM runs: ${lstm.join(', ')}`);
    const trained = succeeded(await readTopic(chain.kafka.brokers, 'model-training', (found) => succeeded(found).length >= 3, 10_000));
    assert.deepEqual(trained.map((m) => m.key).sort(), ['trained-GRU:site-a', 'trained-LSTM:site-a', 'trained-PROPHET:site-a']);
    assert.equal((await readTopic(chain.kafka.brokers, 'model-selected', 2, 5_000)).length, 1, 'one promotion');
    assert.equal((await chain.store.list('s3://inference-logs/')).length, 1, 'one inference log line');
  });
});

/** The `Trained: <KIND>` events among a topic's messages (not upstream's `Training Started` ones). */
function succeeded(messages: ReadMessage[]): ReadMessage[] {
  return messages.filter((m) => (m.value as { status: string }).status === 'SUCCESS');
}

/** Statuses of the runs of an MLflow experiment, from the server's REST API (none while it does not exist). */
async function runsOf(url: string, experiment: string): Promise<string[]> {
  const found = await fetch(`${url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${experiment}`);
  if (!found.ok) return [];
  const { experiment: { experiment_id } } = (await found.json()) as { experiment: { experiment_id: string } };
  const search = await fetch(`${url}/api/2.0/mlflow/runs/search`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ experiment_ids: [experiment_id] }) });
  const { runs = [] } = (await search.json()) as { runs?: { info: { status: string } }[] };
  return runs.map((run) => run.info.status);
}

describe('the MLflow server down while claims arrive', { timeout: 600_000 }, () => {
  let chain: Chain;

  before(async () => {
    chain = await startChain({
      env: { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1', MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.2', MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0', FAILURE_MAX_RETRIES: '2' },
    });
    await chain.mlflow.stop();
    await chain.sendRawClaim();
  });

  after(async () => chain?.stop());

  it('sends each trainer\'s claim to the dead-letter topic after bounded retries, naming the server, and nothing downstream happens', async () => {
    const dead = await readTopic(chain.kafka.brokers, 'DLQ-training-data', 3, 300_000);
    assert.equal(dead.length, 3, `expected the three trainers' dead letters; the services said:\n${chain.output()}`);
    for (const letter of dead) {
      const value = letter.value as { status: string; reason: string; error: string; payload: { object: string } };
      assert.equal(value.status, 'Failure');
      assert.equal(value.reason, 'failed');
      assert.match(value.error, /MLflow|tracking|127\.0\.0\.1/i);
      assert.match(value.payload.object, /training_data\.parquet$/);
      assert.equal(letter.headers['x-flts-attempts'], '2');
    }
    assert.deepEqual(succeeded(await readTopic(chain.kafka.brokers, 'model-training', (found) => succeeded(found).length > 0, 3_000)).length, 0, 'no trained event');
    assert.deepEqual((await readTopic(chain.kafka.brokers, 'model-selected', 1, 1_000)).length, 0, 'no promotion');
  });
});

describe('MinIO down while the trainers take their claims, then back', { timeout: 600_000 }, () => {
  let chain: Chain;

  before(async () => {
    chain = await startChain({ env: { FAILURE_MAX_RETRIES: '2' } });
    await chain.sendRawClaim();
    await readTopic(chain.kafka.brokers, 'training-data', 1, 240_000);
    await chain.minio.down();
  });

  after(async () => chain?.stop());

  it('dead-letters the claims after bounded retries, naming the server, with nothing recorded as done: replayed once MinIO is back, each is trained once', async () => {
    const dead = await readTopic(chain.kafka.brokers, 'DLQ-training-data', 3, 300_000);
    assert.equal(dead.length, 3, `expected the three trainers' dead letters; the services said:\n${chain.output()}`);
    for (const letter of dead) {
      const value = letter.value as { reason: string; error: string };
      assert.equal(value.reason, 'failed');
      assert.match(value.error, new RegExp(`MinIO|S3|object stor|127\\.0\\.0\\.1:${chain.minio.port}`, 'i'));
    }
    assert.equal((await readTopic(chain.kafka.brokers, 'model-training', (found) => found.some((m) => (m.value as { status: string }).status === 'SUCCESS'), 2_000)).length, 0, 'no trainer finished');

    // Inference's claim, waiting for a champion, met the outage as well (it reads its series' promotion record from MinIO).
    const deadInference = await readTopic(chain.kafka.brokers, 'DLQ-inference-data', 1, 120_000);
    assert.equal(deadInference.length, 1, `expected inference's dead letter; the services said:\n${chain.output()}`);

    await chain.minio.up();
    // What an operator does with the dead-letter topics once the cause is gone: send each original message again,
    // once (the three trainers' groups each dead-lettered their copy of the one training-data message).
    const payloads = (letters: typeof dead) => [
      ...new Map(letters.map((letter) => [`${letter.headers['x-flts-source-partition']}@${letter.headers['x-flts-source-offset']}`, (letter.value as { payload: unknown }).payload])).values(),
    ];
    await send(chain.kafka.brokers, 'training-data', payloads(dead));
    await send(chain.kafka.brokers, 'inference-data', payloads(deadInference));
    const performance = await readTopic(chain.kafka.brokers, 'performance-eval', 1, 420_000);
    assert.equal(performance.length, 1, `no performance-eval after the replay; the services said:\n${chain.output()}`);
    for (const experiment of ['flts-gru', 'flts-lstm', 'flts-prophet']) {
      const finished = (await runsOf(chain.mlflow.url, experiment)).filter((status) => status === 'FINISHED');
      assert.equal(finished.length, 1, `${experiment}: one FINISHED run`);
    }
    assert.equal((await readTopic(chain.kafka.brokers, 'model-selected', 2, 5_000)).length, 1, 'one promotion');
    assert.equal((await chain.store.list('s3://inference-logs/')).length, 1, 'one inference log object');
  });
});
