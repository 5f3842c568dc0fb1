/**
 * Checking a candidate before eval scores it, because its artifact metadata is only a claim: the model files are
 * there and load through their adapter, the kind they hold is the kind the metadata names, the held-out metrics
 * are finite and non-negative, and the run id and model URI agree with each other, with the model's MLmodel file
 * and with the MLflow run. A candidate that fails is rejected with the reason; eval goes on with the rest.
 */
import { messageOf } from '../../shared/errors.js';
import { loadModel, modelDirectoryFacts } from '../../shared/models/registry.js';
import type { TrainedModelMetadata } from '../../shared/models/trained-model.js';
import { HELD_OUT_METRICS } from '../../shared/series/metric-names.js';
import { isNotFound } from '../../shared/tracking/rest-store.js';
import { parseIndirectUri, type RunRecord, type Tracker } from '../../shared/tracking/index.js';
import { isDirectory } from '../../shared/kfp/executor.js';

/** A candidate that passed, with its MLflow run (read once, here). */
export interface VerifiedCandidate {
  run: RunRecord;
}

/**
 * Why the candidate from `input` (model directory `directory`, metadata `metadata`) must not be scored, or its
 * MLflow run when nothing is wrong. Never throws for a bad candidate; a tracking server that fails does throw.
 */
export async function verifyCandidate(
  input: string,
  directory: string,
  metadata: TrainedModelMetadata,
  tracker: Tracker,
): Promise<{ ok: true; run: RunRecord } | { ok: false; reason: string }> {
  const reject = (reason: string) => ({ ok: false as const, reason: `Input "${input}" is rejected: ${reason}` });

  for (const key of HELD_OUT_METRICS) {
    const value = metadata[key];
    if (!Number.isFinite(value) || value < 0 || Object.is(value, -0)) {
      return reject(`its metadata says ${key} = ${Object.is(value, -0) ? '-0' : String(value)}; held-out errors are finite and non-negative.`);
    }
  }

  const uri = parseUri(metadata.model_uri);
  if (!uri || uri.kind !== 'run' || uri.runId !== metadata.run_id) {
    return reject(`its model_uri ${JSON.stringify(metadata.model_uri)} is not runs:/${metadata.run_id}/… of its run_id ${metadata.run_id}.`);
  }

  if (!(await isDirectory(directory))) return reject(`${directory} is not a model directory (it is a file, or nothing).`);
  const facts = modelDirectoryFacts(directory);
  if (facts.runId !== undefined && facts.runId !== metadata.run_id) {
    return reject(`its MLmodel file names run ${facts.runId}, its metadata run ${metadata.run_id}; the model files belong to another run.`);
  }
  try {
    const model = await loadModel(directory, metadata.model_type);
    try {
      if (model.manifest.configHash !== metadata.config_hash) {
        return reject(`its model was trained on config ${model.manifest.configHash}, its metadata says ${metadata.config_hash}.`);
      }
    } finally {
      model.dispose();
    }
  } catch (error) {
    return reject(`its model does not load: ${messageOf(error)}`);
  }

  let run: RunRecord;
  try {
    run = await tracker.getRun(metadata.run_id);
  } catch (error) {
    if (isNotFound(error)) return reject(`its run ${metadata.run_id} does not exist on the tracking server.`);
    throw error;
  }
  const trackedType = run.tags['flts.model_type'];
  if (trackedType !== undefined && trackedType !== metadata.model_type) {
    return reject(`its MLflow run ${metadata.run_id} trained a ${trackedType} model, its metadata says ${metadata.model_type}.`);
  }
  return { ok: true, run };
}

function parseUri(uri: string): ReturnType<typeof parseIndirectUri> {
  try {
    return parseIndirectUri(uri);
  } catch {
    return undefined;
  }
}
