/**
 * Checks the training and validation splits against the model's manifest and turns them into window sources:
 * training windows lie wholly in the training split; validation windows have their targets in the validation
 * split and may take their input from the end of the training split (the past, so no leakage).
 */
import { DataError } from '../../errors.js';
import { column, concatFrames, rowCount, selectColumns, type SeriesFrame } from '../../series/frame.js';
import type { PreprocessingManifest } from '../../series/manifest.js';
import { windowOrigins, type WindowShape } from '../../series/windows.js';

/** Scaled splits, as preprocess writes them; the validation split follows the training split in time. */
export interface TrainingFrames {
  train: SeriesFrame;
  validation: SeriesFrame;
}

/** Windows drawn from one frame: feature columns in the manifest's order, the target column, and the origins. */
export interface WindowSource {
  features: Float64Array[];
  target: Float64Array;
  origins: Int32Array;
}

export function trainingWindows(frames: TrainingFrames, manifest: PreprocessingManifest): { train: WindowSource; validation: WindowSource } {
  checkFeatureList(manifest);
  checkSplit(frames.train, manifest, 'Training data');
  checkSplit(frames.validation, manifest, 'Validation data');
  checkLengths(frames, manifest);
  checkOrder(frames);
  const names = uniqueNames([...manifest.features, manifest.target]);
  const joined = concatFrames([selectColumns(frames.train, names), selectColumns(frames.validation, names)]);
  const train = source(frames.train, manifest, windowOrigins(rowCount(frames.train), manifest, regularity(frames.train, manifest)));
  const validation = source(joined, manifest, windowOrigins(rowCount(joined), manifest, { firstTarget: rowCount(frames.train), ...regularity(joined, manifest) }));
  if (train.origins.length === 0) throw new DataError(`Training data has no window of ${span(manifest)} contiguous rows at ${manifest.frequency} spacing; check its time index for gaps.`);
  if (validation.origins.length === 0) throw new DataError(`Validation data has no window whose ${manifest.horizon} targets are contiguous with the ${manifest.inputLength} rows before them; check the time index for gaps.`);
  return { train, validation };
}

/** Checks that every feature and the target are present and finite in `frame`; names the first bad value. */
export function checkSplit(frame: SeriesFrame, manifest: PreprocessingManifest, what: string): void {
  if (!(manifest.target in frame.columns)) throw new DataError(`${what} has no target column "${manifest.target}"; columns: ${frame.names.join(', ')}.`);
  checkFeaturesPresent(frame, manifest.features, what);
  for (const name of uniqueNames([...manifest.features, manifest.target])) checkFinite(frame, name, what, 0, rowCount(frame));
}

/** DataError naming every feature of `features` that `frame` lacks. */
export function checkFeaturesPresent(frame: SeriesFrame, features: readonly string[], what: string): void {
  const missing = features.filter((name) => !(name in frame.columns));
  if (missing.length > 0) {
    throw new DataError(
      `${what} lacks feature${missing.length > 1 ? 's' : ''} ${missing.map((name) => `"${name}"`).join(', ')} that the model reads; it has: ${frame.names.join(', ')}.`,
    );
  }
}

/** DataError naming the column, row and timestamp of the first non-finite value of `name` in rows [start, end). */
export function checkFinite(frame: SeriesFrame, name: string, what: string, start: number, end: number): void {
  const values = column(frame, name);
  for (let row = Math.max(0, start); row < end; row++) {
    if (!Number.isFinite(values[row]!)) {
      throw new DataError(`${what}: column "${name}" is ${values[row]} at row ${row} (${new Date(frame.time[row]!).toISOString()}); impute or drop it first.`);
    }
  }
}

function checkFeatureList(manifest: PreprocessingManifest): void {
  if (manifest.features.length === 0) throw new DataError('The model needs at least one input feature; the feature list is empty.');
  const duplicates = manifest.features.filter((name, i) => manifest.features.indexOf(name) !== i);
  if (duplicates.length > 0) throw new DataError(`The feature list names ${duplicates.map((name) => `"${name}"`).join(', ')} more than once.`);
}

function checkLengths(frames: TrainingFrames, manifest: PreprocessingManifest): void {
  const trainRows = rowCount(frames.train);
  if (trainRows < span(manifest)) {
    throw new DataError(
      `Training data has ${trainRows} rows; one window needs input_length + horizon = ${manifest.inputLength} + ${manifest.horizon} = ${span(manifest)} rows.`,
    );
  }
  const validationRows = rowCount(frames.validation);
  if (validationRows < manifest.horizon) {
    throw new DataError(
      `Validation data has ${validationRows} rows; one validation window needs horizon = ${manifest.horizon} rows (its input may come from the end of the training data).`,
    );
  }
}

function checkOrder(frames: TrainingFrames): void {
  const lastTrain = frames.train.time[rowCount(frames.train) - 1]!;
  const firstValidation = frames.validation.time[0]!;
  if (!(firstValidation > lastTrain)) {
    throw new DataError(
      `Validation data must follow the training data in time; it starts at ${new Date(firstValidation).toISOString()}, the training data ends at ${new Date(lastTrain).toISOString()}.`,
    );
  }
}

function source(frame: SeriesFrame, manifest: PreprocessingManifest, origins: Int32Array): WindowSource {
  return { features: manifest.features.map((name) => column(frame, name)), target: column(frame, manifest.target), origins };
}

function regularity(frame: SeriesFrame, manifest: PreprocessingManifest): { time: Float64Array; frequencyMs: number } {
  return { time: frame.time, frequencyMs: manifest.frequencyMs };
}

function span(shape: WindowShape): number {
  return shape.inputLength + shape.horizon;
}

function uniqueNames(names: readonly string[]): string[] {
  return [...new Set(names)];
}
