/**
 * Parsing of MLflow's indirect URIs (reference/mlflow.md §4): `runs:/<run id>/<path>` and
 * `models:/<name>/<version>`, `models:/<name>@<alias>`, `models:/<name>/latest`, each with an optional sub-path.
 */
import { TrackingError } from '../errors.js';

export type IndirectUri =
  | { kind: 'run'; runId: string; path: string }
  | { kind: 'model-version'; name: string; version: string; path: string }
  | { kind: 'model-alias'; name: string; alias: string; path: string }
  | { kind: 'model-latest'; name: string; path: string };

/** The parsed form of a `runs:` or `models:` URI, or `undefined` for any other URI (a concrete artifact location). */
export function parseIndirectUri(uri: string): IndirectUri | undefined {
  if (uri.startsWith('runs:')) return parseRunsUri(uri);
  if (uri.startsWith('models:')) return parseModelsUri(uri);
  return undefined;
}

function parseRunsUri(uri: string): IndirectUri {
  const match = /^runs:\/([^/]+)(?:\/(.*))?$/.exec(uri);
  if (!match || !/^[a-zA-Z0-9][\w-]{0,255}$/.test(match[1]!)) {
    throw new TrackingError(`Invalid runs URI "${uri}": expected runs:/<run id>/<artifact path>.`);
  }
  return { kind: 'run', runId: match[1]!, path: trimSlashes(match[2] ?? '') };
}

function parseModelsUri(uri: string): IndirectUri {
  const body = uri.replace(/^models:\/+/, '');
  const [head = '', ...rest] = body.split('/');
  if (head.includes('@')) {
    const at = head.lastIndexOf('@');
    const name = head.slice(0, at);
    const alias = head.slice(at + 1);
    if (name && alias) return { kind: 'model-alias', name, alias, path: trimSlashes(rest.join('/')) };
  } else if (head && rest.length > 0) {
    const selector = rest[0]!;
    const path = trimSlashes(rest.slice(1).join('/'));
    if (/^\d+$/.test(selector)) return { kind: 'model-version', name: head, version: selector, path };
    if (selector.toLowerCase() === 'latest') return { kind: 'model-latest', name: head, path };
  }
  throw new TrackingError(
    `Invalid models URI "${uri}": expected models:/<name>/<version>, models:/<name>@<alias> or models:/<name>/latest (stages and logged-model ids are not supported).`,
  );
}

/** `base` + "/" + `path`, for artifact URIs of any scheme. */
export function joinArtifactUri(base: string, path: string): string {
  const clean = trimSlashes(path);
  return clean ? `${base.replace(/\/+$/, '')}/${clean}` : base;
}

export function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}
