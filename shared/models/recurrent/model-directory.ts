/**
 * Saves and loads a recurrent model directory: `model.json` and `weights.bin` (the tfjs-layers format that
 * tfjs-node's file:// handler also writes and `tf.loadLayersModel` reads) plus `manifest.json`. Uses node:fs
 * with tfjs's in-memory IO handlers, because the file:// handler exists only when tfjs-node is installed.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArtifactError } from '../../errors.js';
import { writeAtomically } from '../../files.js';
import { MANIFEST_FILE, readManifest, readModelFile, readModelJson, writeManifest } from '../model-files.js';
import { checkNetworkMatchesManifest, type RecurrentModel } from './model.js';
import { networkFromModel } from './network.js';

/** File names inside a model directory. */
export const MODEL_FILES = { topology: 'model.json', weights: 'weights.bin', manifest: MANIFEST_FILE } as const;

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
  await writeManifest(directory, model.manifest);
  return { files: Object.values(MODEL_FILES), weightBytes: weights.byteLength };
}

/** Reads a model directory written by saveRecurrentModel; InvalidArtifactError naming the file when a part is missing, damaged or does not fit. */
export async function loadRecurrentModel(directory: string): Promise<RecurrentModel> {
  const manifest = await readManifest(directory);
  const modelJson = (await readModelJson(directory, MODEL_FILES.topology)) as tf.io.ModelJSON;
  if (!modelJson || typeof modelJson !== 'object' || !modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw new InvalidArtifactError(directory, `${join(directory, MODEL_FILES.topology)} is not a TensorFlow.js layers model (no modelTopology or weightsManifest).`);
  }
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (groups) => {
    const specs = groups.flatMap((group) => group.weights);
    const buffers = await Promise.all(groups.flatMap((group) => group.paths).map((path) => readModelFile(directory, path)));
    const bytes = buffers.reduce((sum, buffer) => sum + buffer.byteLength, 0);
    const expected = specs.reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1) * 4, 0);
    if (bytes !== expected) {
      throw new InvalidArtifactError(directory, `${join(directory, MODEL_FILES.weights)} holds ${bytes} bytes; ${MODEL_FILES.topology} declares ${expected} (a truncated or foreign weights file).`);
    }
    return [specs, tf.io.CompositeArrayBuffer.join(buffers.map((buffer) => buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer))];
  });
  const network = networkFromModel(await tf.loadLayersModel(tf.io.fromMemory(artifacts)));
  try {
    checkNetworkMatchesManifest(network, manifest, `Model directory ${directory}`);
  } catch (error) {
    network.model.dispose();
    throw new InvalidArtifactError(directory, (error as Error).message);
  }
  return { network, manifest };
}
