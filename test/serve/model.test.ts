/**
 * The serving model against batch inference: for raw rows in original units, the served forecast (its own time
 * features and scaling, batched with other requests) equals what the inference component computes from
 * preprocess's scaled split of the same rows (`forecastFuture`, unscaled with the model's scaler), for the GRU
 * and for Prophet, intervals included. The champion of an offline mlruns/ registry serves (the local runner's), and
 * so does a local model directory, without any registry.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadServingModel, type ForecastRequest } from '../../components/inference/serve/model.js';
import { forecastFuture } from '../../shared/models/future.js';
import { loadModel } from '../../shared/models/registry.js';
import { sliceRows } from '../../shared/series/frame.js';
import { columnScale, unscaleValues } from '../../shared/series/scaler.js';
import { parseTimestamp } from '../../shared/series/timestamps.js';
import { readDataset } from '../../shared/table/dataset.js';
import { openTracking } from '../../shared/tracking/index.js';
import { tempDir } from '../helpers/component.js';
import { get, MODEL, post, predictBody, startServe, trainedRegistry, type Registry, type TrainedModel } from './fixtures.js';

let registry: Registry;
const directories: Partial<Record<TrainedModel['type'], string>> = {};

before(async () => {
  registry = await trainedRegistry();
  for (const model of [registry.gru, registry.prophet]) directories[model.type] = await registry.tracker.downloadArtifacts(model.modelUri, await tempDir('flts-serve-model-'));
});
after(async () => {
  await registry?.stop();
});

/** Raw rows [start, start + count) of the held-out CSV as a forecast request. */
function request(start: number, count: number, steps: number): ForecastRequest {
  const rows = registry.rows.slice(start, start + count);
  return {
    time: Float64Array.from(rows, (r) => parseTimestamp(r.time)),
    columns: { down: Float64Array.from(rows, (r) => r.down), up: Float64Array.from(rows, (r) => r.up), rnti_count: Float64Array.from(rows, (r) => r.rnti_count) },
    steps,
  };
}

/** Equal to 1e-5, relatively: the GRU's float32 matrix products may round differently with another batch size. */
function close(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= 1e-5 * Math.abs(expected[i]!) + 1e-6, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

for (const type of ['gru', 'prophet'] as const) {
  describe(`the served ${type} forecast`, () => {
    it('equals batch inference on the preprocessed split of the same rows, for every request of a batch, whatever their time order', async () => {
      const { frame } = await readDataset(registry.inferenceData, 'inference_data');
      const batchModel = await loadModel(directories[type]!, undefined);
      const served = await loadServingModel(directories[type]!);
      try {
        // Out of time order and overlapping, as concurrent clients send them.
        const cases = [
          { start: 50, count: 12, steps: 1 },
          { start: 0, count: 30, steps: 7 },
          { start: 20, count: 40, steps: 20 },
        ];
        const requests = cases.map((c) => request(c.start, c.count, c.steps));
        // The preprocessed split holds the same timestamps as the CSV's held-out rows.
        assert.equal(frame.time[0], requests[1]!.time[0]);
        const answers = await served.forecast(requests);
        const scale = columnScale(batchModel.manifest.scaler, batchModel.manifest.target);
        for (const [i, c] of cases.entries()) {
          const future = await forecastFuture(batchModel, sliceRows(frame, c.start, c.start + c.count), c.steps);
          assert.deepEqual(Array.from(answers[i]!.time), Array.from(future.time), `request ${i}: timestamps`);
          close(answers[i]!.forecast, unscaleValues(future.scaled, scale), `request ${i}: forecast`);
        }
        // Every model has an interval: Prophet its own, the GRU its calibrated one.
        assert.equal(served.description.hasIntervals, true);
        for (const answer of answers) answer.forecast.forEach((f, k) => assert.ok(answer.lower![k]! <= f && f <= answer.upper![k]!, `interval at step ${k}`));
      } finally {
        batchModel.dispose();
        served.dispose();
      }
    });
  });
}

describe('serving the champion of an offline mlruns/ directory (what `npm start -- --serve` does after a local run)', () => {
  it('resolves the alias in the offline registry and serves that version', async () => {
    const mlruns = join(await tempDir('flts-serve-mlruns-'), 'mlruns');
    const offline = await openTracking({ trackingUri: mlruns, experiment: 'flts-gru' });
    const run = await offline.startRun({ runName: 'GRU' });
    const logged = await run.logModel(directories.gru!, 'model', { flavor: { name: 'tfjs_layers', config: { model_file: 'model.json', cell: 'gru' } }, metadata: { model_type: 'gru' } });
    await run.end('FINISHED');
    const version = await offline.registerModel(logged.modelUri, MODEL);
    await offline.setAlias(MODEL, 'champion', version.version);
    const server = await startServe({ 'tracking-uri': mlruns });
    try {
      const answer = await post(`${server.url}/predict`, predictBody(registry.rows));
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.deepEqual([answer.body['model_version'], answer.body['run_id']], [version.version, run.runId]);
    } finally {
      await server.stop();
    }
  });
});

describe('serving a local model directory', () => {
  it('needs no registry: the answer names the run from the directory\'s MLmodel and version "local"', async () => {
    const server = await startServe({ model: directories.gru!, 'model-name': 'gru-local' });
    try {
      const answer = await post(`${server.url}/predict`, predictBody(registry.rows));
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body['run_id'], registry.gru.runId);
      assert.equal(answer.body['model_version'], 'local');
      assert.equal((await get(`${server.url}/v2/models/gru-local`)).status, 200);
    } finally {
      await server.stop();
    }
  });
});
