/**
 * Save → load → forecast in a fresh process gives the very numbers the fitting process gave, for every model kind
 * and every option that changes a forecast: the direct forecasts at every origin, the recursive forecast past the
 * horizon (with the target lags rebuilt from the forecasts), and the model's interval. The data is the built-in
 * sample, preprocessed by the preprocess bundle with each case's options; models are fitted through the registry's
 * adapters, as the trainers fit them.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { preprocessSpec } from '../../components/preprocess/spec.js';
import { parameterDefaults } from '../../shared/kfp/parameters.js';
import type { ModelAdapter } from '../../shared/models/adapter.js';
import { Logger } from '../../shared/log.js';
import { MODEL_ADAPTERS, type ModelType } from '../../shared/models/registry.js';
import { MANIFEST_FORMAT, type PreprocessingManifest } from '../../shared/series/manifest.js';
import { columnScale, scaleValues, unscaleValues } from '../../shared/series/scaler.js';
import { readDataset, writeDataset, type Dataset } from '../../shared/table/dataset.js';
import { artifactOf, runLocally, tempDir } from '../helpers/component.js';
import { repoRoot } from '../helpers/python.js';
import { sampleData } from '../helpers/sample-data.js';
import { forecasts, type Forecasts } from './round-trip-forecasts.js';

const sample = await sampleData();
const TASK = { inputLength: 12, horizon: 3 };
/** Forecast this far past the data: several horizons, so the recursion runs. */
const STEPS = 8;
const TINY_RNN = { epochs: 2, hidden_size: 6, batch_size: 64 };

interface Case {
  name: string;
  kind: ModelType;
  preprocess?: Record<string, unknown>;
  model?: Record<string, unknown>;
  /** Extra checks on what the fitting process computed. */
  check?: (result: Forecasts, manifest: PreprocessingManifest, test: Dataset) => void;
}

const CASES: Case[] = [
  { name: 'GRU with the defaults (min-max scaler, no lags)', kind: 'gru', model: TINY_RNN },
  {
    name: 'LSTM reading target lags 2 steps apart, standard scaler: the lags past the data are the forecasts, rebuilt',
    kind: 'lstm',
    preprocess: { lags: 3, lag_step: 2, scaler: 'standard' },
    model: TINY_RNN,
    check: (result, manifest, test) => assertLagsFollowForecasts(result, manifest, test),
  },
  { name: 'GRU with the robust scaler', kind: 'gru', preprocess: { scaler: 'robust' }, model: TINY_RNN },
  { name: 'GRU on unscaled data (scaler "none")', kind: 'gru', preprocess: { scaler: 'none' }, model: TINY_RNN },
  {
    name: 'Prophet with logistic growth, cap and floor: saved with the model, forecasts stay between them',
    kind: 'prophet',
    model: { growth: 'logistic', cap: 1.2, floor: -0.1, uncertainty_samples: 40 },
    check: (result) => {
      for (const value of result.future) assert.ok(value > -0.1 - 1e-9 && value < 1.2 + 1e-9, `${value} within [floor, cap]`);
    },
  },
  { name: 'Prophet with multiplicative seasonality', kind: 'prophet', model: { seasonality_mode: 'multiplicative', uncertainty_samples: 40 } },
  {
    name: 'Prophet with a calendar and a lag regressor and a holidays table: the lag is rebuilt step by step past the data',
    kind: 'prophet',
    preprocess: { lags: 2 },
    model: { regressors: ['min_of_day_sin', 'down_lag1'], uncertainty_samples: 40 },
    check: (result, manifest, test) => assertLagsFollowForecasts(result, manifest, test),
  },
];

describe('save → load → forecast in a fresh process gives identical numbers', () => {
  for (const testCase of CASES) {
    it(testCase.name, { timeout: 300_000 }, async () => {
      const root = await tempDir('flts-round-trip-');
      const prep = await runLocally(preprocessSpec, join(root, 'prep'), { data_uri: sample.train, test_data_uri: sample.test, sample_train_rows: 900, sample_test_rows: 120, ...testCase.preprocess });
      assert.equal(prep.code, 0, prep.stderr);
      const [train, validation, test] = await Promise.all(
        (['training_data', 'validation_data', 'inference_data'] as const).map((name) => readDataset(artifactOf(prep, name).uri, name)),
      );
      const manifest: PreprocessingManifest = {
        format: MANIFEST_FORMAT,
        target: train!.info.target,
        features: [...train!.info.columns],
        ...TASK,
        frequencyMs: train!.info.frequencyMs,
        frequency: train!.info.frequency,
        scaler: train!.info.scaler,
        configHash: train!.info.configHash,
      };
      const adapter = MODEL_ADAPTERS[testCase.kind] as unknown as ModelAdapter;
      const model = testCase.model ?? {};
      if (model['regressors'] && testCase.kind === 'prophet') {
        const holidays = join(root, 'holidays.csv');
        const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
        await writeFile(holidays, `holiday,ds,lower_window,upper_window\nfirst_day,${day(train!.frame.time[0]!)},0,0\nheld_out_day,${day(test!.frame.time[0]!)},-1,0\n`);
        model['holidays_uri'] = holidays;
      }
      const values = { ...parameterDefaults(adapter.parameters), ...model } as never;
      const fitted = await adapter.fit({ train: train!.frame, validation: validation!.frame, manifest }, await adapter.options(values), { log: new Logger('round-trip') });
      const here = await forecasts(fitted, test!.frame, STEPS);
      const directory = join(root, 'model');
      await fitted.save(directory);
      fitted.dispose();
      testCase.check?.(here, fitted.manifest, test!);

      const framePath = join(root, 'frame.parquet');
      await writeDataset(framePath, test!);
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'test/models/forecast-in-fresh-process.ts', directory, framePath, String(STEPS)], {
        cwd: repoRoot,
        maxBuffer: 64 * 1024 * 1024,
      });
      const there = JSON.parse(stdout) as Forecasts;
      assert.ok(here.direct.length > 0 && here.future.length === STEPS);
      assert.ok(here.direct.every(Number.isFinite) && here.future.every(Number.isFinite), 'every forecast is a number');
      assert.deepEqual(there, JSON.parse(JSON.stringify(here)));
    });
  }
});

/**
 * Each future row's `<target>_lag<k>` is the target k steps earlier: the data's last values, then the model's own
 * forecasts — never a value held from the last row.
 */
function assertLagsFollowForecasts(result: Forecasts, manifest: PreprocessingManifest, test: Dataset): void {
  const lags = Object.keys(result.futureLags);
  assert.ok(lags.length > 0, 'the model reads target lags');
  const target = test.frame.columns[manifest.target]!;
  const n = target.length;
  const targetScale = columnScale(manifest.scaler, manifest.target);
  for (const name of lags) {
    const k = Number(name.slice(name.lastIndexOf('_lag') + 4));
    const lagScale = columnScale(manifest.scaler, name);
    result.futureLags[name]!.forEach((value, step) => {
      const source = step - k;
      const scaledTarget = source >= 0 ? result.future[source]! : target[n + source]!;
      const expected = scaleValues(unscaleValues([scaledTarget], targetScale), lagScale)[0]!;
      assert.ok(Math.abs(value - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `${name} at future step ${step + 1}: ${value} vs ${expected}`);
    });
  }
}
