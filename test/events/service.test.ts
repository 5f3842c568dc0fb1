import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Admin } from '@platformatic/kafka';
import { ensureTopics, MicroBatcher, parseTrainingDataClaim, startHealthServer, type EventService, type TrainingDataClaim } from '../../shared/events/index.js';
import { startKafka, type KafkaServer } from '../services/kafka.js';
import { committedOffsets, createTopics, readTopic, send, settings, startService, uniqueTopic, waitFor, type CapturedLog } from './kafka-helpers.js';

/** A training-data claim in upstream's exact shape (reference/upstream-flts.md §2.4). */
function claim(i: number): TrainingDataClaim {
  return { bucket: 'processed-data', object: `site-${i}/processed_data.parquet`, size: 1000 + i, v: 1, identifier: `site-${i}` };
}

describe('EventService against a real broker', { timeout: 180_000 }, () => {
  let kafka: KafkaServer;
  const running: EventService<unknown>[] = [];

  before(async () => {
    kafka = await startKafka();
  });
  after(async () => {
    for (const service of running) await service.stop();
    await kafka?.stop();
  });

  /** Input topic, output topic and its DLQ, created fresh for one test. */
  async function topics(partitions = 1) {
    const input = uniqueTopic('training-data');
    const output = uniqueTopic('model-training');
    await createTopics(kafka.brokers, [input, output, `DLQ-${input}`], partitions);
    return { input, output, dlq: `DLQ-${input}`, group: uniqueTopic('group') };
  }

  async function start(options: Parameters<typeof startService<TrainingDataClaim>>[0]): Promise<{ service: EventService<TrainingDataClaim>; log: CapturedLog }> {
    const started = await startService<TrainingDataClaim>(options);
    running.push(started.service as EventService<unknown>);
    return started;
  }

  describe('when every message is handled', () => {
    it('publishes each output and commits every offset after it', async () => {
      const t = await topics();
      const { service } = await start({
        topic: t.input,
        groupId: t.group,
        kafka: settings(kafka.brokers),
        parse: parseTrainingDataClaim,
        handle: async ({ value }) => [{ topic: t.output, key: `trained-${value.identifier}`, value: { object: value.object } }],
      });
      await send(kafka.brokers, t.input, [0, 1, 2, 3, 4].map(claim));
      const outputs = await readTopic(kafka.brokers, t.output, 5);
      assert.deepEqual(
        outputs.map((m) => m.value),
        [0, 1, 2, 3, 4].map((i) => ({ object: `site-${i}/processed_data.parquet` })),
      );
      await waitFor('the commit of offset 5', async () => (await committedOffsets(kafka.brokers, t.group, t.input, 1))[0] === 5n, 10_000);
      assert.equal(await service.metrics.processed.get().then((m) => m.values[0]?.value), 5);
    });
  });

  describe('when a poison message sits in the middle', () => {
    it('dead-letters it at once with the reason and lets the rest flow', async () => {
      const t = await topics();
      let calls = 0;
      await start({
        topic: t.input,
        groupId: t.group,
        kafka: settings(kafka.brokers),
        parse: parseTrainingDataClaim,
        handle: async ({ value }) => {
          calls += 1;
          return [{ topic: t.output, value: { object: value.object } }];
        },
      });
      await send(kafka.brokers, t.input, [claim(1), '{"bucket": "processed-data", "obj', { bucket: 'processed-data', object: 7 }, claim(2)]);
      const outputs = await readTopic(kafka.brokers, t.output, 2);
      assert.deepEqual(outputs.map((m) => m.value), [{ object: 'site-1/processed_data.parquet' }, { object: 'site-2/processed_data.parquet' }]);
      const letters = await readTopic(kafka.brokers, t.dlq, 2);
      assert.equal(calls, 2);
      assert.deepEqual(
        letters.map((m) => ({ reason: m.headers['x-flts-reason'], offset: m.headers['x-flts-source-offset'], attempts: m.headers['x-flts-attempts'] })),
        [
          { reason: 'poison', offset: '1', attempts: '0' },
          { reason: 'poison', offset: '2', attempts: '0' },
        ],
      );
      const [notJson, wrongShape] = letters.map((m) => m.value as Record<string, unknown>);
      assert.match(String(notJson!['error']), /^Message on "training-data-[0-9a-f]+" is not JSON/);
      assert.equal(notJson!['payload'], '{"bucket": "processed-data", "obj');
      assert.equal(wrongShape!['error'], `Message on "${t.input}": field "object" must be a non-empty string; got 7.`);
      assert.deepEqual(wrongShape!['payload'], { bucket: 'processed-data', object: 7 });
      assert.equal(wrongShape!['status'], 'Failure');
    });
  });

  describe('when the handler keeps failing', () => {
    it('tries a bounded number of times, then dead-letters the original payload and headers with the error', async () => {
      const t = await topics();
      const attempts: number[] = [];
      await start({
        topic: t.input,
        groupId: t.group,
        kafka: settings(kafka.brokers),
        parse: parseTrainingDataClaim,
        retry: { attempts: 3 },
        handle: async ({ value, attempt }) => {
          if (value.identifier === 'site-1') {
            attempts.push(attempt);
            throw new Error('MLflow answered 503 on POST /api/2.0/mlflow/runs/create');
          }
          return [{ topic: t.output, value: { object: value.object } }];
        },
      });
      await send(kafka.brokers, t.input, [claim(1), claim(2)], { headers: { trace: 'abc' } });
      const [letter] = await readTopic(kafka.brokers, t.dlq, 1);
      assert.deepEqual(attempts, [1, 2, 3]);
      assert.deepEqual(
        { ...(letter!.value as Record<string, unknown>), timestamp: 'checked below' },
        {
          operation: 'test-service',
          status: 'Failure',
          reason: 'failed',
          error: 'MLflow answered 503 on POST /api/2.0/mlflow/runs/create',
          payload: claim(1),
          timestamp: 'checked below',
        },
      );
      assert.ok(Math.abs((letter!.value as { timestamp: number }).timestamp - Date.now() / 1000) < 60);
      assert.equal(letter!.headers['trace'], 'abc');
      assert.equal(letter!.headers['x-flts-attempts'], '3');
      assert.equal(letter!.key, 'k0');
      assert.equal((await readTopic(kafka.brokers, t.output, 1)).length, 1);
    });

    it('succeeds without a dead letter when a retry works', async () => {
      const t = await topics();
      let failures = 0;
      const { service } = await start({
        topic: t.input,
        groupId: t.group,
        kafka: settings(kafka.brokers),
        parse: parseTrainingDataClaim,
        retry: { attempts: 3 },
        handle: async ({ value }) => {
          if (failures < 2) {
            failures += 1;
            throw new Error('MinIO is restarting');
          }
          return [{ topic: t.output, value: { object: value.object } }];
        },
      });
      await send(kafka.brokers, t.input, [claim(1)]);
      assert.equal((await readTopic(kafka.brokers, t.output, 1)).length, 1);
      assert.equal(await service.metrics.failed.get().then((m) => m.values[0]?.value), 2);
      assert.deepEqual(await readTopic(kafka.brokers, t.dlq, 1, 1500), []);
    });
  });

  describe('when a message carries a deadline_ms header', () => {
    it('dead-letters an expired message with reason "expired" and handles one still in time', async () => {
      const t = await topics();
      await start({
        topic: t.input,
        groupId: t.group,
        kafka: settings(kafka.brokers),
        parse: parseTrainingDataClaim,
        handle: async ({ value }) => [{ topic: t.output, value: { object: value.object } }],
      });
      await send(kafka.brokers, t.input, [claim(1)], { headers: { deadline_ms: String(Date.now() - 1000) } });
      await send(kafka.brokers, t.input, [claim(2)], { headers: { deadline_ms: String(Date.now() + 60_000) } });
      const [letter] = await readTopic(kafka.brokers, t.dlq, 1);
      assert.equal(letter!.headers['x-flts-reason'], 'expired');
      assert.match(String((letter!.value as { error: string }).error), /^Deadline passed: header "deadline_ms" is \S+Z, \d+ ms before it was taken\.$/);
      const outputs = await readTopic(kafka.brokers, t.output, 1);
      assert.deepEqual(outputs.map((m) => m.value), [{ object: 'site-2/processed_data.parquet' }]);
    });
  });

  describe('when messages arrive faster than the handler finishes them', () => {
    it('pauses fetching at the high watermark, never holds more than the capacity, and resumes at the low one', async () => {
      const t = await topics();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      let maxDepth = 0;
      const { service, log } = await start({
        topic: t.input,
        groupId: t.group,
        kafka: settings(kafka.brokers),
        parse: parseTrainingDataClaim,
        queue: { capacity: 10, high: 0.8, low: 0.5 },
        handle: async ({ value }) => {
          await gate;
          return [{ topic: t.output, value: { object: value.object } }];
        },
      });
      const sampler = setInterval(() => {
        void service.metrics.queueDepth.get().then((m) => (maxDepth = Math.max(maxDepth, m.values[0]?.value ?? 0)));
      }, 20);
      await send(kafka.brokers, t.input, Array.from({ length: 40 }, (_, i) => claim(i)));
      await waitFor('the pause at the high watermark', () => log.events('fetch_paused').length > 0, 15_000);
      await new Promise((resolve) => setTimeout(resolve, 1000)); // time for a consumer that ignored the pause to overfill
      release();
      const outputs = await readTopic(kafka.brokers, t.output, 40);
      clearInterval(sampler);
      assert.equal(outputs.length, 40);
      assert.equal(new Set(outputs.map((m) => JSON.stringify(m.value))).size, 40);
      // Sampled every 20 ms, the gauge may be read just as the handler took one message out (the pause itself is
      // checked exactly in the log below); what must never happen is more than the capacity held.
      assert.ok(maxDepth >= 7 && maxDepth <= 10, `queue depth peaked at ${maxDepth}; expected 7 to 10`);
      assert.equal(log.events('fetch_paused')[0]!['queued'], 8);
      assert.ok(log.events('fetch_resumed').length > 0, 'fetching resumed');
      assert.ok(log.events('fetch_resumed').every((e) => (e['queued'] as number) <= 5));
    });
  });

  describe('operations endpoints', () => {
    it('answer /healthz, /ready once joined, and /metrics in Prometheus text with counts, queue depth and lag', async () => {
      const t = await topics();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const { service } = await start({
        topic: t.input,
        groupId: t.group,
        kafka: settings(kafka.brokers),
        parse: parseTrainingDataClaim,
        handle: async ({ value }) => {
          await gate;
          return [{ topic: t.output, value: { object: value.object } }];
        },
      });
      const http = await startHealthServer({ metrics: service.metrics, isReady: () => service.ready, port: 0, host: '127.0.0.1' });
      try {
        const url = `http://127.0.0.1:${http.port}`;
        await waitFor('readiness', async () => (await fetch(`${url}/ready`)).status === 200, 15_000);
        assert.deepEqual(await (await fetch(`${url}/ready`)).json(), { status: 'ready' });
        assert.equal((await (await fetch(`${url}/healthz`)).json() as { status: string }).status, 'ok');
        await send(kafka.brokers, t.input, [claim(1), claim(2), claim(3), 'not json']);
        await waitFor('lag of 3 behind the stuck handler', async () => /flts_events_consumer_lag\{[^}]*partition="0"[^}]*\} [34]/.test(await (await fetch(`${url}/metrics`)).text()), 15_000);
        release();
        await readTopic(kafka.brokers, t.output, 3);
        // The poison message comes after the three, so both counts are waited for.
        await waitFor('the counts', async () => {
          const text = await (await fetch(`${url}/metrics`)).text();
          return text.includes(`flts_events_processed_total{topic="${t.input}",service="test-service"} 3`) && text.includes(`flts_events_dlq_total{topic="${t.input}",reason="poison",service="test-service"} 1`);
        }, 10_000);
        const text = await (await fetch(`${url}/metrics`)).text();
        assert.match(text, /# TYPE flts_events_processed_total counter/);
        assert.ok(text.includes(`flts_events_dlq_total{topic="${t.input}",reason="poison",service="test-service"} 1`), text);
        assert.match(text, /flts_events_queue_depth\{service="test-service"\} 0/);
        assert.equal((await fetch(`${url}/nowhere`)).status, 404);
      } finally {
        await http.close();
      }
    });
  });

  describe('ensureTopics', () => {
    it('creates the topics that are missing with the layout asked for and leaves existing ones alone', async () => {
      const existing = uniqueTopic('model-selected');
      const missing = uniqueTopic('performance-eval');
      await createTopics(kafka.brokers, [existing], 1);
      await ensureTopics(settings(kafka.brokers), [existing, missing, `DLQ-${missing}`], { partitions: 2, replicas: 1 });
      const admin = new Admin({ clientId: 'flts-test-admin', bootstrapBrokers: kafka.brokers });
      try {
        const metadata = await admin.metadata({ topics: [existing, missing, `DLQ-${missing}`], forceUpdate: true });
        assert.deepEqual(
          [existing, missing, `DLQ-${missing}`].map((topic) => metadata.topics.get(topic)?.partitionsCount),
          [1, 2, 2],
        );
      } finally {
        await admin.close();
      }
    });
  });

  describe('with concurrency for micro-batched inference', () => {
    it('hands a wave of messages to the handler side by side, so that a MicroBatcher groups them, and commits them all', async () => {
      const t = await topics(3);
      const batches: number[] = [];
      const batcher = new MicroBatcher<TrainingDataClaim, string>({ maxSize: 8, maxWaitMs: 50, run: async (claims) => (batches.push(claims.length), claims.map((c) => c.object)) });
      await start({
        topic: t.input,
        groupId: t.group,
        kafka: settings(kafka.brokers),
        parse: parseTrainingDataClaim,
        concurrency: 8,
        queue: { capacity: 32 },
        handle: async ({ value }) => [{ topic: t.output, value: { object: await batcher.add(value) } }],
      });
      await send(kafka.brokers, t.input, Array.from({ length: 24 }, (_, i) => claim(i)));
      const outputs = await readTopic(kafka.brokers, t.output, 24);
      assert.equal(new Set(outputs.map((m) => JSON.stringify(m.value))).size, 24);
      assert.equal(batches.reduce((a, b) => a + b, 0), 24);
      assert.ok(Math.max(...batches) > 1, `batch sizes ${batches.join(', ')}: the handler saw messages side by side`);
      await waitFor('all 24 committed', async () => (await committedOffsets(kafka.brokers, t.group, t.input, 3)).reduce((a, b) => a + b, 0n) === 24n, 10_000);
    });
  });
});
