/**
 * A whole recurrent layer as one TensorFlow.js op with its own gradient (tf.customGrad), so that autodiff sees one
 * op per layer and sequence: how the cell-loop and libtensorflow layers plug into tfjs.
 */
import * as tf from '@tensorflow/tfjs';
import type { RecurrentLayerWeights } from './network.js';

/**
 * The op's body: its output, and `gradFunc` giving the gradients of x, kernel, recurrent kernel and bias from the
 * output's gradient `dy` and the tensors given to `save` (which tfjs keeps until then).
 */
type LayerOpBody = (
  x: tf.Tensor3D,
  kernel: tf.Tensor2D,
  recurrentKernel: tf.Tensor2D,
  bias: tf.Tensor1D,
  save: tf.GradSaveFunc,
) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] };

/** Runs `body` as one op on windows x (batch, L, inputs) and the layer's weights. */
export function applyLayerOp(body: LayerOpBody, x: tf.Tensor3D, weights: RecurrentLayerWeights): tf.Tensor {
  // tf.customGrad is typed for a function of `...inputs: Tensor[]`; the casts to and from that stay here.
  const op = tf.customGrad(body as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...inputs: tf.Tensor[]) => tf.Tensor;
  return op(x, weights.kernel, weights.recurrentKernel, weights.bias);
}
