/**
 * The registry side of a promotion: find the model version already registered for the winning run (so that
 * re-running eval never adds a duplicate, even after an eval that registered one and then failed or was killed),
 * and the version the alias points at before eval moves it (so that a failure after the move can put it back).
 */
import { parseIndirectUri, type ModelVersion, type RunRecord, type Tracker } from '../../shared/tracking/index.js';
import { joinArtifactUri } from '../../shared/tracking/model-uri.js';
import { isNotFound } from '../../shared/tracking/rest-store.js';

/**
 * The version of registered model `name` already made from the winner's model (`modelUri` of `run`), found by
 * searching the registry itself — not a record of our own that a failed or killed eval might not have written.
 * With several (duplicates an older eval left), `preferred` (the alias's current version) when it is one of
 * them, else the lowest. Read-only.
 */
export async function existingVersion(
  tracker: Tracker,
  name: string,
  run: RunRecord,
  modelUri: string,
  preferred?: ModelVersion,
): Promise<ModelVersion | undefined> {
  // A version registered from a runs:/ URI carries the run id; one from a bare artifact URI may not.
  const byRun = parseIndirectUri(modelUri)?.kind === 'run';
  const versions = (await tracker.searchModelVersions(name, byRun ? { runId: run.info.runId } : {})).filter((version) => isVersionOf(version, run, modelUri));
  return versions.find((version) => version.version === preferred?.version) ?? versions[0];
}

/** The version `alias` of registered model `name` points at; undefined when the alias or the model does not exist. */
export async function aliasTarget(tracker: Tracker, name: string, alias: string): Promise<ModelVersion | undefined> {
  try {
    return await tracker.getModelVersionByAlias(name, alias);
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Points `alias` back at `previous`, or removes it when it pointed nowhere before. */
export async function restoreAlias(tracker: Tracker, name: string, alias: string, previous: ModelVersion | undefined): Promise<void> {
  if (previous) await tracker.setAlias(name, alias, previous.version);
  else await tracker.deleteAlias(name, alias);
}

/** Whether `version` was registered from `modelUri` (a `runs:/` URI of `run`, or the artifact URI itself). */
function isVersionOf(version: ModelVersion, run: RunRecord, modelUri: string): boolean {
  if (version.status === 'FAILED_REGISTRATION') return false;
  const parsed = parseIndirectUri(modelUri);
  if (parsed?.kind === 'run') {
    // Sources as this project registers them (the artifact URI), or as given to MLflow's Python client (runs:/…).
    const sources = [joinArtifactUri(run.info.artifactUri, parsed.path), modelUri].map(trim);
    return version.runId === run.info.runId && sources.includes(trim(version.source));
  }
  return trim(version.source) === trim(modelUri);
}

function trim(uri: string): string {
  return uri.replace(/\/+$/, '');
}
