/**
 * A faster matrix product with a transposed operand on the WASM backend: tfjs-backend-wasm 4.22 computes
 * BatchMatMul/_FusedMatMul with `transposeA`/`transposeB` set on a slow path (≈1.5 GFLOP/s against ≈15.6 GFLOP/s
 * without, on 64×128 · 128×384; tools/native-tf/README.md), and every matMul gradient asks for one. Wrapped here,
 * the transposed operand is first materialised by the backend's Transpose kernel and the fast path runs: the same
 * products, summed in a different order (float32 rounding only). Measured on tfjs-layers training: 3× (GRU) to
 * 4.8× (LSTM) per epoch. Installed by startWasm (wasm.ts).
 */
import * as tf from '@tensorflow/tfjs';

const WRAPPED = ['BatchMatMul', '_FusedMatMul'] as const;
const originals = new Map<string, tf.KernelConfig>();

/** Switches the wrapper on or off; any time after the wasm backend is registered (kernels are looked up per call). */
export function setWasmPretranspose(on: boolean): void {
  for (const name of WRAPPED) {
    const current = tf.getKernel(name, 'wasm');
    if (current === undefined) throw new Error(`The wasm backend has no ${name} kernel to wrap.`);
    const original = originals.get(name) ?? current;
    originals.set(name, original);
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(on ? pretransposing(original) : original);
  }
}

/** Whether the wrapper is installed. */
export function wasmPretransposeOn(): boolean {
  const current = tf.getKernel('BatchMatMul', 'wasm');
  return current !== undefined && originals.has('BatchMatMul') && current !== originals.get('BatchMatMul');
}

function pretransposing(original: tf.KernelConfig): tf.KernelConfig {
  return {
    ...original,
    kernelFunc: (args) => {
      const attrs = args.attrs as unknown as { transposeA?: boolean; transposeB?: boolean };
      if (!attrs.transposeA && !attrs.transposeB) return original.kernelFunc(args);
      const transpose = tf.getKernel('Transpose', 'wasm')!;
      const backend = args.backend as tf.KernelBackend;
      const inputs = { ...(args.inputs as Record<string, tf.TensorInfo>) };
      const temporaries: tf.TensorInfo[] = [];
      for (const [key, flag] of [['a', attrs.transposeA], ['b', attrs.transposeB]] as const) {
        const x = inputs[key];
        if (!flag || x === undefined) continue;
        const rank = x.shape.length;
        const perm = [...Array(rank).keys()];
        [perm[rank - 2], perm[rank - 1]] = [rank - 1, rank - 2];
        const transposed = transpose.kernelFunc({ inputs: { x }, backend, attrs: { perm } as unknown as tf.NamedAttrMap }) as tf.TensorInfo;
        temporaries.push(transposed);
        inputs[key] = transposed;
      }
      try {
        return original.kernelFunc({ ...args, inputs, attrs: { ...args.attrs, transposeA: false, transposeB: false } as unknown as tf.NamedAttrMap });
      } finally {
        for (const t of temporaries) backend.disposeData(t.dataId);
      }
    },
  };
}
