/**
 * The processed-dataset format that preprocess writes and every other component reads: Parquet with `time`
 * (timestamp[ms, UTC]) first, then float64 columns (target, features, time features, lags), and in its
 * key/value metadata upstream's `preprocess_config` and `config_hash` plus `flts_dataset`, a JSON description
 * (split, target, ordered columns, frequency, the fitted scaler, data digest) so a reader needs nothing else.
 */
import { readFile } from 'node:fs/promises';
import { DataError } from '../errors.js';
import type { FrameRows, SeriesFrame } from '../series/frame.js';
import type { Scaler } from '../series/scaler.js';
import { readParquet, TIME_COLUMN, writeParquetFile } from './parquet.js';

export const DATASET_FORMAT = 'flts-dataset/1';

/** What `flts_dataset` holds. */
export interface DatasetInfo {
  format: typeof DATASET_FORMAT;
  split: 'train' | 'validation' | 'test';
  target: string;
  /** Value columns in file order (after `time`). */
  columns: string[];
  frequency: string;
  frequencyMs: number;
  scaler: Scaler;
  configHash: string;
  /** sha256 of the raw input bytes (lineage of the data itself). */
  dataDigest: string;
  identifier: string;
}

export interface Dataset {
  frame: SeriesFrame;
  info: DatasetInfo;
  /** Canonical preprocessing config JSON (upstream's `preprocess_config`). */
  config: string;
}

/** Writes a dataset atomically (temp name, then rename); its frame may be made on demand (FrameRows). Returns the size. */
export async function writeDataset(path: string, dataset: Omit<Dataset, 'frame'> & { frame: SeriesFrame | FrameRows }): Promise<number> {
  return writeParquetFile(path, dataset.frame, {
    preprocess_config: dataset.config,
    config_hash: dataset.info.configHash,
    flts_dataset: JSON.stringify(dataset.info),
  });
}

/** Reads a dataset written by preprocess; `source` names it in errors (an artifact name or a URI). */
export async function readDataset(path: string, source: string): Promise<Dataset> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new DataError(`Cannot read dataset ${source} at ${path}: ${(cause as Error).message}`, { cause });
  }
  if (Buffer.from(bytes.subarray(0, 4)).toString('latin1') !== 'PAR1') {
    throw new DataError(`Dataset ${source} at ${path} is not a Parquet file; expected the output of the preprocess component.`);
  }
  const { table, metadata } = readParquet(bytes, `Dataset ${source}`);
  const text = metadata.get('flts_dataset');
  if (!text) throw new DataError(`Dataset ${source} has no "flts_dataset" metadata: it was not written by the preprocess component.`);
  const info = JSON.parse(text) as DatasetInfo;
  if (info.format !== DATASET_FORMAT) throw new DataError(`Dataset ${source} has format "${info.format}"; this version reads "${DATASET_FORMAT}".`);
  const time = table.columns[TIME_COLUMN];
  if (!time || time.kind !== 'time') throw new DataError(`Dataset ${source} has no "${TIME_COLUMN}" timestamp column.`);
  const columns: Record<string, Float64Array> = {};
  for (const name of info.columns) {
    const column = table.columns[name];
    if (!column || column.kind !== 'number') throw new DataError(`Dataset ${source} lacks the numeric column "${name}" its metadata lists.`);
    columns[name] = column.values;
  }
  return { frame: { time: time.values, names: [...info.columns], columns }, info, config: metadata.get('preprocess_config') ?? '' };
}
