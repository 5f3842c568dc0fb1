/**
 * Following the registry alias: a server whose alias is not set yet answers health but not readiness, and
 * becomes ready when the alias appears; moving the alias under load swaps the model with no failed request,
 * answers switch run id, and no request that starts after the switch is answered by the old model; a version that
 * does not load leaves the old one serving; POST /reload loads a new version at once, or says nothing changed.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { get, MODEL, post, predictBody, startServe, trainedRegistry, type Registry, type ServeProcess } from './fixtures.js';

let registry: Registry;
const servers: ServeProcess[] = [];

before(async () => {
  registry = await trainedRegistry();
});
after(async () => {
  for (const server of servers) await server.stop();
  await registry?.stop();
});

async function serve(flags: Record<string, string | number>, waitFor?: string): Promise<ServeProcess> {
  const server = await startServe({ 'tracking-uri': registry.mlflow.url, ...flags }, waitFor ? { waitFor } : {});
  servers.push(server);
  return server;
}

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await sleep(100);
  }
}

interface Sample {
  started: number;
  finished: number;
  status: number;
  runId: unknown;
  body: Record<string, unknown>;
}

/** `clients` loops sending /predict until `stop()` is called; every answer is kept. */
function load(server: ServeProcess, clients: number) {
  const samples: Sample[] = [];
  let running = true;
  const loops = Array.from({ length: clients }, async (_, c) => {
    for (let i = 0; running; i++) {
      const started = performance.now();
      const answer = await post(`${server.url}/predict`, predictBody(registry.rows, (c * 7 + i) % 100, 30, 6)).catch((error: unknown) => ({ status: -1, body: { error: String(error) } as Record<string, unknown>, headers: new Headers() }));
      samples.push({ started, finished: performance.now(), status: answer.status, runId: answer.body['run_id'], body: answer.body });
    }
  });
  return {
    samples,
    async stop() {
      running = false;
      await Promise.all(loops);
      return samples;
    },
  };
}

describe('following the registry alias', () => {
  it('is live but not ready while the alias is not set, and ready once it is', async () => {
    const server = await serve({ model: `models:/${MODEL}@staging`, 'poll-interval-ms': 200 }, '/healthz');
    assert.equal((await get(`${server.url}/ready`)).status, 503);
    assert.deepEqual((await get(`${server.url}/v2/health/ready`)).body, { ready: false });
    assert.equal((await get(`${server.url}/v2/health/live`)).status, 200);
    const early = await post(`${server.url}/predict`, predictBody(registry.rows));
    assert.equal(early.status, 503);
    assert.equal(early.body['error'], 'No model is loaded yet; see /ready.');

    await registry.tracker.setAlias(MODEL, 'staging', '1');
    await until(async () => (await get(`${server.url}/ready`)).status === 200, 30_000, 'the server to load the staging alias');
    const answer = await post(`${server.url}/predict`, predictBody(registry.rows));
    assert.equal(answer.status, 200);
    assert.equal(answer.body['run_id'], registry.gru.runId);
  });

  it('moving the alias under load swaps the model with no failed request, and answers switch run id', async () => {
    const server = await serve({ model: `models:/${MODEL}@champion`, 'poll-interval-ms': 200 });
    const traffic = load(server, 8);
    await sleep(1000);
    const version = await registry.promote(registry.prophet);
    await until(async () => traffic.samples.some((s) => s.runId === registry.prophet.runId), 60_000, 'answers from the new champion');
    await sleep(1000);
    const samples = await traffic.stop();

    const failures = samples.filter((s) => s.status !== 200);
    assert.deepEqual(failures.map((s) => [s.status, s.body['error']]), [], 'no failed request');
    const firstNew = Math.min(...samples.filter((s) => s.runId === registry.prophet.runId).map((s) => s.finished));
    const oldAfterSwitch = samples.filter((s) => s.runId === registry.gru.runId && s.started > firstNew);
    assert.equal(oldAfterSwitch.length, 0, 'no request started after the switch is answered by the old model');
    const runIds = new Set(samples.map((s) => s.runId));
    assert.deepEqual(runIds, new Set([registry.gru.runId, registry.prophet.runId]));
    assert.ok(samples.length > 50, `${samples.length} requests during the test`);

    const newest = samples.at(-1)!.body;
    assert.equal(newest['model_version'], version);
    assert.equal(newest['model_type'], 'prophet');
    const prediction = (newest['predictions'] as Record<string, number>[])[0]!;
    assert.ok(prediction['down_lower']! <= prediction['down']! && prediction['down']! <= prediction['down_upper']!, 'Prophet answers carry its interval');

    const metrics = (await get(`${server.url}/metrics`)).text;
    assert.match(metrics, /flts_serve_model_loads_total\{outcome="loaded"\} 2/);
    assert.match(metrics, new RegExp(`flts_serve_model_version ${version}`));
    assert.match(metrics, new RegExp(`flts_serve_model_info\\{name="${MODEL}",version="${version}",run_id="${registry.prophet.runId}",type="prophet"\\} 1`));
  });

  it('an alias moved to a version that does not load leaves the old model serving, and counts the failure', async () => {
    await registry.tracker.setAlias(MODEL, 'broken', '1');
    const server = await serve({ model: `models:/${MODEL}@broken`, 'poll-interval-ms': 200 });
    const traffic = load(server, 4);
    // A logged model with an MLmodel but no model files in it.
    const empty = await mkdtemp(join(tmpdir(), 'flts-serve-empty-'));
    await writeFile(join(empty, 'README.txt'), 'not a model\n');
    const run = await registry.tracker.startRun({ runName: 'broken' });
    const logged = await run.logModel(empty, 'model', { flavor: { name: 'tfjs_layers', config: { model_file: 'model.json', cell: 'gru' } } });
    await run.end('FINISHED');
    const bad = await registry.tracker.registerModel(logged.modelUri, MODEL);
    await registry.tracker.setAlias(MODEL, 'broken', bad.version);
    await until(async () => /flts_serve_model_loads_total\{outcome="failed"\} [1-9]/.test((await get(`${server.url}/metrics`)).text), 30_000, 'a failed load');
    const samples = await traffic.stop();
    assert.deepEqual(samples.filter((s) => s.status !== 200).map((s) => [s.status, s.body['error']]), [], 'no failed request');
    assert.deepEqual(new Set(samples.map((s) => s.runId)), new Set([registry.gru.runId]));
    assert.deepEqual((await get(`${server.url}/healthz`)).body['model_version'], '1');
    const log = await server.log();
    assert.match(log, new RegExp(`WARNING loading version ${bad.version} of models:/${MODEL}@broken failed; still serving version 1: `));
    await sleep(600);
    assert.match((await get(`${server.url}/metrics`)).text, /flts_serve_model_loads_total\{outcome="failed"\} 1\n/, 'the broken version is not fetched again at every poll');
  });

  it('POST /reload loads the version the alias names now, and says when nothing changed', async () => {
    await registry.tracker.setAlias(MODEL, 'challenger', '1');
    const server = await serve({ model: `models:/${MODEL}@challenger`, 'poll-interval-ms': 0 });
    assert.deepEqual((await post(`${server.url}/reload`, {})).body, { status: 'unchanged', model_version: '1', run_id: registry.gru.runId });

    const version = await registry.promote(registry.prophet, 'challenger');
    assert.deepEqual((await post(`${server.url}/reload`, {})).body, { status: 'loaded', model_version: version, run_id: registry.prophet.runId });
    assert.equal((await post(`${server.url}/predict`, predictBody(registry.rows))).body['run_id'], registry.prophet.runId);
  });

  it('POST /reload that cannot resolve the alias is a 502, and the loaded model keeps serving', async () => {
    await registry.tracker.setAlias(MODEL, 'canary', '1');
    const server = await serve({ model: `models:/${MODEL}@canary`, 'poll-interval-ms': 0 });
    await registry.tracker.deleteAlias(MODEL, 'canary');
    const answer = await post(`${server.url}/reload`, {});
    assert.equal(answer.status, 502);
    assert.equal(answer.body['status'], 'failed');
    assert.match(String(answer.body['error']), /alias canary not found/);
    assert.equal(answer.body['model_version'], '1');
    assert.equal((await post(`${server.url}/predict`, predictBody(registry.rows))).status, 200);
  });
});
