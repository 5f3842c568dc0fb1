/**
 * A whole GRU/LSTM layer as one TensorFlow.js op with its own gradient (tf.customGrad): forward and backward run
 * the hand-written cell loops of cell-math.ts on the layer's values, with the matrix products on the backend's
 * GEMM. Works on every backend; the one used on WASM and cpu (native-layer.ts serves libtensorflow).
 */
import * as tf from '@tensorflow/tfjs';
import { layerBackward, layerForward, layerOutput, type LayerValues } from './cell-math.js';
import type { CellType } from './hyperparameters.js';
import { backendMatrixProduct } from './matrix-product.js';
import type { RecurrentLayerWeights } from './network.js';

type LayerOp = (x: tf.Tensor, kernel: tf.Tensor, recurrentKernel: tf.Tensor, bias: tf.Tensor) => tf.Tensor;

/** Same contract as referenceLayer: (batch, L, inputs) → (batch, L, units) or (batch, units). */
export function fusedLayer(cell: CellType, x: tf.Tensor3D, weights: RecurrentLayerWeights, returnSequences: boolean): tf.Tensor {
  return layerOp(cell, returnSequences)(x, weights.kernel, weights.recurrentKernel, weights.bias);
}

function layerOp(cell: CellType, returnSequences: boolean): LayerOp {
  return tf.customGrad(((x: tf.Tensor3D, kernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D, bias: tf.Tensor1D) => {
    const [batch, steps, inputSize] = x.shape;
    const units = recurrentKernel.shape[0]!;
    // The arrays are only read (cell-math copies before it writes), so the cpu backend's own storage is safe here.
    const layer: LayerValues = {
      cell,
      kernel: kernel.dataSync() as Float32Array,
      recurrentKernel: recurrentKernel.dataSync() as Float32Array,
      bias: bias.dataSync() as Float32Array,
      inputSize,
      units,
    };
    const trace = withProduct((product) => layerForward(layer, x.dataSync() as Float32Array, batch, steps, product));
    const output = layerOutput(trace, units, returnSequences);
    return {
      value: returnSequences ? tf.tensor3d(output, [batch, steps, units]) : tf.tensor2d(output, [batch, units]),
      gradFunc: (dy: tf.Tensor) => {
        const grads = withProduct((product) => layerBackward(layer, trace, dy.dataSync() as Float32Array, returnSequences, product));
        return [
          tf.tensor3d(grads.x, [batch, steps, inputSize]),
          tf.tensor2d(grads.kernel, kernel.shape),
          tf.tensor2d(grads.recurrentKernel, recurrentKernel.shape),
          tf.tensor1d(grads.bias),
        ];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as LayerOp;
}

function withProduct<T>(run: (product: ReturnType<typeof backendMatrixProduct>) => T): T {
  const product = backendMatrixProduct();
  try {
    return run(product);
  } finally {
    product.dispose();
  }
}
