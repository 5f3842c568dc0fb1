/**
 * Saves and loads a recurrent model directory: `model.json` and `weights.bin` (the tfjs-layers format that
 * tfjs-node's file:// handler also writes and `tf.loadLayersModel` reads) plus `manifest.json`. Uses node:fs
 * with tfjs's in-memory IO handlers, because the file:// handler exists only when tfjs-node is installed.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ModelStateError } from '../../errors.js';
import { MANIFEST_FORMAT, type PreprocessingManifest } from '../../series/manifest.js';
import { checkNetworkMatchesManifest, type RecurrentModel } from './model.js';
import { networkFromModel } from './network.js';

/** File names inside a model directory. */
export const MODEL_FILES = { topology: 'model.json', weights: 'weights.bin', manifest: 'manifest.json' } as const;

/** Writes `model` into `directory` (created if needed); each file appears whole or not at all. */
export async function saveRecurrentModel(model: RecurrentModel, directory: string): Promise<{ files: string[]; weightBytes: number }> {
  await mkdir(directory, { recursive: true });
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.network.model.save(
    tf.io.withSaveHandler(async (captured) => {
      artifacts = captured;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(captured) };
    }),
  );
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts!.weightData));
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts!.modelTopology as object,
    format: artifacts!.format,
    generatedBy: artifacts!.generatedBy,
    convertedBy: artifacts!.convertedBy,
    weightsManifest: [{ paths: [MODEL_FILES.weights], weights: artifacts!.weightSpecs! }],
  };
  await writeAtomically(join(directory, MODEL_FILES.weights), weights);
  await writeAtomically(join(directory, MODEL_FILES.topology), JSON.stringify(modelJson));
  await writeAtomically(join(directory, MODEL_FILES.manifest), `${JSON.stringify(model.manifest, null, 2)}\n`);
  return { files: Object.values(MODEL_FILES), weightBytes: weights.byteLength };
}

/** Reads a model directory written by saveRecurrentModel; ModelStateError when its parts do not fit together. */
export async function loadRecurrentModel(directory: string): Promise<RecurrentModel> {
  const manifest = parseManifest(await readText(directory, MODEL_FILES.manifest), directory);
  const modelJson = JSON.parse(await readText(directory, MODEL_FILES.topology)) as tf.io.ModelJSON;
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (groups) => {
    const specs = groups.flatMap((group) => group.weights);
    const buffers = await Promise.all(groups.flatMap((group) => group.paths).map((path) => readFile(join(directory, path))));
    return [specs, tf.io.CompositeArrayBuffer.join(buffers.map((buffer) => buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength)))];
  });
  const network = networkFromModel(await tf.loadLayersModel(tf.io.fromMemory(artifacts)));
  checkNetworkMatchesManifest(network, manifest, `Model directory ${directory}`);
  return { network, manifest };
}

function parseManifest(text: string, directory: string): PreprocessingManifest {
  const manifest = JSON.parse(text) as Partial<PreprocessingManifest>;
  if (manifest.format !== MANIFEST_FORMAT || !Array.isArray(manifest.features) || typeof manifest.target !== 'string' || !manifest.scaler) {
    throw new ModelStateError(`${join(directory, MODEL_FILES.manifest)} is not a ${MANIFEST_FORMAT} preprocessing manifest (format: ${String(manifest.format)}).`);
  }
  return manifest as PreprocessingManifest;
}

async function readText(directory: string, file: string): Promise<string> {
  try {
    return await readFile(join(directory, file), 'utf8');
  } catch (error) {
    throw new ModelStateError(`Cannot read ${join(directory, file)}: not a model directory written by this project?`, { cause: error });
  }
}

async function writeAtomically(path: string, data: string | Uint8Array): Promise<void> {
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}
