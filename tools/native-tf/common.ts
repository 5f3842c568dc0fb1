// Shared helpers for the native-backend check and benchmark (tools/native-tf/*.ts).
// @tensorflow/tfjs-node is an optional dependency that npm drops here; it is imported by a
// computed name so that type-checking does not need it installed.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';

export { tf };
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** Loads @tensorflow/tfjs-node (registers the 'tensorflow' backend); returns libtensorflow's version or throws. */
export async function loadNative(): Promise<string> {
  const name = '@tensorflow/tfjs-node';
  await import(name);
  await tf.setBackend('tensorflow');
  await tf.ready();
  const backend = tf.backend() as unknown as { binding?: { TF_Version?: string } };
  return backend.binding?.TF_Version ?? 'unknown';
}

export async function useBackend(name: BackendName): Promise<string> {
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} could not be initialised`);
  await tf.ready();
  if (tf.getBackend() !== name) throw new Error(`asked for backend ${name}, got ${tf.getBackend()}`);
  if (name === 'wasm') return `wasm (threads=${getThreadsCount()})`;
  return name;
}

// The WASM pre-transposed matmul experiment now lives in shared/tf/wasm-matmul.ts (installed by startWasm);
// bench-gru.ts --wasm-pretranspose still switches it on for a backend started here.
export { setWasmPretranspose } from '../../shared/tf/wasm-matmul.js';

/** Deterministic uniform(-scale, scale) values (mulberry32), so every backend sees the same numbers. */
export function seededUniform(n: number, seed: number, scale = 1): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = (2 * u - 1) * scale;
  }
  return out;
}

export interface RnnConfig {
  cell: 'gru' | 'lstm';
  steps: number;
  features: number;
  units: number;
  layers: number;
  outputs: number;
}

/** Stacked RNN → Dense, the shape of the FLTS trainers' networks (without dropout, for exact comparisons). */
export function buildRnn(cfg: RnnConfig): tf.Sequential {
  const model = tf.sequential();
  for (let i = 0; i < cfg.layers; i++) {
    const common = {
      units: cfg.units,
      returnSequences: i < cfg.layers - 1,
      ...(i === 0 ? { inputShape: [cfg.steps, cfg.features] } : {}),
    };
    model.add(cfg.cell === 'gru' ? tf.layers.gru(common) : tf.layers.lstm(common));
  }
  model.add(tf.layers.dense({ units: cfg.outputs }));
  return model;
}

/** Seeded weights with the model's shapes (glorot-like scale), as plain arrays that outlive any backend. */
export function seededWeights(model: tf.LayersModel, seed: number): { shape: number[]; values: Float32Array }[] {
  return model.getWeights().map((w, i) => {
    const fanIn = w.shape[0] ?? 1;
    const fanOut = w.shape[w.shape.length - 1] ?? 1;
    const scale = w.shape.length === 1 ? 0.1 : Math.sqrt(6 / (fanIn + fanOut));
    return { shape: w.shape.slice(), values: seededUniform(w.size, seed + 7919 * i, scale) };
  });
}

/** Forward FLOPs of one window through the stacked RNN (multiply-adds counted as 2). */
export function forwardFlopsPerWindow(cfg: RnnConfig): number {
  const gates = cfg.cell === 'gru' ? 3 : 4;
  let flops = 0;
  for (let i = 0; i < cfg.layers; i++) {
    const input = i === 0 ? cfg.features : cfg.units;
    flops += 2 * gates * cfg.units * (input + cfg.units) * cfg.steps;
  }
  return flops + 2 * cfg.units * cfg.outputs;
}
