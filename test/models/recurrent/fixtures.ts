/**
 * Small synthetic series and settings for the recurrent-model tests: hourly data (24 steps a day), a few hundred
 * rows, tiny networks, so that each training run takes a second or two on the WASM backend.
 */
import type { SeriesFrame } from '../../../shared/series/frame.js';
import { MANIFEST_FORMAT, type PreprocessingManifest } from '../../../shared/series/manifest.js';
import type { RecurrentHyperparameters } from '../../../shared/models/recurrent/index.js';
import { createRandom } from '../../../shared/models/recurrent/random.js';

export const HOUR = 3_600_000;

/** Rows [from, to) of a daily cycle with seeded noise: target `load` and a time feature `hour_sin`. */
export function dailyCycle(from: number, to: number): SeriesFrame {
  const random = createRandom(11 + from);
  const rows = Array.from({ length: to - from }, (_, k) => from + k);
  return {
    time: Float64Array.from(rows, (r) => r * HOUR),
    names: ['load', 'hour_sin'],
    columns: {
      load: Float64Array.from(rows, (r) => 0.5 + 0.3 * Math.sin((2 * Math.PI * r) / 24) + 0.05 * (random() - 0.5)),
      hour_sin: Float64Array.from(rows, (r) => Math.sin((2 * Math.PI * r) / 24)),
    },
  };
}

/** 10 days of training, 3 of validation, 3 held out. */
export const cycle = { train: dailyCycle(0, 240), validation: dailyCycle(240, 312), test: dailyCycle(312, 384) };

export function manifestFor(overrides: Partial<PreprocessingManifest> = {}): PreprocessingManifest {
  return {
    format: MANIFEST_FORMAT,
    target: 'load',
    features: ['load', 'hour_sin'],
    inputLength: 8,
    horizon: 3,
    frequencyMs: HOUR,
    frequency: '1h',
    scaler: { method: 'minmax', columns: { load: { center: 100, scale: 50 }, hour_sin: { center: 0, scale: 1 } } },
    configHash: 'test',
    ...overrides,
  };
}

export function tinyHyper(overrides: Partial<RecurrentHyperparameters> = {}): RecurrentHyperparameters {
  return {
    cell: 'gru',
    hiddenSize: 8,
    numLayers: 1,
    dropout: 0,
    learningRate: 0.01,
    batchSize: 32,
    epochs: 3,
    patience: 5,
    minDelta: 0,
    clipNorm: 1,
    lrDecayFactor: 1,
    lrDecayPatience: 3,
    linearHighway: false,
    highwayFeatures: false,
    calendarFeatures: 'all',
    stepLossWeights: false,
    seed: 42,
    ...overrides,
  };
}
