/**
 * Loads a native TensorFlow.js binding (`@tensorflow/tfjs-node` or `@tensorflow/tfjs-node-gpu`, optional
 * packages that are usually absent outside a real image build) and makes its `tensorflow` backend active.
 */
import * as tf from '@tensorflow/tfjs';
import type { Logger } from '../log.js';

export type NativePackage = '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu';

/** Imports a package by name; replaceable in tests to simulate a package that is absent or broken. */
export type PackageImporter = (name: string) => Promise<unknown>;

// A computed specifier: TypeScript does not need the optional package's types, and esbuild leaves it external.
export const importPackage: PackageImporter = (name) => import(name);

/** Outcome of trying a native package: active, or why not (not installed, failed to load, did not register). */
export type NativeOutcome = { ok: true; version: string } | { ok: false; why: string; installed: boolean };

/**
 * libtensorflow settings applied before the CPU package loads, unless the environment already sets them: one
 * intra-op thread and Eigen's kernels instead of oneDNN's. The recurrent layers issue thousands of small products
 * ((64, 128)·(128, 384) and the like); handing each to a 2-thread pool, or to oneDNN, costs more than it saves:
 * 64×128·128×256 takes 0.195 ms with the defaults and 0.116 ms with these, and a GRU training epoch 1.5–1.7× less
 * wall time (bench/results/rnn-speed.md). Read by TensorFlow when it creates its context, i.e. at the first op.
 */
export const NATIVE_CPU_ENVIRONMENT: Readonly<Record<string, string>> = { TF_NUM_INTRAOP_THREADS: '1', TF_ENABLE_ONEDNN_OPTS: '0' };

/**
 * TensorFlow's own INFO lines (its CPU-feature banner at the first op) interleave with the components' JSON
 * logs and say nothing the backend log line does not; warnings and errors still show. Unless set already.
 */
export const NATIVE_LOG_ENVIRONMENT: Readonly<Record<string, string>> = { TF_CPP_MIN_LOG_LEVEL: '1' };

export async function startNative(pkg: NativePackage, load: PackageImporter, log: Logger | undefined): Promise<NativeOutcome> {
  for (const [name, value] of Object.entries(NATIVE_LOG_ENVIRONMENT)) process.env[name] ??= value;
  if (pkg === '@tensorflow/tfjs-node') {
    for (const [name, value] of Object.entries(NATIVE_CPU_ENVIRONMENT)) process.env[name] ??= value;
  }
  let module: unknown;
  try {
    module = await load(pkg);
  } catch (error) {
    return { ok: false, installed: !isNotFound(error, pkg), why: describeLoadFailure(error, pkg) };
  }
  // The package registers its backend in tfjs-core's engine, which lives on globalThis; no factory means it
  // registered somewhere this process's @tensorflow/tfjs does not look.
  if (!tf.findBackendFactory('tensorflow')) {
    return { ok: false, installed: true, why: `${pkg} loaded but registered no "tensorflow" backend with this process's @tensorflow/tfjs` };
  }
  warnOnSecondCore(module, pkg, log);
  if (!(await tf.setBackend('tensorflow'))) return { ok: false, installed: true, why: `${pkg} loaded but its "tensorflow" backend failed to initialise` };
  await tf.ready();
  // The GPU build runs on the CPU when CUDA or a device is missing; asking for the GPU should not get that silently.
  if (pkg === '@tensorflow/tfjs-node-gpu' && !usesGpu()) {
    return { ok: false, installed: true, why: `${pkg} loaded but TensorFlow found no GPU device (check the CUDA libraries and CUDA_VISIBLE_DEVICES)` };
  }
  return { ok: true, version: tensorflowVersion() };
}

/**
 * tfjs-node re-exports @tensorflow/tfjs; a different Tensor class means it resolved a second copy of tfjs-core
 * (e.g. a bundle that inlines @tensorflow/tfjs while tfjs-node comes from node_modules). The two copies share
 * the engine and kernel registry through globalThis, so the kernels are found, but per-copy state (IO handlers,
 * `instanceof` checks, flags read at import) is not shared: say so rather than fail in an obscure way later.
 */
function warnOnSecondCore(module: unknown, pkg: NativePackage, log: Logger | undefined): void {
  const theirs = (module as { Tensor?: unknown } | undefined)?.Tensor;
  if (theirs !== undefined && theirs !== tf.Tensor) {
    log?.warn(`${pkg} uses its own copy of @tensorflow/tfjs-core; keep @tensorflow/tfjs external to the bundle so both share one instance`);
  }
}

/** True when the active backend is tfjs-node-gpu's running on a GPU device. */
export function usesGpu(): boolean {
  return (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
}

function tensorflowVersion(): string {
  const backend = tf.backend() as unknown as { binding?: { TF_Version?: string } };
  return backend.binding?.TF_Version ?? 'unknown';
}

function isNotFound(error: unknown, pkg: string): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(pkg);
}

function describeLoadFailure(error: unknown, pkg: string): string {
  if (isNotFound(error, pkg)) return `${pkg} is not installed`;
  const message = error instanceof Error ? error.message : String(error);
  return `${pkg} is installed but failed to load: ${message.split('\n')[0]}`;
}
