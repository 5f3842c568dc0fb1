/**
 * The model being served, and its replacement. A new version is downloaded and loaded beside the current one
 * and warmed up with one forecast; only then does one assignment make it current, so a request either gets the
 * old model or the new one, never a half-loaded one. Each request holds the model it started with (a lease)
 * until its forecast is done; a retired model is disposed, and its downloaded files removed, when the last
 * lease is returned. Loads are serialised, and a version that fails to load leaves the current one serving.
 */
import type { Logger } from '../../../shared/log.js';
import { messageOf } from '../../../shared/errors.js';
import { loadServingModel, type ServingModel } from './model.js';
import type { FetchedVersion, ModelSource, SourceVersion } from './source.js';

/** A loaded version of the model. */
export interface ModelSlot {
  readonly model: ServingModel;
  /** Registry version, or "local" / the artifact URI. */
  readonly version: string;
  /** The training run: the registry's, else the one the MLmodel file names. */
  readonly runId: string | undefined;
  readonly loadedAt: Date;
}

class Slot implements ModelSlot {
  readonly model: ServingModel;
  readonly version: string;
  readonly runId: string | undefined;
  readonly loadedAt = new Date();
  readonly #fetched: FetchedVersion;
  #leases = 0;
  #retired = false;
  #disposed = false;

  constructor(model: ServingModel, fetched: FetchedVersion) {
    this.model = model;
    this.version = fetched.version;
    this.runId = fetched.runId ?? model.description.runId;
    this.#fetched = fetched;
  }

  lease(): () => void {
    this.#leases++;
    let returned = false;
    return () => {
      if (returned) return;
      returned = true;
      this.#leases--;
      this.#disposeIfIdle();
    };
  }

  retire(): void {
    this.#retired = true;
    this.#disposeIfIdle();
  }

  #disposeIfIdle(): void {
    if (!this.#retired || this.#leases > 0 || this.#disposed) return;
    this.#disposed = true;
    this.model.dispose();
    void this.#fetched.release();
  }
}

export interface LoadResult {
  /** "loaded": a new version is current; "unchanged": the source names the version already served. */
  status: 'loaded' | 'unchanged';
  version: string;
  runId: string | undefined;
}

export interface HolderEvents {
  loaded?(slot: ModelSlot, seconds: number): void;
  failed?(error: unknown): void;
}

export class ModelHolder {
  readonly source: ModelSource;
  readonly #log: Logger;
  readonly #backend: string;
  readonly #events: HolderEvents;
  #current: Slot | undefined;
  #loading: Promise<LoadResult> | undefined;
  #poller: NodeJS.Timeout | undefined;
  /** The last version that failed to load. */
  #brokenVersion: string | undefined;

  constructor(source: ModelSource, options: { log: Logger; backend: string; events?: HolderEvents }) {
    this.source = source;
    this.#log = options.log;
    this.#backend = options.backend;
    this.#events = options.events ?? {};
  }

  /** The model serving now, if one is loaded. */
  get current(): ModelSlot | undefined {
    return this.#current;
  }

  /** The current model and a function that returns the lease on it; undefined before the first load. */
  acquire(): { slot: ModelSlot; release: () => void } | undefined {
    const slot = this.#current;
    return slot ? { slot, release: slot.lease() } : undefined;
  }

  /**
   * Loads the version the source names now, unless it is the one being served (or `force`, for a local
   * directory whose files may have changed). Loads never overlap: a plain call shares the load in progress, a
   * forced one queues behind it.
   */
  reload(force = false): Promise<LoadResult> {
    if (this.#loading && !force) return this.#loading;
    // A forced reload (POST /reload) must see the source as it is now, so it runs after any load in progress.
    const previous = this.#loading?.catch(() => undefined) ?? Promise.resolve();
    const next: Promise<LoadResult> = previous
      .then(() => this.#reload(force))
      .finally(() => {
        if (this.#loading === next) this.#loading = undefined;
      });
    this.#loading = next;
    return next;
  }

  /** Checks the source every `intervalMs` (0: never) for a new version; failures are logged and retried next time. */
  poll(intervalMs: number): void {
    if (intervalMs <= 0 || !this.source.moves) return;
    this.#poller = setInterval(() => {
      this.reload().catch(() => undefined);
    }, intervalMs);
    this.#poller.unref();
  }

  /** Stops polling and retires the current model (disposed once its last request is done). */
  close(): void {
    clearInterval(this.#poller);
    this.#current?.retire();
    this.#current = undefined;
  }

  async #reload(force: boolean): Promise<LoadResult> {
    let wanted: SourceVersion;
    try {
      wanted = await this.source.current();
    } catch (error) {
      this.#failed(error, 'resolving');
      throw error;
    }
    const current = this.#current;
    if (current && current.version === wanted.version && !(force && !this.source.moves)) {
      return { status: 'unchanged', version: current.version, runId: current.runId };
    }
    // A version that failed to load is not downloaded again at every poll; a forced reload (POST /reload) retries it.
    if (current && !force && wanted.version === this.#brokenVersion) {
      return { status: 'unchanged', version: current.version, runId: current.runId };
    }
    const started = performance.now();
    let fetched: FetchedVersion | undefined;
    let model: ServingModel | undefined;
    try {
      fetched = await this.source.fetch(wanted);
      model = await loadServingModel(fetched.directory, { backend: this.#backend, log: this.#log });
      await warmUp(model);
    } catch (error) {
      model?.dispose();
      await fetched?.release();
      this.#brokenVersion = wanted.version;
      this.#failed(error, `loading version ${wanted.version} of`);
      throw error;
    }
    this.#brokenVersion = undefined;
    const slot = new Slot(model, fetched);
    this.#current = slot;
    current?.retire();
    const seconds = (performance.now() - started) / 1000;
    this.#log.info('model loaded', { version: slot.version, run_id: slot.runId, type: model.description.modelType, seconds, replaced: current?.version });
    this.#events.loaded?.(slot, seconds);
    return { status: 'loaded', version: slot.version, runId: slot.runId };
  }

  #failed(error: unknown, doing: string): void {
    this.#log.warn(`${doing} ${this.source.uri} failed; ${this.#current ? `still serving version ${this.#current.version}` : 'no model loaded yet'}: ${messageOf(error)}`);
    this.#events.failed?.(error);
  }
}

/** One forecast on a flat synthetic window, so that the first real request does not pay for kernel set-up. */
async function warmUp(model: ServingModel): Promise<void> {
  const { inputLength, frequencyMs, requiredColumns, horizon } = model.description;
  const start = Date.UTC(2020, 0, 6);
  const time = Float64Array.from({ length: inputLength }, (_, i) => start + i * frequencyMs);
  const columns = Object.fromEntries(requiredColumns.map((name) => [name, new Float64Array(inputLength).fill(1)]));
  await model.forecast([{ time, columns, steps: horizon }]);
}
