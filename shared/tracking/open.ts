/**
 * `openTracking`: the one entry point of the tracking API. The tracking URI picks the store — http(s) → the
 * MLflow server's REST API, anything else or nothing → an offline `mlruns/` directory — and the tracker is
 * bound to one experiment, created if missing.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TrackingError } from '../errors.js';
import { httpSettings, isHttpUri, redactUri, trackingUriFrom } from './config.js';
import { FileTrackingStore } from './file-store.js';
import type { RetryWarning } from './http.js';
import { RestTrackingStore } from './rest-store.js';
import { ExperimentTracker } from './tracker.js';
import type { TrackingStore } from './tracking-store.js';
import type { Tracker } from './types.js';

export interface OpenTrackingOptions {
  /**
   * `http(s)://host:port[/prefix]` for an MLflow server; a directory path or `file://` URI for an offline
   * mlruns/ directory. Empty: MLFLOW_TRACKING_URI, else `./mlruns`.
   */
  trackingUri?: string;
  /** Experiment name; created if missing. Empty: MLFLOW_EXPERIMENT_NAME, else "Default". */
  experiment?: string;
  /** Where settings and credentials are read from. @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Told about each retried server call, e.g. the component's Logger (`logger.warn`). */
  logger?: { warn(message: string, fields?: Record<string, string | number>): void };
}

/** The default offline directory, relative to the working directory. */
export const DEFAULT_MLRUNS_DIR = 'mlruns';

/**
 * Set on the experiments we create (and added to existing ones that lack them). MLflow 3's UI opens an experiment
 * without a kind in its GenAI view ("Evaluation runs"); ours are model training.
 */
const EXPERIMENT_TAGS = [{ key: 'mlflow.experimentKind', value: 'custom_model_development' }];

/** Opens the tracking store named by the tracking URI and binds a tracker to the experiment. */
export async function openTracking(options: OpenTrackingOptions = {}): Promise<Tracker> {
  const env = options.env ?? process.env;
  const warn = options.logger && ((message: string, fields: Record<string, string | number>) => options.logger!.warn(message, fields));
  const store = trackingStore(trackingUriFrom(options.trackingUri, env), env, warn);
  const name = options.experiment?.trim() || env['MLFLOW_EXPERIMENT_NAME']?.trim() || 'Default';
  const experiment = await store.ensureExperiment(name, EXPERIMENT_TAGS);
  return new ExperimentTracker(store, experiment, env);
}

/** The store for a tracking URI (see `openTracking`). */
export function trackingStore(trackingUri: string, env: NodeJS.ProcessEnv, warn?: RetryWarning): TrackingStore {
  if (isHttpUri(trackingUri)) return new RestTrackingStore(httpSettings(trackingUri, env), env, warn);
  return new FileTrackingStore(offlineRoot(trackingUri), env);
}

function offlineRoot(trackingUri: string): string {
  if (trackingUri === '') return resolve(DEFAULT_MLRUNS_DIR);
  if (trackingUri.startsWith('file:')) {
    try {
      return fileURLToPath(trackingUri);
    } catch (cause) {
      throw new TrackingError(`Invalid file tracking URI "${trackingUri}": ${(cause as Error).message}`, { cause });
    }
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(trackingUri) && !/^[a-z]:[\\/]/i.test(trackingUri)) {
    throw new TrackingError(
      `Unsupported tracking URI "${redactUri(trackingUri)}": use http(s):// for an MLflow server, or a directory path / file:// URI for offline tracking.`,
    );
  }
  return resolve(trackingUri);
}
