/**
 * The GRU and LSTM layers written in tfjs-core ops, one small op at a time and differentiated by tfjs's autodiff:
 * the reference the one-op layers (cell-loop-layer.ts, libtensorflow-layer.ts) are tested against, and the path
 * taken when a benchmark asks for the implementation that shipped before them (bench/rnn-speed.ts, `--kernel
 * reference`).
 *
 * GRU (tfjs-layers/Keras, reset gate applied before the recurrent product):
 *   z = σ(x·Wz + bz + h·Uz),  r = σ(x·Wr + br + h·Ur),  ĥ = tanh(x·Wh + bh + (r ⊙ h)·Uh),  h' = z ⊙ h + (1 − z) ⊙ ĥ
 * LSTM:
 *   [i, f, g, o] = x·W + h·U + b,  c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g),  h' = σ(o) ⊙ tanh(c')
 *
 * Porting note: PyTorch's nn.GRU (upstream) applies the reset gate after the recurrent product and has a
 * second bias; we use the Keras formulation because the saved model is a tfjs-layers model.
 */
import * as tf from '@tensorflow/tfjs';
import type { CellType } from './hyperparameters.js';
import type { RecurrentLayerWeights } from './network.js';

/** One layer over windows (batch, L, inputs): the sequence (batch, L, units) or the last state (batch, units). */
export function referenceLayer(cell: CellType, x: tf.Tensor3D, weights: RecurrentLayerWeights, returnSequences: boolean): tf.Tensor {
  return cell === 'gru' ? gruLayer(x, weights, returnSequences) : lstmLayer(x, weights, returnSequences);
}

function gruLayer(x: tf.Tensor3D, weights: RecurrentLayerWeights, returnSequences: boolean): tf.Tensor {
  const units = weights.recurrentKernel.shape[0]!;
  const [batch] = x.shape;
  const [projectedZR, projectedH] = tf.split(inputProjection(x, weights), [2 * units, units], 2);
  const inputsZR = tf.unstack(projectedZR!, 1);
  const inputsH = tf.unstack(projectedH!, 1);
  const [recurrentZR, recurrentH] = tf.split(weights.recurrentKernel, [2 * units, units], 1);
  let h: tf.Tensor = tf.zeros([batch, units]);
  const outputs: tf.Tensor[] = [];
  for (let t = 0; t < inputsZR.length; t++) {
    const [z, r] = tf.split(tf.sigmoid(tf.add(inputsZR[t]!, matMul(h, recurrentZR!))), 2, 1);
    const candidate = tf.tanh(tf.add(inputsH[t]!, matMul(tf.mul(r!, h), recurrentH!)));
    // z·h + (1 − z)·ĥ, written with one multiplication.
    h = tf.add(candidate, tf.mul(z!, tf.sub(h, candidate)));
    if (returnSequences) outputs.push(h);
  }
  return returnSequences ? tf.stack(outputs, 1) : h;
}

function lstmLayer(x: tf.Tensor3D, weights: RecurrentLayerWeights, returnSequences: boolean): tf.Tensor {
  const units = weights.recurrentKernel.shape[0]!;
  const [batch] = x.shape;
  const inputs = tf.unstack(inputProjection(x, weights), 1);
  let h: tf.Tensor = tf.zeros([batch, units]);
  let c: tf.Tensor = tf.zeros([batch, units]);
  const outputs: tf.Tensor[] = [];
  for (const projected of inputs) {
    const [i, f, g, o] = tf.split(tf.add(projected, matMul(h, weights.recurrentKernel)), 4, 1);
    c = tf.add(tf.mul(tf.sigmoid(f!), c), tf.mul(tf.sigmoid(i!), tf.tanh(g!)));
    h = tf.mul(tf.sigmoid(o!), tf.tanh(c));
    if (returnSequences) outputs.push(h);
  }
  return returnSequences ? tf.stack(outputs, 1) : h;
}

/** x·W + b for every time step in one product: (batch, L, inputSize) → (batch, L, gates · units). */
function inputProjection(x: tf.Tensor3D, weights: RecurrentLayerWeights): tf.Tensor3D {
  const [batch, steps, inputSize] = x.shape;
  const flat = tf.add(matMul(tf.reshape(x, [batch * steps, inputSize]), weights.kernel), weights.bias);
  return tf.reshape(flat, [batch, steps, weights.kernel.shape[1]!]);
}

/**
 * a·b whose gradients are dy·bᵀ and aᵀ·dy with the transposes made explicit. tfjs's own gradient asks the
 * backend for a product with a transposed operand, which the WASM backend (XNNPACK) computes about three times
 * slower than a transpose followed by a plain product (measured on (64, 64)·(64, 192)). shared/tf/wasm-matmul.ts
 * now does the same for every product on WASM; this stays because bench/rnn-speed.ts turns that off for
 * `--kernels reference`, to time these layers as they shipped.
 */
const matMul = tf.customGrad(((a: tf.Tensor2D, b: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor2D, [savedA, savedB]: tf.Tensor[]) => [tf.matMul(dy, tf.transpose(savedB!)), tf.matMul(tf.transpose(savedA!), dy)],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor2D;
