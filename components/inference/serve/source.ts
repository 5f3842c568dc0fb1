/**
 * Where the served model comes from: a registry alias (`models:/<name>@<alias>`, resolved to a version whose
 * files are downloaded), a fixed registry version or run/artifact URI (downloaded once), or a local directory
 * (used in place). `current()` says which version the source names now, cheaply, so that a poller can tell when
 * an alias moved; `fetch()` brings that version onto the disk.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidParameterError } from '../../../shared/errors.js';
import { openTracking, parseIndirectUri, type Tracker } from '../../../shared/tracking/index.js';

/** One version of the model, as the source names it. */
export interface SourceVersion {
  /** The registry version ("3"), or "local" / the artifact URI for sources outside the registry. */
  version: string;
  /** The MLflow run that produced it, when the registry says. */
  runId: string | undefined;
  /** What to download (a pinned `models:/<name>/<version>` for an alias), or the local directory. */
  location: string;
}

/** A version on the local disk, ready to load; `release` removes what was downloaded. */
export interface FetchedVersion extends SourceVersion {
  directory: string;
  release(): Promise<void>;
}

export interface ModelSource {
  /** The URI or path as configured. */
  readonly uri: string;
  /** The model's name for the Open Inference Protocol paths. */
  readonly name: string;
  /** Whether `current()` can change while the server runs (an alias). */
  readonly moves: boolean;
  current(): Promise<SourceVersion>;
  fetch(version: SourceVersion): Promise<FetchedVersion>;
}

export interface SourceOptions {
  trackingUri: string;
  /** Parent folder of the download folders. Empty: the system temp directory. */
  downloadDir: string;
  /** Overrides the derived model name. */
  name: string;
  log?: { warn(message: string, fields?: Record<string, string | number>): void };
}

/** The source for a configured model URI or path. */
export function modelSource(uri: string, options: SourceOptions): ModelSource {
  const indirect = parseIndirectUri(uri);
  if (indirect) return new RegistrySource(uri, options, indirect);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) && !uri.startsWith('file:')) return new RegistrySource(uri, options, undefined);
  return new DirectorySource(uri.startsWith('file:') ? fileURLToPath(uri) : resolve(uri), options.name);
}

class DirectorySource implements ModelSource {
  readonly uri: string;
  readonly name: string;
  readonly moves = false;

  constructor(directory: string, name: string) {
    this.uri = directory;
    this.name = name || basename(directory);
  }

  async current(): Promise<SourceVersion> {
    if (!existsSync(this.uri) || !statSync(this.uri).isDirectory()) {
      throw new InvalidParameterError(`The model directory ${this.uri} does not exist (--model / FLTS_SERVE_MODEL).`);
    }
    return { version: 'local', runId: undefined, location: this.uri };
  }

  async fetch(version: SourceVersion): Promise<FetchedVersion> {
    return { ...version, directory: version.location, release: async () => undefined };
  }
}

class RegistrySource implements ModelSource {
  readonly uri: string;
  readonly name: string;
  readonly moves: boolean;
  readonly #options: SourceOptions;
  readonly #parsed: ReturnType<typeof parseIndirectUri>;
  #tracker: Promise<Tracker> | undefined;

  constructor(uri: string, options: SourceOptions, parsed: ReturnType<typeof parseIndirectUri>) {
    this.uri = uri;
    this.#options = options;
    this.#parsed = parsed;
    this.moves = parsed?.kind === 'model-alias' || parsed?.kind === 'model-latest';
    const derived = parsed && 'name' in parsed ? parsed.name : basename(uri.replace(/\/+$/, ''));
    this.name = options.name || derived;
  }

  async current(): Promise<SourceVersion> {
    const parsed = this.#parsed;
    const tracker = await this.#trackerOnce();
    const sub = (path: string) => (path ? `/${path}` : '');
    if (parsed?.kind === 'model-alias' || parsed?.kind === 'model-latest' || parsed?.kind === 'model-version') {
      const found =
        parsed.kind === 'model-alias'
          ? await tracker.getModelVersionByAlias(parsed.name, parsed.alias)
          : parsed.kind === 'model-version'
            ? await tracker.getModelVersion(parsed.name, parsed.version)
            : await latest(tracker, parsed.name);
      return { version: found.version, runId: found.runId, location: `models:/${parsed.name}/${found.version}${sub(parsed.path)}` };
    }
    return { version: this.uri, runId: parsed?.kind === 'run' ? parsed.runId : undefined, location: this.uri };
  }

  async fetch(version: SourceVersion): Promise<FetchedVersion> {
    const tracker = await this.#trackerOnce();
    const parent = this.#options.downloadDir || tmpdir();
    const folder = await mkdtemp(resolve(parent, `flts-serve-v${version.version.replace(/[^\w.-]+/g, '_').slice(0, 40)}-`));
    const release = () => rm(folder, { recursive: true, force: true });
    try {
      const directory = await tracker.downloadArtifacts(version.location, folder);
      return { ...version, directory, release };
    } catch (error) {
      await release();
      throw error;
    }
  }

  #trackerOnce(): Promise<Tracker> {
    this.#tracker ??= openTracking({
      trackingUri: this.#options.trackingUri,
      ...(this.#options.log ? { logger: this.#options.log } : {}),
    }).catch((error: unknown) => {
      this.#tracker = undefined;
      throw error;
    });
    return this.#tracker;
  }
}

async function latest(tracker: Tracker, name: string) {
  const versions = await tracker.searchModelVersions(name);
  const last = versions.at(-1);
  if (!last) throw new InvalidParameterError(`The registered model "${name}" has no versions.`);
  return last;
}
