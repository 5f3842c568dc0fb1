/**
 * Micro-batched forecasts (shared/models/batched.ts), as event-mode inference uses them: concurrent callers of one
 * trained GRU share forward passes, and each gets exactly the forecasts it would have got alone.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { preprocessSpec } from '../../components/preprocess/spec.js';
import { parameterDefaults } from '../../shared/kfp/parameters.js';
import type { Model, ModelAdapter } from '../../shared/models/adapter.js';
import { microBatched } from '../../shared/models/batched.js';
import { MODEL_ADAPTERS, type ModelType } from '../../shared/models/registry.js';
import { Logger } from '../../shared/log.js';
import { sliceRows, type SeriesFrame } from '../../shared/series/frame.js';
import { MANIFEST_FORMAT, type PreprocessingManifest } from '../../shared/series/manifest.js';
import { readDataset } from '../../shared/table/dataset.js';
import { artifactOf, runLocally, tempDir } from '../helpers/component.js';
import { sampleData } from '../helpers/sample-data.js';

let test: SeriesFrame;
const fitted: Partial<Record<ModelType, Model>> = {};

before(async () => {
  const sample = await sampleData();
  const prep = await runLocally(preprocessSpec, join(await tempDir('flts-batched-'), 'prep'), { data_uri: sample.train, test_data_uri: sample.test, sample_train_rows: 600, sample_test_rows: 120 });
  assert.equal(prep.code, 0, prep.stderr);
  const [train, validation, held] = await Promise.all((['training_data', 'validation_data', 'inference_data'] as const).map((name) => readDataset(artifactOf(prep, name).uri, name)));
  test = held!.frame;
  const manifest: PreprocessingManifest = { format: MANIFEST_FORMAT, target: train!.info.target, features: [...train!.info.columns], inputLength: 12, horizon: 3, frequencyMs: train!.info.frequencyMs, frequency: train!.info.frequency, scaler: train!.info.scaler, configHash: train!.info.configHash };
  for (const [kind, options] of [['gru', { epochs: 1, hidden_size: 6 }], ['prophet', { uncertainty_samples: 0 }]] as const) {
    const adapter = MODEL_ADAPTERS[kind] as unknown as ModelAdapter;
    const values = { ...parameterDefaults(adapter.parameters), ...options } as never;
    fitted[kind] = await adapter.fit({ train: train!.frame, validation: validation!.frame, manifest }, await adapter.options(values), { log: new Logger('batched-test') });
  }
});

/** `model` with its forward passes counted. */
function counting(model: Model): { model: Model; passes: () => number } {
  let passes = 0;
  return {
    model: { ...model, forecast: (frame, origins) => (passes++, model.forecast(frame, origins)) },
    passes: () => passes,
  };
}

/** Three callers' windows: different stretches of the held-out data, different numbers of origins. */
function callers(): { frame: SeriesFrame; origins: Int32Array }[] {
  return [
    [0, 40, [11, 20, 30]],
    [30, 100, [11, 12, 13, 50, 60]],
    [60, 120, [40]],
  ].map(([start, end, origins]) => ({ frame: sliceRows(test, start as number, end as number), origins: Int32Array.from(origins as number[]) }));
}

describe('a micro-batched GRU', () => {
  it('answers concurrent callers from one forward pass, each with the forecasts it gets alone', async () => {
    const gru = fitted.gru!;
    const alone = await Promise.all(callers().map(async ({ frame, origins }) => Array.from(await gru.forecast(frame, origins))));
    const { model, passes } = counting(gru);
    const batched = microBatched(model, { maxSize: 32, maxWaitMs: 20 });
    const together = await Promise.all(callers().map(async ({ frame, origins }) => Array.from(await batched.forecast(frame, origins))));
    assert.equal(passes(), 1, 'one forward pass for the three callers');
    together.forEach((values, i) => {
      assert.equal(values.length, alone[i]!.length, `caller ${i}: one forecast per origin and step`);
      values.forEach((value, k) => assert.ok(Math.abs(value - alone[i]![k]!) <= 1e-6, `caller ${i}, value ${k}: ${value} batched vs ${alone[i]![k]} alone`));
    });
  });

  it('never puts more than maxSize callers in one pass', async () => {
    const { model, passes } = counting(fitted.gru!);
    const batched = microBatched(model, { maxSize: 2, maxWaitMs: 20 });
    await Promise.all(callers().map(({ frame, origins }) => batched.forecast(frame, origins)));
    assert.equal(passes(), 2);
  });
});

describe('Prophet, which reads the forecast rows as a time-ordered table', () => {
  it('is left as it is: each caller keeps its own frame', () => {
    const prophet = fitted.prophet!;
    assert.equal(microBatched(prophet, { maxSize: 32, maxWaitMs: 20 }), prophet);
  });
});
