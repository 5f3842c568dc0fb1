/**
 * The registry side of a promotion: find the model version already registered for the winning run (so that
 * re-running eval never adds a duplicate), register one when there is none, and move the alias — the last
 * thing eval does.
 */
import { parseIndirectUri, type ModelVersion, type RunRecord, type Tracker } from '../../shared/tracking/index.js';
import { joinArtifactUri } from '../../shared/tracking/model-uri.js';
import { isNotFound } from '../../shared/tracking/rest-store.js';

/** Tag on a trained model's run: the registry versions made from it, as JSON `{"<registered model>": "<version>"}`. */
export const VERSIONS_TAG = 'flts.registered_versions';

/** The versions recorded on a run by `VERSIONS_TAG`; an unreadable tag counts as none. */
export function taggedVersions(run: RunRecord): Record<string, string> {
  const text = run.tags[VERSIONS_TAG];
  if (!text) return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
  } catch {
    return {};
  }
}

/**
 * The version of registered model `name` already made from the winner's model (`modelUri` of `run`), found
 * without a search: the version the run's VERSIONS_TAG names, else the one `alias` points at. Read-only.
 */
export async function existingVersion(tracker: Tracker, name: string, alias: string, run: RunRecord, modelUri: string): Promise<ModelVersion | undefined> {
  const candidates: (() => Promise<ModelVersion>)[] = [];
  const tagged = taggedVersions(run)[name];
  if (tagged) candidates.push(() => tracker.getModelVersion(name, tagged));
  candidates.push(() => tracker.getModelVersionByAlias(name, alias));
  for (const lookup of candidates) {
    let version: ModelVersion;
    try {
      version = await lookup();
    } catch (error) {
      if (isNotFound(error)) continue;
      throw error;
    }
    if (isVersionOf(version, run, modelUri)) return version;
  }
  return undefined;
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
