/**
 * The six images as Kafka services (`node dist/<component>.js kafka`), chained through a real broker, MinIO and
 * MLflow: a raw-data claim in, upstream's training-data and inference-data claims, three `Trained: <KIND>` events,
 * one `model-selected` and one `performance-eval` out, in upstream's shapes; a redelivered claim changes nothing
 * (no second MLflow run, model version or inference log line).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openTracking } from '../../shared/tracking/index.js';
import { startChain, type Chain } from './chain-helpers.js';
import { readTopic, type ReadMessage } from './kafka-helpers.js';

describe('the chain as Kafka services through a real broker', { timeout: 600_000 }, () => {
  let chain: Chain;
  let selected: ReadMessage[];
  let performance: ReadMessage[];

  before(async () => {
    chain = await startChain();
    await chain.sendRawClaim();
    performance = await readTopic(chain.kafka.brokers, 'performance-eval', 1, 420_000);
    selected = await readTopic(chain.kafka.brokers, 'model-selected', 1, 10_000);
    assert.equal(performance.length, 1, `no performance-eval message; the services said:\n${chain.output()}`);
  });

  after(async () => chain?.stop());

  it("publishes upstream's training-data and inference-data claims for the processed Parquet", async () => {
    const [training] = await readTopic(chain.kafka.brokers, 'training-data', 1);
    assert.equal(training!.key, 'train-claim:site-a');
    const claim = training!.value as Record<string, unknown>;
    assert.deepEqual(Object.keys(claim).sort(), ['bucket', 'config_hash', 'identifier', 'object', 'size', 'v']);
    assert.equal(claim['bucket'], 'processed-data');
    assert.match(String(claim['object']), /^site-a\/[0-9a-f]{64}\/[0-9a-f]{64}\/training_data\.parquet$/, '<scope>/<config_hash>/<data_digest>/…');
    const [inference] = await readTopic(chain.kafka.brokers, 'inference-data', 1);
    assert.equal(inference!.key, 'inference-claim:site-a');
    assert.equal((inference!.value as Record<string, unknown>)['operation'], 'post: test data');
  });

  it('trains all three kinds once and promotes once: model-selected in upstream\'s shape, the alias on the winner', async () => {
    const events = await readTopic(chain.kafka.brokers, 'model-training', (found) => succeeded(found).length >= 3);
    const trained = succeeded(events);
    assert.deepEqual(trained.map((m) => m.key).sort(), ['trained-GRU:site-a', 'trained-LSTM:site-a', 'trained-PROPHET:site-a']);
    // Upstream's start events, one per training, without a key.
    const started = events.filter((m) => (m.value as { status: string }).status === 'RUNNING');
    assert.deepEqual(
      started.map((m) => [m.key, m.value]).sort((a, b) => String((a[1] as { operation: string }).operation).localeCompare((b[1] as { operation: string }).operation)),
      (['GRU', 'LSTM', 'PROPHET'] as const).map((kind) => [
        undefined,
        { operation: `Training Started: ${kind}`, status: 'RUNNING', experiment: `flts-${kind.toLowerCase()}`, run_name: kind, config_hash: (trained[0]!.value as { config_hash: string }).config_hash, identifier: 'site-a' },
      ]),
    );
    assert.equal(selected.length, 1);
    const promotion = selected[0]!.value as Record<string, unknown>;
    assert.equal(selected[0]!.key, 'promotion');
    for (const field of ['identifier', 'config_hash', 'run_id', 'model_type', 'experiment', 'model_uri', 'rmse', 'mae', 'mse', 'score', 'timestamp', 'weights']) assert.ok(field in promotion, field);
    assert.ok(trained.some((m) => (m.value as { run_id: string }).run_id === promotion['run_id']), 'the winner is one of the trained runs');
    const tracker = await openTracking({ trackingUri: chain.mlflow.url });
    const champion = await tracker.getModelVersionByAlias('flts-forecaster', 'champion');
    assert.equal(champion.runId, promotion['run_id']);
  });

  it('runs inference with the champion and points performance-eval at its one log object', async () => {
    const message = performance[0]!.value as Record<string, unknown>;
    assert.equal(message['operation'], 'Inference');
    assert.equal(message['status'], 'SUCCESS');
    assert.equal(message['identifier'], 'site-a');
    assert.ok(Number(message['rows']) > 0);
    const line = JSON.parse((await chain.store.readBytes(`s3://${message['log_bucket']}/${message['log_object_key']}`)).toString()) as Record<string, unknown>;
    assert.equal(line['run_id'], selected[0]!.value && (selected[0]!.value as Record<string, unknown>)['run_id']);
  });

  it('takes a redelivered raw-data claim as already done: no second run, version or log line, the same messages again', async () => {
    const tracker = await openTracking({ trackingUri: chain.mlflow.url });
    const versionsBefore = await tracker.searchModelVersions('flts-forecaster');
    const logsBefore = await chain.store.list('s3://inference-logs/');
    await chain.sendRawClaim();
    const again = await readTopic(chain.kafka.brokers, 'performance-eval', 2, 180_000);
    assert.equal(again.length, 2, `the redelivered claim did not come through; the services said:\n${chain.output()}`);
    assert.deepEqual(again[1]!.value, again[0]!.value, 'the recorded result, republished');
    const events = await readTopic(chain.kafka.brokers, 'model-training', (found) => succeeded(found).length >= 6);
    const runIds = new Set(succeeded(events).map((m) => (m.value as { run_id: string }).run_id));
    assert.equal(runIds.size, 3, 'the same three runs announced again, none new');
    assert.equal(events.length - succeeded(events).length, 3, 'no training started again');
    assert.deepEqual(await tracker.searchModelVersions('flts-forecaster'), versionsBefore);
    assert.deepEqual((await chain.store.list('s3://inference-logs/')).map((o) => o.path), logsBefore.map((o) => o.path));
  });
});

/** The `Trained: <KIND>` events among a topic's messages (not upstream's `Training Started` ones). */
function succeeded(messages: ReadMessage[]): ReadMessage[] {
  return messages.filter((m) => (m.value as { status: string }).status === 'SUCCESS');
}
