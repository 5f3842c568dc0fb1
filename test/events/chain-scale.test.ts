/**
 * The chain at volume, on the real broker, MinIO and MLflow, with two consumers in every group: 20 lifecycles
 * (small data, one epoch) through preprocess → trainers → eval → inference, then 1 000 claims through inference
 * with the broker restarted part-way; a poison message sits in the middle of each stream. Count in = count out:
 * every claim has exactly one effect (one MLflow run, one log object, one event), both members of a group take
 * a share, and only the poison messages are dead-lettered. `FLTS_SCALE_CLAIMS` makes the inference stream smaller
 * for a quick local run.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { startChain, SERVICES, type Chain } from './chain-helpers.js';
import { readTopic, send, type ReadMessage } from './kafka-helpers.js';
import { sampleData } from '../helpers/sample-data.js';

const LIFECYCLES = 20;
const CLAIMS = Number(process.env['FLTS_SCALE_CLAIMS'] || 1000);
const TINY = { sample_train_rows: 600, sample_test_rows: 120, input_length: 12, horizon: 3, epochs: 1, hidden_size: 4, uncertainty_samples: 10 };

const site = (i: number) => `site-${String(i + 1).padStart(2, '0')}`;
const claim = (i: number) => `claim-${String(i + 1).padStart(4, '0')}`;

/** One message per identifier: what a redelivery republished is the same event again, not a second effect. */
function byIdentifier(messages: ReadMessage[]): Map<string, ReadMessage[]> {
  const found = new Map<string, ReadMessage[]>();
  for (const message of messages) {
    const id = String((message.value as { identifier?: string }).identifier);
    found.set(id, [...(found.get(id) ?? []), message]);
  }
  return found;
}

describe('the chain at volume, two consumers per group (real broker, MinIO, MLflow)', { timeout: 1_800_000 }, () => {
  let chain: Chain;

  before(async () => {
    // 6 claims at a time per inference member: the test MLflow server (one worker, SQLite) refuses requests beyond
    // its connection pool of 15, and every refused try is work done again.
    chain = await startChain({ parameters: TINY, replicas: 2, serviceEnv: { inference: { FLTS_EVENTS_CONCURRENCY: '6' } } });
    const sample = await sampleData();
    const [train, test] = await Promise.all([readFile(sample.train), readFile(sample.test)]);
    for (let i = 0; i < LIFECYCLES; i++) {
      await chain.store.writeBytes(`s3://dataset/${site(i)}.csv`, train);
      await chain.store.writeBytes(`s3://dataset/${site(i)}_test.csv`, test);
    }
  });

  after(async () => chain?.stop());

  it(`takes ${LIFECYCLES} lifecycles through to inference: each trained once per kind, promoted once, inferred once`, async () => {
    const claims = Array.from({ length: LIFECYCLES }, (_, i) => ({ bucket: 'dataset', object: `${site(i)}.csv`, test_object: `${site(i)}_test.csv`, identifier: site(i), v: 1 }));
    await send(chain.kafka.brokers, 'raw-data', claims.slice(0, LIFECYCLES / 2), { key: (i) => site(i) });
    await send(chain.kafka.brokers, 'raw-data', ['{"bucket": "dataset", "object": '], { key: () => 'poison' });
    await send(chain.kafka.brokers, 'raw-data', claims.slice(LIFECYCLES / 2), { key: (i) => site(i + LIFECYCLES / 2) });

    const performance = byIdentifier(await readTopic(chain.kafka.brokers, 'performance-eval', (found) => byIdentifier(found).size >= LIFECYCLES, 1_200_000));
    assert.equal(performance.size, LIFECYCLES, `performance-eval for ${[...performance.keys()].join(', ')}; the services said:\n${chain.output()}`);

    const succeeded = (found: ReadMessage[]) => found.filter((m) => (m.value as { status: string }).status === 'SUCCESS');
    const trained = await readTopic(chain.kafka.brokers, 'model-training', (found) => succeeded(found).length >= 3 * LIFECYCLES, 30_000);
    const runsByKind = new Map<string, Set<string>>();
    for (const message of trained) {
      const value = message.value as { status: string; operation: string; run_id?: string };
      if (value.status !== 'SUCCESS') continue;
      runsByKind.set(value.operation, (runsByKind.get(value.operation) ?? new Set()).add(value.run_id!));
    }
    assert.deepEqual([...runsByKind.keys()].sort(), ['Trained: GRU', 'Trained: LSTM', 'Trained: PROPHET']);
    for (const [kind, runs] of runsByKind) assert.equal(runs.size, LIFECYCLES, `${kind}: one run per lifecycle`);
    const finished = await mlflowRuns(chain.mlflow.url);
    for (const experiment of ['flts-gru', 'flts-lstm', 'flts-prophet']) {
      const runs = finished.filter((run) => run.experiment === experiment);
      assert.equal(runs.length, LIFECYCLES, `${experiment}: ${runs.map((run) => run.status).join(', ')}`);
      assert.ok(runs.every((run) => run.status === 'FINISHED'));
    }

    const selected = byIdentifier(await readTopic(chain.kafka.brokers, 'model-selected', (found) => found.length > LIFECYCLES, 5_000));
    assert.equal(selected.size, LIFECYCLES, 'one promotion per lifecycle');
    for (const [identifier, messages] of selected) {
      assert.equal(new Set(messages.map((m) => m.text)).size, 1, `${identifier}: promoted once (a repeat is the same event)`);
    }
    const dead = await readTopic(chain.kafka.brokers, 'DLQ-raw-data', 2, 3_000);
    assert.equal(dead.length, 1, 'the poison raw-data claim, and nothing else');
    assert.equal((dead[0]!.value as { reason: string }).reason, 'poison');
    for (const topic of ['DLQ-training-data', 'DLQ-inference-data', 'DLQ-model-training', 'DLQ-model-selected']) {
      assert.equal((await readTopic(chain.kafka.brokers, topic, 1, 1_000)).length, 0, `${topic} is empty`);
    }
    for (const service of ['preprocess', 'train-gru', 'eval'] as const) {
      const shares = [service, `${service}#1`].map((tag) => (chain.outputOf(tag).match(/"event":"message_done"/g) ?? []).length);
      assert.ok(shares.every((done) => done > 0), `both ${service} members handled messages: ${shares.join(' and ')}`);
    }
  });

  it(`runs ${CLAIMS} inference claims once each, through a broker restart, both members taking a share`, async (t) => {
    const published = await readTopic(chain.kafka.brokers, 'inference-data', (found) => found.some((m) => (m.value as { identifier?: string }).identifier === site(0)), 10_000);
    const processed = published.find((m) => (m.value as { identifier?: string }).identifier === site(0))!.value as { bucket: string; object: string };
    const bytes = await chain.store.readBytes(`s3://${processed.bucket}/${processed.object}`);
    for (let i = 0; i < CLAIMS; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, CLAIMS - i) }, (_, k) => chain.store.writeBytes(`s3://claims/${claim(i + k)}.parquet`, bytes)));
    }
    // Claims of site-01's series (served by its champion), told apart by the claim header on performance-eval.
    const claims = Array.from({ length: CLAIMS }, (_, i) => ({ bucket: 'claims', object: `${claim(i)}.parquet`, identifier: site(0), v: 1 }));
    await send(chain.kafka.brokers, 'inference-data', claims.slice(0, CLAIMS / 2), { key: (i) => claim(i) });
    await send(chain.kafka.brokers, 'inference-data', ['not json at all'], { key: () => 'poison' });
    await send(chain.kafka.brokers, 'inference-data', claims.slice(CLAIMS / 2), { key: (i) => claim(i + CLAIMS / 2) });

    const byClaim = (found: ReadMessage[]) => {
      const claimed = new Map<string, ReadMessage[]>();
      for (const message of found) {
        const source = message.headers['x-flts-claim'];
        if (source?.startsWith('s3://claims/')) claimed.set(source, [...(claimed.get(source) ?? []), message]);
      }
      return claimed;
    };
    await readTopic(chain.kafka.brokers, 'performance-eval', (found) => byClaim(found).size >= CLAIMS / 4, 900_000);
    await chain.kafka.restart();
    const performance = byClaim(await readTopic(chain.kafka.brokers, 'performance-eval', (found) => byClaim(found).size >= CLAIMS, 1_200_000));
    assert.equal(performance.size, CLAIMS, `performance-eval for ${performance.size} of ${CLAIMS} claims; the services said:\n${chain.output()}`);
    for (const [source, messages] of performance) {
      assert.equal(new Set(messages.map((m) => m.text)).size, 1, `${source}: one effect (a repeat after a redelivery is the same event)`);
    }

    const total = LIFECYCLES + CLAIMS;
    t.diagnostic(`tries that failed and were retried: ${failures(chain)}`);
    const logs = await chain.store.list('s3://inference-logs/');
    assert.equal(logs.length, total, 'one log object per claim');
    // A try that failed (and was retried) leaves its run FAILED; an effect is a FINISHED run, and nothing stays RUNNING.
    const inferenceRuns = (await mlflowRuns(chain.mlflow.url)).filter((run) => run.name.startsWith('inference-'));
    const counts = new Map<string, number>();
    for (const run of inferenceRuns) counts.set(run.status, (counts.get(run.status) ?? 0) + 1);
    const statuses = [...counts].map(([status, n]) => `${status} ${n}`).join(', ');
    assert.equal(inferenceRuns.filter((run) => run.status === 'FINISHED').length, total, `one FINISHED inference run per claim; runs: ${statuses}; the services said:\n${chain.output()}`);
    assert.ok(inferenceRuns.every((run) => run.status !== 'RUNNING'), `no run left RUNNING: ${statuses}; tries that failed: ${failures(chain)}`);
    // A dead letter, like any message, may be published again when the broker went away before the commit; its
    // source headers say which message it is.
    const dead = await readTopic(chain.kafka.brokers, 'DLQ-inference-data', 10, 3_000);
    const letters = new Set(dead.map((m) => `${m.headers['x-flts-source-partition']}@${m.headers['x-flts-source-offset']} ${(m.value as { reason: string }).reason}`));
    assert.equal(letters.size, 1, `one dead letter, the poison message's: ${[...letters].join(', ')}`);
    assert.match([...letters][0]!, / poison$/);
    const shares = ['inference', 'inference#1'].map((tag) => (chain.outputOf(tag).match(/"event":"message_done"/g) ?? []).length);
    assert.ok(shares.every((done) => done > 0), `both inference members handled claims: ${shares.join(' and ')}`);
    assert.ok(
      SERVICES.every((service) => chain.processes(service).every((child) => child.exitCode === null)),
      `every service still runs after the broker restart; the services said:\n${chain.output()}`,
    );
  });
});

/** The distinct errors of the inference members' failed tries, with their counts, for failure messages. */
function failures(chain: Chain): string {
  const counts = new Map<string, number>();
  for (const tag of ['inference', 'inference#1']) {
    for (const line of chain.outputOf(tag).split('\n')) {
      if (!line.includes('"event":"handler_failed"')) continue;
      const error = String((JSON.parse(line) as { error?: string }).error).slice(0, 200);
      counts.set(error, (counts.get(error) ?? 0) + 1);
    }
  }
  return counts.size === 0 ? 'none' : [...counts].map(([error, n]) => `${n}× ${error}`).join('; ');
}

interface RunSummary {
  experiment: string;
  name: string;
  status: string;
}

/** Every run on the MLflow server, with its experiment's name (REST API, paged). */
async function mlflowRuns(url: string): Promise<RunSummary[]> {
  const post = async <T>(path: string, body: unknown): Promise<T> => {
    const response = await fetch(`${url}/api/2.0/mlflow/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.ok(response.ok, `${path}: HTTP ${response.status}`);
    return (await response.json()) as T;
  };
  const { experiments = [] } = await post<{ experiments?: { experiment_id: string; name: string }[] }>('experiments/search', { max_results: 1000 });
  const names = new Map(experiments.map((e) => [e.experiment_id, e.name]));
  const runs: RunSummary[] = [];
  let token: string | undefined;
  do {
    const page = await post<{ runs?: { info: { experiment_id: string; run_name: string; status: string } }[]; next_page_token?: string }>('runs/search', {
      experiment_ids: [...names.keys()],
      max_results: 1000,
      ...(token && { page_token: token }),
    });
    for (const run of page.runs ?? []) runs.push({ experiment: names.get(run.info.experiment_id) ?? '', name: run.info.run_name, status: run.info.status });
    token = page.next_page_token;
  } while (token);
  return runs;
}
