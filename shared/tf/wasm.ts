/**
 * Starts the TensorFlow.js WebAssembly backend from wherever its `.wasm` files are: beside the running bundle
 * (tools/build.ts copies them next to `dist/<name>.js`) or in node_modules when running from source.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setWasmPretranspose } from './wasm-matmul.js';

/** The binaries the backend picks between in Node: plain, and SIMD when the runtime validates SIMD code. */
const REQUIRED_FILES = ['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm'];

export interface WasmStart {
  /** Directory the `.wasm` files were loaded from. */
  directory: string;
  simd: boolean;
  /** Threads XNNPACK runs on. */
  threads: number;
  /** Why there are not more threads, when there is one. */
  threadsNote: string | undefined;
}

/** Outcome of trying to start the WASM backend: started, or why not. */
export type WasmOutcome = { ok: true; start: WasmStart } | { ok: false; why: string };

/** Where to look for the `.wasm` files, first match wins: `extra`, the running module's directory, node_modules. */
export function wasmCandidateDirectories(extra: readonly string[] = []): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [...extra, here];
  try {
    const require = createRequire(import.meta.url);
    candidates.push(join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist'));
  } catch {
    // Not resolvable from a bundle deployed without node_modules; the bundle's own directory is then the place.
  }
  return candidates;
}

/** The first of `directories` holding every required `.wasm` file, or undefined. */
export function findWasmDirectory(directories: readonly string[]): string | undefined {
  return directories.find((directory) => REQUIRED_FILES.every((file) => existsSync(join(directory, file))));
}

// setWasmPaths must run before the backend first initialises, and only its first call matters after that.
let pathsSet: string | undefined;

/** The directory the WASM binaries were loaded from, once startWasm has run (worker threads load the same files). */
export function wasmDirectory(): string | undefined {
  return pathsSet;
}

/** Points the backend at its binaries and makes it the active backend. */
export async function startWasm(directories: readonly string[]): Promise<WasmOutcome> {
  const directory = pathsSet ?? findWasmDirectory(directories);
  if (directory === undefined) {
    return { ok: false, why: `its .wasm files (${REQUIRED_FILES.join(', ')}) are in none of: ${directories.join(', ')}` };
  }
  if (pathsSet === undefined) {
    // The prefix is concatenated with the file name, so it needs the trailing separator.
    setWasmPaths(`${directory}/`);
    // Only takes effect where the runtime supports WASM threads; see threadsNote.
    setThreadsCount(availableParallelism());
    pathsSet = directory;
  }
  if (!(await tf.setBackend('wasm'))) return { ok: false, why: `it failed to initialise from ${directory} (see the tfjs message above)` };
  await tf.ready();
  setWasmPretranspose(true);
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const threads = getThreadsCount();
  return {
    ok: true,
    start: {
      directory,
      simd,
      threads,
      // tfjs-backend-wasm 4.x reports no thread support under Node: its pthread workers are started from a Blob
      // URL, which Node's worker_threads refuse (tensorflow/tfjs#3830). Forcing the flag makes initialisation fail.
      threadsNote: threads <= 1 ? 'tfjs-backend-wasm runs single-threaded under Node (tensorflow/tfjs#3830)' : undefined,
    },
  };
}
