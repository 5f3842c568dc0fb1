/**
 * The preprocessing manifest that travels with every model (`manifest.json` in the model directory), so that
 * evaluation and inference never guess the scaler, the feature order, the target, the window or the frequency.
 */
import { DataError } from '../errors.js';
import type { SeriesFrame } from './frame.js';
import type { Scaler } from './scaler.js';

export const MANIFEST_FORMAT = 'flts-manifest/1';

export interface PreprocessingManifest {
  format: typeof MANIFEST_FORMAT;
  /** The forecast column. */
  target: string;
  /** Model input columns in the order the model expects them (the target included when the model reads it). */
  features: string[];
  /** Past time steps a forecast looks at. */
  inputLength: number;
  /** Steps forecast from each origin. */
  horizon: number;
  /** Sampling interval in milliseconds, and as text ("2min"). */
  frequencyMs: number;
  frequency: string;
  /** The scaler fitted by preprocess on the training split; the data the model sees is scaled with it. */
  scaler: Scaler;
  /** sha256 of the preprocessing config (lineage). */
  configHash: string;
  /**
   * Columns the model reads that are not in the data and hold one value on every row, in scaled units (Prophet's
   * logistic `cap` and `floor`): saved with the model, so that it forecasts without being told them again.
   */
  constants?: Record<string, number>;
  /** Seed of the model's simulated interval (Prophet's Monte Carlo draws), so that a reloaded model draws the same interval. */
  seed?: number;
  /** A calibrated prediction interval, for models without one of their own (shared/models/conformal.ts). */
  interval?: { method: 'split-conformal'; width: number; halfWidths: number[]; calibrationOrigins: number; scale: 'window-volatility'; exponent: number };
}

/** Checks that `frame` carries every feature the model was trained on; names what is missing. */
export function checkFramePerManifest(manifest: PreprocessingManifest, frame: SeriesFrame, where: string): void {
  const missing = [manifest.target, ...manifest.features].filter((name) => !(name in frame.columns));
  if (missing.length > 0) {
    throw new DataError(
      `${where} lacks column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} that the model was trained on; it has: ${frame.names.join(', ')}.`,
    );
  }
}
