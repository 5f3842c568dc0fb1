/**
 * A whole GRU/LSTM layer on libtensorflow's fused kernels (native-ops.ts) as one TensorFlow.js op with its own
 * gradient (tf.customGrad), so autodiff sees one op per layer.
 *
 * Not done here, and why: splitting the batch with a worker thread that has its own tfjs-node (as fused-layer.ts
 * does on WASM) was measured: +15 % on the upstream LSTM, none on the upstream GRU, and 1.5× slower at the default
 * size (1 × 64 units, batch 128), where each half still pays every op's fixed cost (bench/results/rnn-speed.md).
 */
import * as tf from '@tensorflow/tfjs';
import type { CellType } from './hyperparameters.js';
import { gruBackward, gruForward, lstmBackward, lstmForward, nativeOpsAvailable } from './native-ops.js';
import type { RecurrentLayerWeights } from './network.js';

type LayerOp = (x: tf.Tensor, kernel: tf.Tensor, recurrentKernel: tf.Tensor, bias: tf.Tensor) => tf.Tensor;

/** True when the active backend is tfjs-node's and exposes the binding calls native-ops.ts uses. */
export function nativeLayerAvailable(): boolean {
  return nativeOpsAvailable(tf);
}

/** Same contract as referenceLayer: (batch, L, inputs) → (batch, L, units) or (batch, units). */
export function nativeLayer(cell: CellType, x: tf.Tensor3D, weights: RecurrentLayerWeights, returnSequences: boolean): tf.Tensor {
  return layerOp(cell, returnSequences)(x, weights.kernel, weights.recurrentKernel, weights.bias);
}

function layerOp(cell: CellType, returnSequences: boolean): LayerOp {
  const forward = cell === 'gru' ? gruForward : lstmForward;
  const backward = cell === 'gru' ? gruBackward : lstmBackward;
  return tf.customGrad(((x: tf.Tensor3D, kernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D, bias: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const steps = x.shape[1];
    const { value, saved } = forward(tf, x, kernel, recurrentKernel, bias, returnSequences);
    save(saved);
    return { value, gradFunc: (dy: tf.Tensor, kept: tf.Tensor[]) => backward(tf, kept, dy, steps, returnSequences) };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as LayerOp;
}
