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

const originalKernels = new Map<string, tf.KernelConfig>();

/**
 * Experiment for the WASM fallback (issue 7, "close the gap"): tfjs-backend-wasm 4.22's BatchMatMul and
 * _FusedMatMul are ~10x slower when transposeA/transposeB is set (measured 1.5 vs 15.6 GFLOP/s on a
 * 64x128 @ 128x384 product), and every backward pass of a matMul uses transposed products. With `on`,
 * the two kernels are wrapped so that a transposed operand is first materialised with the Transpose
 * kernel and the fast non-transposed path runs. Same products, summed in a different order.
 * Swappable at any time after the wasm backend is registered (setup functions are reused as they are).
 */
export function setWasmPretranspose(on: boolean): void {
  for (const name of ['BatchMatMul', '_FusedMatMul']) {
    const current = tf.getKernel(name, 'wasm');
    if (current === undefined) throw new Error(`wasm has no ${name} kernel`);
    const original = originalKernels.get(name) ?? current;
    originalKernels.set(name, original);
    tf.unregisterKernel(name, 'wasm');
    if (!on) {
      tf.registerKernel(original);
      continue;
    }
    const transpose = tf.getKernel('Transpose', 'wasm');
    if (transpose === undefined) throw new Error('wasm has no Transpose kernel');
    tf.registerKernel({
      ...original,
      kernelFunc: (args) => {
        const attrs = args.attrs as unknown as { transposeA?: boolean; transposeB?: boolean };
        if (!attrs.transposeA && !attrs.transposeB) return original.kernelFunc(args);
        const inputs = { ...(args.inputs as Record<string, tf.TensorInfo>) };
        const temporaries: tf.TensorInfo[] = [];
        for (const [key, flag] of [['a', attrs.transposeA], ['b', attrs.transposeB]] as const) {
          const x = inputs[key];
          if (!flag || x === undefined) continue;
          const rank = x.shape.length;
          const perm = [...Array(rank).keys()];
          perm[rank - 2] = rank - 1;
          perm[rank - 1] = rank - 2;
          const t = transpose.kernelFunc({
            inputs: { x },
            backend: args.backend,
            attrs: { perm } as unknown as tf.NamedAttrMap,
          }) as tf.TensorInfo;
          temporaries.push(t);
          inputs[key] = t;
        }
        const out = original.kernelFunc({
          ...args,
          inputs,
          attrs: { ...args.attrs, transposeA: false, transposeB: false } as unknown as tf.NamedAttrMap,
        });
        for (const t of temporaries) (args.backend as tf.KernelBackend).disposeData(t.dataId);
        return out;
      },
    });
  }
}

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
