/**
 * Prophet as one of this project's models: a Forecaster over the evaluation protocol's origins (Prophet
 * forecasts by timestamp, so each (origin, step) target gets the prediction at its own time, with the
 * regressors' values there), and the model directory format — Prophet's own JSON plus the preprocessing manifest.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelStateError } from '../errors.js';
import type { Forecaster } from '../series/evaluation.js';
import { column, type SeriesFrame } from '../series/frame.js';
import type { PreprocessingManifest } from '../series/manifest.js';
import { writeAtomically } from '../store/index.js';
import type { LoadedModel } from './load.js';
import { modelFromJson, modelToJson, Prophet } from './prophet/index.js';

export const PROPHET_FILES = { model: 'prophet.json', manifest: 'manifest.json' } as const;

/** The manifest's features other than the target are the model's extra regressors. */
export function regressorNames(manifest: PreprocessingManifest): string[] {
  return manifest.features.filter((name) => name !== manifest.target);
}

/**
 * Scaled forecasts for every (origin, step): the point forecast (yhat) at `frame.time[origin + h]`. Intervals are
 * not needed for scoring, so they are not simulated here.
 */
export function prophetForecaster(model: Prophet, manifest: PreprocessingManifest): Forecaster {
  const regressors = regressorNames(manifest);
  return (frame: SeriesFrame, origins: Int32Array) => {
    const H = manifest.horizon;
    const rows = new Int32Array(origins.length * H);
    origins.forEach((origin, i) => {
      for (let h = 1; h <= H; h++) rows[i * H + h - 1] = origin + h;
    });
    return pointForecast(model, frame, rows, regressors);
  };
}

/** yhat at the given rows of `frame`, in the units Prophet was fitted in. */
export function pointForecast(model: Prophet, frame: SeriesFrame, rows: Int32Array, regressors: readonly string[]): Float64Array {
  const unique = [...new Set(rows)].sort((a, b) => a - b);
  const ds = Float64Array.from(unique, (row) => frame.time[row]!);
  const df: Record<string, Float64Array> & { ds: Float64Array } = { ds };
  for (const name of regressors) {
    const values = column(frame, name);
    df[name] = Float64Array.from(unique, (row) => values[row]!);
  }
  const samples = model.uncertainty_samples;
  model.uncertainty_samples = 0; // point forecasts only: the Monte Carlo interval is not part of the score
  try {
    const yhat = model.predict(df).yhat;
    const at = new Map(unique.map((row, i) => [row, yhat[i]!]));
    return Float64Array.from(rows, (row) => at.get(row)!);
  } finally {
    model.uncertainty_samples = samples;
  }
}

/**
 * Prophet's uncertainty interval (yhat_lower, yhat_upper: simulated future trend changes and observation noise,
 * `interval_width` wide) at the given rows, in the units Prophet was fitted in. NaN when the model was saved
 * with `uncertainty_samples = 0`.
 */
export function predictionInterval(model: Prophet, frame: SeriesFrame, rows: Int32Array, regressors: readonly string[]): { lower: Float64Array; upper: Float64Array } {
  if (!model.uncertainty_samples) return { lower: new Float64Array(rows.length).fill(NaN), upper: new Float64Array(rows.length).fill(NaN) };
  const unique = [...new Set(rows)].sort((a, b) => a - b);
  const df: Record<string, Float64Array> & { ds: Float64Array } = { ds: Float64Array.from(unique, (row) => frame.time[row]!) };
  for (const name of regressors) {
    const values = column(frame, name);
    df[name] = Float64Array.from(unique, (row) => values[row]!);
  }
  const forecast = model.predict(df);
  const index = new Map(unique.map((row, i) => [row, i]));
  return {
    lower: Float64Array.from(rows, (row) => forecast['yhat_lower']![index.get(row)!]!),
    upper: Float64Array.from(rows, (row) => forecast['yhat_upper']![index.get(row)!]!),
  };
}

export async function saveProphetModel(model: Prophet, manifest: PreprocessingManifest, directory: string): Promise<void> {
  await writeAtomically(join(directory, PROPHET_FILES.model), modelToJson(model));
  await writeAtomically(join(directory, PROPHET_FILES.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
}

export async function loadProphetModel(directory: string): Promise<LoadedModel> {
  const read = async (file: string) => {
    try {
      return await readFile(join(directory, file), 'utf8');
    } catch (cause) {
      throw new ModelStateError(`The Prophet model directory ${directory} lacks ${file}: ${(cause as Error).message}`, { cause });
    }
  };
  const model = modelFromJson(await read(PROPHET_FILES.model));
  const manifest = JSON.parse(await read(PROPHET_FILES.manifest)) as PreprocessingManifest;
  const regressors = regressorNames(manifest);
  return {
    modelType: 'prophet',
    manifest,
    forecaster: prophetForecaster(model, manifest),
    interval: (frame, rows) => predictionInterval(model, frame, rows, regressors),
    facts: { interval_width: model.interval_width, uncertainty_samples: model.uncertainty_samples },
    dispose: () => undefined,
  };
}
