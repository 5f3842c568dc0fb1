/**
 * Event mode's throughput and latency on this machine, beside KFP mode doing the same work, in one run:
 *
 * - Lifecycles: `--lifecycles` raw-data claims at once through the six Kafka services (one member each, real
 *   broker, MinIO and MLflow) — messages/s through the chain and, per claim, the time from its raw-data message to
 *   its promotion (`model-selected`) and to its `performance-eval` (p50, p99). Peer: the local KFP runner running
 *   the compiled pipeline on the same data and parameters, site after site — the ratio is its time per lifecycle
 *   over event mode's.
 * - Inference: `--claims` inference-data claims at once through the inference service — claims/s and latency per
 *   claim (send → performance-eval) with the defaults (16 claims at a time, forecasts micro-batched) and one claim at
 *   a time; peer: the inference component as a one-shot KFP step, one process per claim (`--peer-claims` of them).
 *
 * `npm run bench -- events` (options after `--` of tsx: `tsx bench/events.ts --lifecycles 3 --claims 300`).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { inferenceSpec } from '../components/inference/spec.js';
import { runCompiledPipeline } from '../pipelines/local-runner.js';
import { startChain, type Chain } from '../test/events/chain-helpers.js';
import { readTopic, send, type ReadMessage } from '../test/events/kafka-helpers.js';
import { runLocally, tempDir } from '../test/helpers/component.js';
import { sampleData } from '../test/helpers/sample-data.js';
import { recordResult } from './record.js';

const { values } = parseArgs({ options: { lifecycles: { type: 'string', default: '3' }, claims: { type: 'string', default: '300' }, 'peer-claims': { type: 'string', default: '20' } } });
const LIFECYCLES = Number(values.lifecycles);
const CLAIMS = Number(values.claims);
const PEER_CLAIMS = Number(values['peer-claims']);
/** Parameters both modes take (the compiled pipeline exposes these). */
const PARAMETERS = { input_length: 12, horizon: 3, epochs: 2 };

const site = (i: number) => `site-${i + 1}`;

/** p-th percentile (0–100) of `values`, nearest rank. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const seconds = (ms: number) => Number((ms / 1000).toFixed(2));

function firstByIdentifier(messages: ReadMessage[]): Map<string, ReadMessage> {
  const found = new Map<string, ReadMessage>();
  for (const message of messages) {
    const id = String((message.value as { identifier?: string }).identifier);
    if (!found.has(id)) found.set(id, message);
  }
  return found;
}

/** Latency from each identifier's `from` message to its first `to` message. */
function latencies(from: Map<string, ReadMessage>, to: Map<string, ReadMessage>): number[] {
  return [...from].map(([id, message]) => to.get(id)!.timestamp - message.timestamp);
}

const sample = await sampleData();
const [train, test] = await Promise.all([readFile(sample.train), readFile(sample.test)]);

// Event mode: the chain.
let chain: Chain | undefined;
const lifecycle: Record<string, unknown> = {};
const inference: Record<string, unknown> = {};
try {
  chain = await startChain({ parameters: PARAMETERS, exactParameters: true });
  for (let i = 0; i < LIFECYCLES; i++) {
    await chain.store.writeBytes(`s3://dataset/${site(i)}.csv`, train);
    await chain.store.writeBytes(`s3://dataset/${site(i)}_test.csv`, test);
  }
  const claims = Array.from({ length: LIFECYCLES }, (_, i) => ({ bucket: 'dataset', object: `${site(i)}.csv`, test_object: `${site(i)}_test.csv`, identifier: site(i), v: 1 }));
  await send(chain.kafka.brokers, 'raw-data', claims, { key: (i) => site(i) });
  const performance = firstByIdentifier(await readTopic(chain.kafka.brokers, 'performance-eval', (found) => firstByIdentifier(found).size >= LIFECYCLES, 3_600_000));
  const raw = firstByIdentifier(await readTopic(chain.kafka.brokers, 'raw-data', LIFECYCLES, 10_000));
  const selected = firstByIdentifier(await readTopic(chain.kafka.brokers, 'model-selected', LIFECYCLES, 10_000));
  const chainTopics = ['raw-data', 'training-data', 'inference-data', 'model-training', 'model-selected', 'performance-eval'];
  let messages = 0;
  // Each lifecycle puts 8 messages on the chain's topics: raw-data, training-data, inference-data, 3 model-training (one per kind), model-selected, performance-eval.
  const expected: Record<string, number> = { 'raw-data': 1, 'training-data': 1, 'inference-data': 1, 'model-training': 3, 'model-selected': 1, 'performance-eval': 1 };
  for (const topic of chainTopics) messages += (await readTopic(chain.kafka.brokers, topic, expected[topic]! * LIFECYCLES, 30_000)).length;
  const start = Math.min(...[...raw.values()].map((m) => m.timestamp));
  const end = Math.max(...[...performance.values()].map((m) => m.timestamp));
  const toPromotion = latencies(raw, selected);
  const toInference = latencies(raw, performance);
  Object.assign(lifecycle, {
    lifecycles: LIFECYCLES,
    messages,
    wall_s: seconds(end - start),
    messages_per_s: Number((messages / ((end - start) / 1000)).toFixed(2)),
    to_promotion_p50_s: seconds(percentile(toPromotion, 50)),
    to_promotion_p99_s: seconds(percentile(toPromotion, 99)),
    to_performance_eval_p50_s: seconds(percentile(toInference, 50)),
    to_performance_eval_p99_s: seconds(percentile(toInference, 99)),
  });
  const processed = (await readTopic(chain.kafka.brokers, 'inference-data', 1, 10_000))[0]!.value as { bucket: string; object: string };
  const bytes = await chain.store.readBytes(`s3://${processed.bucket}/${processed.object}`);

  // Inference claims, the defaults and one at a time: the same service restarted with other settings.
  for (const [variant, env] of [
    ['micro-batched (16 at a time)', {}],
    ['one at a time', { FLTS_EVENTS_CONCURRENCY: '1', BATCH_SIZE: '1' }],
  ] as const) {
    const member = chain.process('inference');
    member.kill('SIGTERM');
    await new Promise((resolve) => member.once('exit', resolve));
    chain.start('inference', env);
    const prefix = variant.startsWith('one') ? 'single' : 'batched';
    const objects = Array.from({ length: CLAIMS }, (_, i) => `${prefix}-${String(i).padStart(5, '0')}.parquet`);
    for (let i = 0; i < CLAIMS; i += 50) await Promise.all(objects.slice(i, i + 50).map((object) => chain!.store.writeBytes(`s3://claims/${object}`, bytes)));
    // Claims of site-1's series (served by its champion), told apart by the claim header on performance-eval.
    const sentAt = Date.now();
    await send(chain.kafka.brokers, 'inference-data', objects.map((object) => ({ bucket: 'claims', object, identifier: site(0), v: 1 })), { key: (i) => objects[i]! });
    const wanted = new Set(objects.map((object) => `s3://claims/${object}`));
    const byClaim = (found: ReadMessage[]) => {
      const first = new Map<string, ReadMessage>();
      for (const m of found) if (wanted.has(m.headers['x-flts-claim'] ?? '') && !first.has(m.headers['x-flts-claim']!)) first.set(m.headers['x-flts-claim']!, m);
      return first;
    };
    const done = byClaim(await readTopic(chain.kafka.brokers, 'performance-eval', (found) => byClaim(found).size >= CLAIMS, 3_600_000));
    const sent = new Map<string, ReadMessage>();
    for (const m of await readTopic(chain.kafka.brokers, 'inference-data', 1_000_000, 5_000)) {
      const object = (m.value as { object?: string }).object;
      const source = `s3://claims/${object}`;
      if (m.timestamp >= sentAt - 1000 && wanted.has(source) && !sent.has(source)) sent.set(source, m);
    }
    const waits = latencies(sent, done);
    const first = Math.min(...[...sent.values()].map((m) => m.timestamp));
    const last = Math.max(...[...done.values()].map((m) => m.timestamp));
    inference[variant] = {
      claims: CLAIMS,
      claims_per_s: Number((CLAIMS / ((last - first) / 1000)).toFixed(2)),
      latency_p50_s: seconds(percentile(waits, 50)),
      latency_p99_s: seconds(percentile(waits, 99)),
    };
  }
} finally {
  await chain?.stop();
}

// KFP mode: the same lifecycles through the local runner, one after another.
const pipelineStart = Date.now();
for (let i = 0; i < LIFECYCLES; i++) {
  const root = await tempDir(`flts-bench-events-kfp-${i}-`);
  await runCompiledPipeline(new URL('../pipelines/flts_pipeline.yaml', import.meta.url).pathname, {
    parameters: { data_uri: sample.train, test_data_uri: sample.test, identifier: site(i), mlflow_tracking_uri: join(root, 'mlruns'), ...PARAMETERS },
    runRoot: root,
    env: { FLTS_LOCAL_STORE: join(root, 'store') },
  });
}
const kfpPerLifecycle = (Date.now() - pipelineStart) / LIFECYCLES;

// KFP mode: inference as a one-shot step per claim, with site-1's last model.
const peerRoot = await tempDir('flts-bench-events-peer-');
const { model, data: peerData } = await trainedPeer(peerRoot);
const peerStart = Date.now();
for (let i = 0; i < PEER_CLAIMS; i++) {
  const run = await runLocally(inferenceSpec, join(peerRoot, `claim-${i}`), { mlflow_tracking_uri: join(peerRoot, 'mlruns'), identifier: `peer-${i}`, log_bucket: '' }, { inference_data: { uri: peerData }, selected_model: { uri: model } });
  if (run.code !== 0) throw new Error(`peer inference ${i} exited ${run.code}: ${run.stderr}`);
}
const peerClaimsPerS = PEER_CLAIMS / ((Date.now() - peerStart) / 1000);

const batched = inference['micro-batched (16 at a time)'] as { claims_per_s: number };
await recordResult('events', {
  description:
    'Event mode (six Kafka services, real broker/MinIO/MLflow) vs KFP mode (local runner, one-shot steps) on the built-in sample data, input_length 12, horizon 3, epochs 2. Lifecycle: raw-data → promotion → performance-eval. Inference: claims through the inference service vs one process per claim.',
  lifecycle: { ...lifecycle, kfp_local_runner_s_per_lifecycle: seconds(kfpPerLifecycle), ratio_kfp_time_over_event_time: Number((kfpPerLifecycle / 1000 / ((lifecycle['wall_s'] as number) / LIFECYCLES)).toFixed(2)) },
  inference: { ...inference, kfp_one_shot_claims_per_s: Number(peerClaimsPerS.toFixed(2)), ratio_event_over_one_shot: Number((batched.claims_per_s / peerClaimsPerS).toFixed(1)) },
});

/** For the one-shot peer: a GRU trained on the sample as in the chain, and its preprocessed held-out data. */
async function trainedPeer(root: string): Promise<{ model: string; data: string }> {
  const prep = await runLocally((await import('../components/preprocess/spec.js')).preprocessSpec, join(root, 'prep'), { data_uri: sample.train, test_data_uri: sample.test });
  if (prep.code !== 0) throw new Error(prep.stderr);
  const { trainGruSpec } = await import('../components/train-gru/spec.js');
  const { artifactOf } = await import('../test/helpers/component.js');
  const trained = await runLocally(trainGruSpec, join(root, 'gru'), { ...PARAMETERS, mlflow_tracking_uri: join(root, 'mlruns') }, {
    training_data: artifactOf(prep, 'training_data'),
    validation_data: artifactOf(prep, 'validation_data'),
    inference_data: artifactOf(prep, 'inference_data'),
  });
  if (trained.code !== 0) throw new Error(trained.stderr);
  return { model: artifactOf(trained, 'model').uri, data: artifactOf(prep, 'inference_data').uri };
}
