/**
 * The serve mode over the champion of a real MLflow registry: ready only once the model is loaded; `/predict`
 * in upstream's shape and the Open Inference Protocol give the same forecast, past the last timestamp, in
 * original units, with the run id and version; columns are matched by name; long forecasts are recursive;
 * metrics in Prometheus text.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { get, inferBody, MODEL, post, predictBody, startServe, STEP_MS, TASK, trainedRegistry, type Registry, type ServeProcess } from './fixtures.js';

let registry: Registry;
let server: ServeProcess;

before(async () => {
  registry = await trainedRegistry();
  // A batch wait long enough that concurrent test requests always meet in one batch, even on a busy machine.
  server = await startServe({ 'tracking-uri': registry.mlflow.url, model: `models:/${MODEL}@champion`, 'poll-interval-ms': 0, 'batch-wait-ms': 20 });
});
after(async () => {
  await server?.stop();
  await registry?.stop();
});

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const last = (body: Record<string, unknown>) => Date.parse(`${(body['data'] as { ts: string[] }).ts.at(-1)!}Z`);

describe('serving the registry champion', () => {
  it('answers health, readiness and KServe liveness once the model is loaded', async () => {
    assert.deepEqual((await get(`${server.url}/healthz`)).body, { status: 'ok', service: 'flts-inference', model_ready: true, model_name: MODEL, model_version: '1', run_id: registry.gru.runId, queue_length: 0 });
    assert.equal((await get(`${server.url}/ready`)).status, 200);
    assert.deepEqual((await get(`${server.url}/v2/health/live`)).body, { live: true });
    assert.deepEqual((await get(`${server.url}/v2/health/ready`)).body, { ready: true });
    assert.deepEqual((await get(`${server.url}/v2/models/${MODEL}/ready`)).body, { name: MODEL, ready: true });
  });

  it('describes the model in the Open Inference Protocol: the columns it reads and the tensors it answers', async () => {
    const { status, body } = await get(`${server.url}/v2/models/${MODEL}`);
    assert.equal(status, 200);
    assert.deepEqual(body['inputs'], [
      { name: 'ts', datatype: 'BYTES', shape: [-1] },
      { name: 'down', datatype: 'FP64', shape: [-1] },
      { name: 'up', datatype: 'FP64', shape: [-1] },
      { name: 'rnti_count', datatype: 'FP64', shape: [-1] },
    ]);
    // The GRU's interval (split conformal) is answered too.
    assert.deepEqual(body['outputs'], [
      { name: 'time', datatype: 'BYTES', shape: [-1] },
      { name: 'forecast', datatype: 'FP64', shape: [-1] },
      { name: 'lower', datatype: 'FP64', shape: [-1] },
      { name: 'upper', datatype: 'FP64', shape: [-1] },
    ]);
    assert.deepEqual({ ...(body['parameters'] as object), config_hash: undefined }, {
      run_id: registry.gru.runId,
      target: 'down',
      input_length: TASK.input_length,
      horizon: TASK.horizon,
      frequency: '2min',
      config_hash: undefined,
      optional_inputs: ['min_of_day_sin', 'min_of_day_cos', 'day_of_week_sin', 'day_of_week_cos', 'day_of_year_sin', 'day_of_year_cos'],
    });
    assert.deepEqual(body['versions'], ['1']);
  });

  it('/predict forecasts the steps after the last timestamp, in original units, with run id and version', async () => {
    const request = predictBody(registry.rows, 0, 30, 5);
    const { status, body } = await post(`${server.url}/predict`, request);
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body['status'], 'SUCCESS');
    assert.equal(body['run_id'], registry.gru.runId);
    assert.equal(body['model_version'], '1');
    assert.equal(body['model_type'], 'gru');
    const predictions = body['predictions'] as { ts: string; down: number }[];
    assert.deepEqual(predictions.map((p) => p.ts), [1, 2, 3, 4, 5].map((k) => iso(last(request) + k * STEP_MS)));
    // Original units: scaled back with the model's own scaler, the forecasts lie near the [0, 1] range the model
    // was trained in, while the answers themselves are of the data's size (1e7–1e9).
    const { center, scale } = (await registry.manifest(registry.gru)).scaler.columns['down']!;
    for (const p of predictions) {
      const scaled = (p.down - center) / scale;
      assert.ok(scaled > -0.5 && scaled < 1.5, `forecast ${p.down} is ${scaled} in scaled units`);
      assert.ok(Math.abs(p.down) > 1e3, `forecast ${p.down} is not a scaled value`);
    }
  });

  it('the Open Inference Protocol gives the same forecast as /predict for the same rows', async () => {
    const viaPredict = await post(`${server.url}/predict`, predictBody(registry.rows, 40, 24, 7));
    const { status, body } = await post(`${server.url}/v2/models/${MODEL}/infer`, inferBody(registry.rows, 40, 24, 7));
    assert.equal(status, 200, JSON.stringify(body));
    assert.equal(body['model_name'], MODEL);
    assert.equal(body['model_version'], '1');
    assert.equal(body['id'], 'req-1');
    assert.deepEqual(body['parameters'], { run_id: registry.gru.runId, model_type: 'gru', target: 'down' });
    const [time, forecast] = body['outputs'] as { name: string; shape: number[]; data: (string | number)[] }[];
    assert.deepEqual([time!.name, time!.shape, forecast!.name, forecast!.shape], ['time', [7], 'forecast', [7]]);
    const predictions = viaPredict.body['predictions'] as { ts: string; down: number }[];
    assert.deepEqual(time!.data, predictions.map((p) => p.ts));
    assert.deepEqual(forecast!.data, predictions.map((p) => p.down));
  });

  it('aligns columns by name: the order of the columns in the request does not matter', async () => {
    const request = predictBody(registry.rows, 10, 20, 4) as { data: Record<string, unknown[]> };
    const { ts, down, up, rnti_count } = request.data;
    const reordered = { data: { rnti_count, up, ts, down }, inference_length: 4 };
    const a = await post(`${server.url}/predict`, request);
    const b = await post(`${server.url}/predict`, reordered);
    assert.equal(b.status, 200, JSON.stringify(b.body));
    assert.deepEqual(b.body['predictions'], a.body['predictions']);
  });

  it('uses its own time features: ones the client sends are accepted and do not change the answer', async () => {
    const request = predictBody(registry.rows, 0, 30, 3) as { data: Record<string, unknown[]> };
    const withFeatures = { data: { ...request.data, min_of_day_sin: request.data['ts']!.map(() => 0.5) }, inference_length: 3 };
    const a = await post(`${server.url}/predict`, request);
    const b = await post(`${server.url}/predict`, withFeatures);
    assert.equal(b.status, 200, JSON.stringify(b.body));
    assert.deepEqual(b.body['predictions'], a.body['predictions']);
  });

  it('forecasts recursively beyond one horizon: the first horizon is the same as a one-horizon request', async () => {
    const short = await post(`${server.url}/predict`, predictBody(registry.rows, 0, 30, TASK.horizon));
    const long = await post(`${server.url}/predict`, predictBody(registry.rows, 0, 30, 50));
    assert.equal(long.status, 200);
    const longPredictions = long.body['predictions'] as unknown[];
    assert.equal(longPredictions.length, 50);
    assert.deepEqual(longPredictions.slice(0, TASK.horizon), short.body['predictions']);
  });

  it('gives each request of a concurrent batch the forecast it gets alone', async () => {
    const alone = await Promise.all([0, 50, 100].map(async (start) => (await post(`${server.url}/predict`, predictBody(registry.rows, start, 30, 6))).body['predictions']));
    const together = await Promise.all(
      Array.from({ length: 30 }, (_, i) => post(`${server.url}/predict`, predictBody(registry.rows, [0, 50, 100][i % 3]!, 30, 6))),
    );
    // Float32 matrix products may round differently with another batch size: equal to 1e-5, relatively.
    together.forEach((answer, i) => {
      const got = answer.body['predictions'] as { ts: string; down: number }[];
      const want = alone[i % 3] as { ts: string; down: number }[];
      assert.deepEqual(got.map((p) => p.ts), want.map((p) => p.ts));
      got.forEach((p, k) => assert.ok(Math.abs(p.down - want[k]!.down) <= 1e-5 * Math.abs(want[k]!.down), `${p.down} vs ${want[k]!.down}`));
    });
    const metrics = (await get(`${server.url}/metrics`)).text;
    const batched = /flts_serve_batch_size_bucket\{le="1"\} (\d+)/.exec(metrics);
    const total = /flts_serve_batch_size_count (\d+)/.exec(metrics);
    assert.ok(batched && total && Number(batched[1]) < Number(total[1]), 'some forward passes took more than one request');
  });

  it('exports Prometheus metrics: requests by outcome, latency, queue depth and the model version', async () => {
    const text = (await get(`${server.url}/metrics`)).text;
    assert.match(text, /flts_serve_requests_total\{route="\/predict",outcome="ok"\} \d+/);
    assert.match(text, /flts_serve_request_duration_seconds_bucket\{le="0.05",route="\/predict"\} \d+/);
    assert.match(text, /flts_serve_queue_depth 0/);
    assert.match(text, new RegExp(`flts_serve_model_info\\{name="${MODEL}",version="1",run_id="${registry.gru.runId}",type="gru"\\} 1`));
    assert.match(text, /flts_serve_model_version 1/);
    assert.match(text, /process_resident_memory_bytes \d+/);
  });
});
