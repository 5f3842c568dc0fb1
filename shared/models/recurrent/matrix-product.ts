/**
 * Matrix products for the hand-written cell loops (cell-math.ts), computed by the active TensorFlow.js backend's
 * GEMM: libtensorflow's on the native backend, XNNPACK's on WASM. Operands are uploaded as 2-D tensors and the
 * product read back; weights used at every time step are uploaded once per layer call.
 */
import type * as tfNamespace from '@tensorflow/tfjs';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs';
import type { MatrixProduct, Operand } from './cell-math.js';

/**
 * A MatrixProduct on `tf`'s active backend; call `dispose` when the layer call is done. It takes the namespace
 * and refers to nothing else outside its parameters, because shard-worker.ts ships its source text to a worker
 * thread, where it runs on that thread's own tfjs.
 */
export function backendMatrixProduct(tf: typeof tfNamespace): MatrixProduct {
  const kept: Tensor[] = [];
  return {
    constant(values, rows, cols) {
      const tensor = tf.tensor2d(values, [rows, cols]);
      kept.push(tensor);
      return { rows, cols, handle: tensor };
    },
    multiply(a, m, b) {
      const left = tf.tensor2d(a, [m, b.rows]);
      const right = 'handle' in b ? (b.handle as Tensor2D) : tf.tensor2d(b.values, [b.rows, b.cols]);
      const product = tf.matMul(left, right);
      // Not inside tf.tidy: tidy walks a returned typed array element by element. dataSync copies out of the
      // backend (WASM heap, TF tensor); on the cpu backend it is the tensor's own array, ours alone once disposed.
      const out = product.dataSync() as Float32Array;
      tf.dispose([left, product]);
      if (right !== (b as { handle?: unknown }).handle) right.dispose();
      return out;
    },
    dispose() {
      tf.dispose(kept);
      kept.length = 0;
    },
  };
}

/** A MatrixProduct in plain JavaScript (triple loop), for tests of the cell maths without any backend. */
export function plainMatrixProduct(): MatrixProduct {
  return {
    constant: (values, rows, cols) => ({ rows, cols, values }),
    multiply(a, m, b: Operand) {
      if (!('values' in b)) throw new Error('plainMatrixProduct: operand from another product');
      const { rows: k, cols: n, values } = b;
      const out = new Float32Array(m * n);
      for (let i = 0; i < m; i++) {
        for (let p = 0; p < k; p++) {
          const v = a[i * k + p]!;
          if (v === 0) continue;
          for (let j = 0; j < n; j++) out[i * n + j] = out[i * n + j]! + v * values[p * n + j]!;
        }
      }
      return out;
    },
    dispose() {},
  };
}
