/**
 * Forecasts with a recurrent model from origins in a scaled frame: the one prediction path used by training's
 * evaluation and by inference, so both read the features by name in the manifest's order and never guess.
 */
import * as tf from '@tensorflow/tfjs';
import { DataError } from '../../errors.js';
import type { Forecaster } from '../../series/evaluation.js';
import { column, rowCount, type SeriesFrame } from '../../series/frame.js';
import { windowInputs } from '../../series/windows.js';
import { forwardPass } from './forward.js';
import type { RecurrentModel } from './model.js';
import { checkFeaturesPresent, checkFinite } from './training-data.js';

export interface ForecastOptions {
  /** Windows per forward pass (memory, not results). @default 512 */
  batchSize?: number;
}

/**
 * Scaled forecasts (origins.length, H), row-major: out[i·H + h − 1] forecasts the target at row origins[i] + h.
 * Each origin needs input_length rows up to and including it; rows after it are not read.
 */
export async function forecast(model: RecurrentModel, frame: SeriesFrame, origins: ArrayLike<number>, options: ForecastOptions = {}): Promise<Float32Array> {
  const { manifest, network } = model;
  checkFeaturesPresent(frame, manifest.features, 'The data');
  checkOrigins(frame, origins, manifest.inputLength);
  const features = manifest.features.map((name) => column(frame, name));
  checkUsedRowsFinite(frame, manifest.features, origins, manifest.inputLength);
  const batchSize = options.batchSize ?? 512;
  const out = new Float32Array(origins.length * manifest.horizon);
  for (let start = 0; start < origins.length; start += batchSize) {
    const batch = Int32Array.from({ length: Math.min(batchSize, origins.length - start) }, (_, k) => origins[start + k]!);
    const inputs = windowInputs(features, batch, manifest.inputLength);
    // The windows' tensor is made inside tidy, so it is freed with the intermediates even if the pass throws.
    const y = tf.tidy(() => forwardPass(network, tf.tensor3d(inputs, [batch.length, manifest.inputLength, features.length])));
    try {
      out.set(await y.data(), start * manifest.horizon);
    } finally {
      y.dispose();
    }
  }
  return out;
}

/** `model` as a Forecaster for the evaluation protocol (shared/series/evaluation.ts). */
export function recurrentForecaster(model: RecurrentModel, options: ForecastOptions = {}): Forecaster {
  return (frame, origins) => forecast(model, frame, origins, options);
}

function checkOrigins(frame: SeriesFrame, origins: ArrayLike<number>, inputLength: number): void {
  const rows = rowCount(frame);
  for (let i = 0; i < origins.length; i++) {
    const origin = origins[i]!;
    if (!Number.isInteger(origin) || origin >= rows) throw new DataError(`Origin ${origin} is not a row of the data (${rows} rows).`);
    if (origin < inputLength - 1) throw new DataError(`Origin row ${origin} has ${origin + 1} rows of history; the model reads input_length = ${inputLength}.`);
  }
}

/**
 * Non-finite inputs would silently give NaN forecasts; name the first one the windows read. Only the windows' own
 * rows are checked: a frame may join several series, with rows between them (future rows not forecast yet) that no
 * window reads.
 */
function checkUsedRowsFinite(frame: SeriesFrame, features: readonly string[], origins: ArrayLike<number>, inputLength: number): void {
  const checked = new Uint8Array(rowCount(frame));
  for (let i = 0; i < origins.length; i++) {
    for (let row = Math.max(0, origins[i]! - inputLength + 1); row <= origins[i]!; row++) checked[row] = 1;
  }
  for (const name of features) {
    const values = column(frame, name);
    for (let row = 0; row < checked.length; row++) {
      if (checked[row] && !Number.isFinite(values[row]!)) checkFinite(frame, name, 'The data', row, row + 1);
    }
  }
}
