/**
 * Prophet as one of this project's models: forecasts at the evaluation protocol's (origin, step) targets (Prophet
 * forecasts by timestamp, so each target gets the prediction at its own time, with the regressors' values there
 * and the model's constant columns — logistic cap and floor — filled from the manifest), its interval, and the
 * model directory: Prophet's own JSON (`model_to_json`) plus the preprocessing manifest.
 */
import { join } from 'node:path';
import { InvalidArtifactError } from '../../errors.js';
import { writeAtomically } from '../../files.js';
import type { Forecaster } from '../../series/evaluation.js';
import { column, type SeriesFrame } from '../../series/frame.js';
import type { PreprocessingManifest } from '../../series/manifest.js';
import { readManifest, readModelFile, writeManifest } from '../model-files.js';
import { modelFromJson, modelToJson, type Prophet } from './index.js';

export const PROPHET_FILES = { model: 'prophet.json', manifest: 'manifest.json' } as const;

/** The manifest's features other than the target are the model's extra regressors. */
export function regressorNames(manifest: PreprocessingManifest): string[] {
  return manifest.features.filter((name) => name !== manifest.target);
}

/** Scaled point forecasts (yhat) for every (origin, step): the prediction at `frame.time[origin + h]`. */
export function prophetForecaster(model: Prophet, manifest: PreprocessingManifest): Forecaster {
  return (frame: SeriesFrame, origins: Int32Array) => pointForecast(model, manifest, frame, forecastRows(origins, manifest.horizon));
}

/** The rows forecast from `origins`, (origins.length, H) row-major: origin + h. */
export function forecastRows(origins: Int32Array, horizon: number): Int32Array {
  const rows = new Int32Array(origins.length * horizon);
  origins.forEach((origin, i) => {
    for (let h = 1; h <= horizon; h++) rows[i * horizon + h - 1] = origin + h;
  });
  return rows;
}

/** The DataFrame Prophet predicts from: `ds`, the regressors and the constant columns at the given (unique, sorted) rows. */
export function predictionFrame(manifest: PreprocessingManifest, frame: SeriesFrame, rows: readonly number[]): Record<string, Float64Array> & { ds: Float64Array } {
  const df: Record<string, Float64Array> & { ds: Float64Array } = { ds: Float64Array.from(rows, (row) => frame.time[row]!) };
  for (const name of regressorNames(manifest)) {
    const values = column(frame, name);
    df[name] = Float64Array.from(rows, (row) => values[row]!);
  }
  for (const [name, value] of Object.entries(manifest.constants ?? {})) df[name] = new Float64Array(rows.length).fill(value);
  return df;
}

/** yhat at the given rows of `frame`, in the units Prophet was fitted in (the interval is not simulated). */
function pointForecast(model: Prophet, manifest: PreprocessingManifest, frame: SeriesFrame, rows: Int32Array): Float64Array {
  const unique = [...new Set(rows)].sort((a, b) => a - b);
  const samples = model.uncertainty_samples;
  model.uncertainty_samples = 0; // point forecasts only: the Monte Carlo interval is not part of the score
  try {
    const yhat = model.predict(predictionFrame(manifest, frame, unique)).yhat;
    const at = new Map(unique.map((row, i) => [row, yhat[i]!]));
    return Float64Array.from(rows, (row) => at.get(row)!);
  } finally {
    model.uncertainty_samples = samples;
  }
}

/**
 * Prophet's uncertainty interval (yhat_lower, yhat_upper: simulated future trend changes and observation noise,
 * `interval_width` wide) at the given rows. NaN when the model was saved with `uncertainty_samples = 0`.
 */
export function predictionInterval(model: Prophet, manifest: PreprocessingManifest, frame: SeriesFrame, rows: Int32Array): { lower: Float64Array; upper: Float64Array } {
  if (!model.uncertainty_samples) return { lower: new Float64Array(rows.length).fill(NaN), upper: new Float64Array(rows.length).fill(NaN) };
  const unique = [...new Set(rows)].sort((a, b) => a - b);
  const forecast = model.predict(predictionFrame(manifest, frame, unique));
  const index = new Map(unique.map((row, i) => [row, i]));
  return {
    lower: Float64Array.from(rows, (row) => forecast['yhat_lower']![index.get(row)!]!),
    upper: Float64Array.from(rows, (row) => forecast['yhat_upper']![index.get(row)!]!),
  };
}

export async function saveProphetModel(model: Prophet, manifest: PreprocessingManifest, directory: string): Promise<void> {
  await writeAtomically(join(directory, PROPHET_FILES.model), modelToJson(model));
  await writeManifest(directory, manifest);
}

export async function loadProphetModel(directory: string): Promise<{ model: Prophet; manifest: PreprocessingManifest }> {
  const manifest = await readManifest(directory);
  const text = (await readModelFile(directory, PROPHET_FILES.model)).toString('utf8');
  try {
    const model = modelFromJson(text);
    // Prophet's JSON has no seed (Python draws from numpy's global state); ours travels in the manifest.
    if (manifest.seed !== undefined) model.seed = manifest.seed;
    return { model, manifest };
  } catch (cause) {
    throw new InvalidArtifactError(directory, `${join(directory, PROPHET_FILES.model)} is not a Prophet model in model_to_json format: ${(cause as Error).message}`, { cause });
  }
}
