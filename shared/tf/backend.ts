/**
 * Chooses the TensorFlow.js backend once, at start: `auto` (or `TFJS_BACKEND` from the environment) takes the
 * first that works of tfjs-node-gpu, tfjs-node, WASM and plain JavaScript; an explicitly requested backend that
 * is missing is an error, never a silent fallback. Reports what it got and why.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidParameterError } from '../errors.js';
import type { Logger } from '../log.js';
import { BACKEND_REQUESTS, BACKENDS, type Backend, type BackendRequest } from './backend-requests.js';
import { importPackage, startNative, type NativePackage, type PackageImporter } from './native.js';
import { startWasm, wasmCandidateDirectories, type WasmStart } from './wasm.js';

/** The environment variable `auto` defers to. */
export const BACKEND_ENV = 'TFJS_BACKEND';

/** What `chooseBackend` got, and why. */
export interface BackendChoice {
  backend: Backend;
  /** tfjs's own name for it (`tf.getBackend()`): tensorflow, wasm or cpu. */
  tfjsBackend: string;
  /** The effective request, after `auto` consulted the environment. */
  requested: BackendRequest;
  /** Where the effective request came from. */
  requestedBy: 'parameter' | typeof BACKEND_ENV;
  /** Backends `auto` tried first and why each was passed over. */
  skipped: { backend: Backend; why: string }[];
  /** One line: what was chosen and why. */
  reason: string;
  /** WASM only: where the binaries came from, SIMD, threads. */
  wasm?: WasmStart;
  /** Native only: the libtensorflow version. */
  tensorflowVersion?: string;
}

export interface ChooseBackendOptions {
  /** Environment to read `TFJS_BACKEND` from. @default process.env */
  env?: Record<string, string | undefined>;
  /** Where the choice is logged. */
  log?: Logger;
  /** Directories searched first for the `.wasm` files (then the running module's directory, then node_modules). */
  wasmDirectories?: readonly string[];
  /** Loads the optional native packages; tests pass one that simulates an absent or broken package. */
  importPackage?: PackageImporter;
}

const NATIVE_PACKAGES: Record<'node-gpu' | 'node', NativePackage> = {
  'node-gpu': '@tensorflow/tfjs-node-gpu',
  node: '@tensorflow/tfjs-node',
};

type Attempt = { ok: true; choice: Omit<BackendChoice, 'requested' | 'requestedBy' | 'skipped' | 'reason'> } | { ok: false; why: string };

/**
 * Makes a backend active for this process and returns what it is. Components call it once, at start, before
 * any tensor exists (tensors stay on the backend that made them); a later call chooses afresh.
 */
export async function chooseBackend(request: string = 'auto', options: ChooseBackendOptions = {}): Promise<BackendChoice> {
  const { requested, requestedBy } = effectiveRequest(request, options.env ?? process.env);
  const choice = requested === 'auto' ? await chooseFirstAvailable(options) : await chooseExactly(requested, requestedBy, options);
  options.log?.info(`TensorFlow.js backend: ${choice.backend}`, {
    reason: choice.reason,
    simd: choice.wasm?.simd,
    threads: choice.wasm?.threads,
    tensorflow: choice.tensorflowVersion,
  });
  return { ...choice, requested, requestedBy };
}

/** The request after `auto` consulted `TFJS_BACKEND`; InvalidParameterError for a name that is not a backend. */
export function effectiveRequest(request: string, env: Record<string, string | undefined>): { requested: BackendRequest; requestedBy: BackendChoice['requestedBy'] } {
  if (!isRequest(request)) {
    throw new InvalidParameterError([{ path: 'backend', message: `Parameter "backend" must be one of ${BACKEND_REQUESTS.join(', ')}; got "${request}".` }]);
  }
  const fromEnv = env[BACKEND_ENV]?.trim();
  if (request !== 'auto' || !fromEnv) return { requested: request, requestedBy: 'parameter' };
  if (!isRequest(fromEnv)) {
    throw new InvalidParameterError([
      { path: BACKEND_ENV, message: `Environment variable ${BACKEND_ENV} must be one of ${BACKEND_REQUESTS.join(', ')}; got "${fromEnv}".` },
    ]);
  }
  return { requested: fromEnv, requestedBy: fromEnv === 'auto' ? 'parameter' : BACKEND_ENV };
}

function isRequest(value: string): value is BackendRequest {
  return (BACKEND_REQUESTS as readonly string[]).includes(value);
}

async function chooseExactly(backend: Backend, requestedBy: BackendChoice['requestedBy'], options: ChooseBackendOptions): Promise<Omit<BackendChoice, 'requested' | 'requestedBy'>> {
  const attempt = await tryBackend(backend, options);
  const by = requestedBy === 'parameter' ? 'parameter "backend"' : `environment variable ${BACKEND_ENV}`;
  if (!attempt.ok) {
    throw new InvalidParameterError([
      {
        path: requestedBy === 'parameter' ? 'backend' : BACKEND_ENV,
        message: `Backend "${backend}" was requested (${by}) but ${attempt.why}. Install it, or request "auto" to use the best backend available.`,
      },
    ]);
  }
  return { ...attempt.choice, skipped: [], reason: `requested by ${by}` };
}

async function chooseFirstAvailable(options: ChooseBackendOptions): Promise<Omit<BackendChoice, 'requested' | 'requestedBy'>> {
  const skipped: BackendChoice['skipped'] = [];
  for (const backend of BACKENDS) {
    const attempt = await tryBackend(backend, options);
    if (attempt.ok) {
      const passedOver = skipped.map((s) => `${s.backend}: ${s.why}`).join('; ');
      return { ...attempt.choice, skipped, reason: skipped.length > 0 ? `auto, first available (${passedOver})` : 'auto, first available' };
    }
    skipped.push({ backend, why: attempt.why });
  }
  // Unreachable: the cpu backend ships with @tensorflow/tfjs and always initialises.
  throw new Error(`No TensorFlow.js backend could be initialised: ${skipped.map((s) => `${s.backend}: ${s.why}`).join('; ')}`);
}

async function tryBackend(backend: Backend, options: ChooseBackendOptions): Promise<Attempt> {
  switch (backend) {
    case 'node-gpu':
    case 'node': {
      const outcome = await startNative(NATIVE_PACKAGES[backend], options.importPackage ?? importPackage, options.log);
      return outcome.ok ? { ok: true, choice: { backend, tfjsBackend: tf.getBackend(), tensorflowVersion: outcome.version } } : outcome;
    }
    case 'wasm': {
      const outcome = await startWasm(wasmCandidateDirectories(options.wasmDirectories));
      return outcome.ok ? { ok: true, choice: { backend, tfjsBackend: tf.getBackend(), wasm: outcome.start } } : outcome;
    }
    case 'cpu':
      return (await tf.setBackend('cpu')) ? { ok: true, choice: { backend, tfjsBackend: tf.getBackend() } } : { ok: false, why: 'it failed to initialise' };
  }
}
