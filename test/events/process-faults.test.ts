import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createStore, type ObjectStore } from '../../shared/store/index.js';
import { startKafka, type KafkaServer } from '../services/kafka.js';
import { startMinio, type MinioServer } from '../services/minio.js';
import { committedOffsets, createTopics, readTopic, send, uniqueTopic } from './kafka-helpers.js';
import { WorkerProcess } from './worker-process.js';

describe('an event-mode process under faults (real broker, real MinIO)', { timeout: 240_000 }, () => {
  let kafka: KafkaServer;
  let minio: MinioServer;
  let store: ObjectStore;
  const workers: WorkerProcess[] = [];

  before(async () => {
    // Each server is kept as soon as it is up, so that `after` stops it even when the other failed to start.
    await Promise.all([startKafka().then((k) => (kafka = k)), startMinio().then((m) => (minio = m))]);
    store = createStore({ env: minio.env });
  });
  after(async () => {
    await Promise.all(workers.map((w) => w.dispose()));
    await Promise.all([kafka?.stop(), minio?.stop()]);
  });

  /** Fresh topics, group and ledger prefix, and a way to start workers on them. */
  async function deployment(options: { workMs: number; leaseMs?: number; drainMs?: number; ignoreAbort?: boolean }) {
    const input = uniqueTopic('training-data');
    const output = uniqueTopic('model-training');
    const group = uniqueTopic('flts-train-gru');
    const prefix = `s3://flts-events/${group}`;
    await createTopics(kafka.brokers, [input, output, `DLQ-${input}`], 1);
    const env = {
      ...kafka.env,
      ...minio.env,
      WORKER_TOPIC: input,
      WORKER_OUTPUT: output,
      WORKER_GROUP: group,
      WORKER_LEDGER: `${prefix}/ledger`,
      WORKER_EFFECTS: `${prefix}/effects`,
      WORKER_WORK_MS: String(options.workMs),
      WORKER_LEASE_MS: String(options.leaseMs ?? 60_000),
      FLTS_EVENTS_DRAIN_MS: String(options.drainMs ?? 10_000),
      WORKER_IGNORE_ABORT: options.ignoreAbort ? '1' : '0',
    };
    const startWorker = (name: string) => {
      const worker = new WorkerProcess(name, env);
      workers.push(worker);
      return worker;
    };
    /** Effect objects per source object: how many times the work was really done. */
    const effects = async () => {
      const counts: Record<string, number> = {};
      for (const object of await store.list(`${prefix}/effects`)) {
        const name = decodeURIComponent(object.path.split('/')[0]!);
        counts[name] = (counts[name] ?? 0) + 1;
      }
      return counts;
    };
    return { input, output, group, prefix, startWorker, effects };
  }

  const claim = (i: number) => ({ bucket: 'processed-data', object: `site-${i}/processed_data.parquet`, size: 100, v: 1, identifier: `site-${i}` });

  describe('when the consumer holding a claim is killed with SIGKILL mid-handler', () => {
    it('redelivers the claim to the other group member, which does the work once; every claim has one effect and one event', async () => {
      const d = await deployment({ workMs: 2500, leaseMs: 4000 });
      const first = d.startWorker('first');
      await first.waitForEvent('group_joined');
      const second = d.startWorker('second');
      await second.waitForEvent('group_joined');
      await send(kafka.brokers, d.input, [0, 1, 2].map(claim));

      // Whichever member owns the partition starts on claim 0; kill it in the middle of the work.
      const started = await Promise.race([first, second].map((w) => w.waitForEvent('work_started').then(() => w)));
      const survivor = started === first ? second : first;
      started.signal('SIGKILL');
      assert.deepEqual(await started.exited.then((e) => e.signal), 'SIGKILL');

      const events = await readTopic(kafka.brokers, d.output, 3, 60_000);
      assert.deepEqual(
        events.map((m) => [m.key, (m.value as { run_name: string }).run_name]).sort(),
        [0, 1, 2].map((i) => ['trained-GRU', `site-${i}/processed_data.parquet`]),
      );
      assert.deepEqual(await d.effects(), { 'site-0/processed_data.parquet': 1, 'site-1/processed_data.parquet': 1, 'site-2/processed_data.parquet': 1 });
      assert.ok(survivor.events('work_started').some((e) => e['object'] === 'site-0/processed_data.parquet'), 'the survivor redid claim 0');
    });
  });

  describe('when SIGTERM arrives while a short message is being handled', () => {
    it('finishes it, publishes and commits, and exits 143 (128 + SIGTERM) within the drain bound', async () => {
      const d = await deployment({ workMs: 1500, drainMs: 10_000 });
      const worker = d.startWorker('draining');
      await worker.waitForEvent('group_joined');
      await send(kafka.brokers, d.input, [claim(0)]);
      await worker.waitForEvent('work_started');
      const signalled = Date.now();
      worker.signal('SIGTERM');
      const exit = await worker.exited;
      assert.equal(exit.code, 143);
      assert.ok(exit.at - signalled < 10_000, `exited ${exit.at - signalled} ms after SIGTERM`);
      assert.equal((await readTopic(kafka.brokers, d.output, 1)).length, 1);
      assert.deepEqual(await committedOffsets(kafka.brokers, d.group, d.input, 1), [1n]);
      assert.equal(worker.events('drain_done')[0]!['drained'], true);
      assert.match(worker.stderr.trim(), /^flts \S+: Interrupted: received SIGTERM; drained \(the work in hand finished and was committed\); exit 143\.$/);
    });
  });

  describe('when SIGTERM arrives while a handler runs past the drain bound and ignores the abort', () => {
    it('abandons the message uncommitted and exits 143 soon after the bound', async () => {
      const d = await deployment({ workMs: 60_000, drainMs: 1500, ignoreAbort: true });
      const worker = d.startWorker('stuck');
      await worker.waitForEvent('group_joined');
      await send(kafka.brokers, d.input, [claim(0)]);
      await worker.waitForEvent('work_started');
      const signalled = Date.now();
      worker.signal('SIGTERM');
      const exit = await worker.exited;
      assert.equal(exit.code, 143);
      const elapsed = exit.at - signalled;
      assert.ok(elapsed >= 1500 && elapsed < 10_000, `exited ${elapsed} ms after SIGTERM; expected 1.5 s to 10 s`);
      assert.deepEqual(await committedOffsets(kafka.brokers, d.group, d.input, 1), [-1n]);
      assert.deepEqual(await readTopic(kafka.brokers, d.output, 1, 1500), []);
      assert.match(worker.stderr.trim(), /^flts \S+: Interrupted: received SIGTERM; work abandoned uncommitted after FLTS_EVENTS_DRAIN_MS .*; exit 143\.$/);
    });
  });
});
