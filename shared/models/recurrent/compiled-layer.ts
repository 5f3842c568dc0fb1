/**
 * A whole GRU/LSTM layer as one TensorFlow.js op (layer-op.ts) whose forward and backward passes are one call each
 * into the compiled cell loops (compiled-cells.ts, native/cells/): the same function as cell-loop-layer.ts, on
 * Eigen's GEMM and every CPU the process may use, whatever the backend. The trace stays in JavaScript arrays
 * between the two calls, so V8 accounts for it and frees it with the gradient closure.
 */
import * as tf from '@tensorflow/tfjs';
import { compiledCells } from './compiled-cells.js';
import type { CellType } from './hyperparameters.js';
import { applyLayerOp } from './layer-op.js';
import type { RecurrentLayerWeights } from './network.js';

/** Same contract as referenceLayer: (batch, L, inputs) → (batch, L, units) or (batch, units). */
export function compiledLayer(cell: CellType, x: tf.Tensor3D, weights: RecurrentLayerWeights, returnSequences: boolean): tf.Tensor {
  const cells = compiledCells();
  if (!cells.ok) throw new Error(`The compiled cell loops are not available: ${cells.why}`);
  const { addon, threads } = cells;
  return applyLayerOp(
    (x, kernel, recurrentKernel, bias) => {
      const [batch, steps, inputs] = x.shape;
      const units = recurrentKernel.shape[0];
      const kernelValues = floats(kernel);
      const recurrentValues = floats(recurrentKernel);
      const [output, ...trace] = addon.forward(cell, batch, steps, inputs, units, floats(x), kernelValues, recurrentValues, floats(bias), returnSequences, threads);
      return {
        value: returnSequences ? tf.tensor3d(output, [batch, steps, units]) : tf.tensor2d(output, [batch, units]),
        gradFunc: (dy) => {
          const grads = addon.backward(cell, batch, steps, inputs, units, kernelValues, recurrentValues, ...trace, floats(dy), returnSequences, threads);
          return [
            tf.tensor3d(grads[0], [batch, steps, inputs]),
            tf.tensor2d(grads[1], kernel.shape),
            tf.tensor2d(grads[2], recurrentKernel.shape),
            tf.tensor1d(grads[3]),
          ];
        },
      };
    },
    x,
    weights,
  );
}

/** The tensor's values as float32 (the addon reads them only; the cpu backend's own array is safe to pass). */
function floats(tensor: tf.Tensor): Float32Array {
  return tensor.dataSync() as Float32Array;
}
