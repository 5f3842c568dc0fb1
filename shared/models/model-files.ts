/**
 * Reading and writing the files of a model directory, for every kind: each read names the file it failed on (a
 * missing, truncated or foreign file is bad input, exit code 2), each write is atomic, and the preprocessing
 * manifest that travels with every model is read and checked in one place.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArtifactError } from '../errors.js';
import { writeAtomically } from '../files.js';
import { MANIFEST_FORMAT, type PreprocessingManifest } from '../series/manifest.js';

export const MANIFEST_FILE = 'manifest.json';

/** The bytes of `file` in the model directory. */
export async function readModelFile(directory: string, file: string): Promise<Buffer> {
  const path = join(directory, file);
  try {
    return await readFile(path);
  } catch (cause) {
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw new InvalidArtifactError(directory, missing ? `The model directory ${directory} lacks ${file}.` : `Cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
}

/** `file` parsed as JSON; a truncated or foreign file is an error naming it. */
export async function readModelJson(directory: string, file: string): Promise<unknown> {
  const text = (await readModelFile(directory, file)).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new InvalidArtifactError(directory, `${join(directory, file)} is not valid JSON (${(cause as Error).message}); the model directory is damaged or not one this project wrote.`, { cause });
  }
}

export async function readManifest(directory: string): Promise<PreprocessingManifest> {
  const manifest = (await readModelJson(directory, MANIFEST_FILE)) as Partial<PreprocessingManifest> | null;
  const ok =
    manifest !== null &&
    typeof manifest === 'object' &&
    manifest.format === MANIFEST_FORMAT &&
    typeof manifest.target === 'string' &&
    Array.isArray(manifest.features) &&
    Number.isInteger(manifest.inputLength) &&
    Number.isInteger(manifest.horizon) &&
    typeof manifest.frequencyMs === 'number' &&
    manifest.scaler !== undefined;
  if (!ok) throw new InvalidArtifactError(directory, `${join(directory, MANIFEST_FILE)} is not a ${MANIFEST_FORMAT} preprocessing manifest (format: ${String(manifest?.format)}).`);
  return manifest as PreprocessingManifest;
}

export async function writeManifest(directory: string, manifest: PreprocessingManifest): Promise<void> {
  await writeAtomically(join(directory, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
}
