/**
 * The network's forward pass written directly in tfjs-core ops on the layer variables, for training (with
 * seeded dropout) and prediction. It computes exactly what the tfjs-layers GRU/LSTM/Dense model computes
 * (a test compares the two), in about half the time on the WASM backend:
 *   - each layer's input projection x·W + b is one matrix product over all time steps, not one per step;
 *   - matrix products take their gradients through explicit transposes (see `matMul`).
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
import type { RecurrentLayerWeights, RecurrentNetwork } from './network.js';

/** Dropout during training: the rate and a source of per-call seeds (so masks differ per step yet replay per seed). */
export interface DropoutPlan {
  rate: number;
  nextSeed: () => number;
}

/**
 * Forecasts (batch, H) from windows (batch, L, F). With `dropout`, inputs of every recurrent layer (one mask per
 * window and feature, shared over time steps as Keras's recurrent `dropout` does) and the head's input are dropped.
 * Call inside tf.tidy or a gradient function: intermediate tensors are not disposed here.
 */
export function forwardPass(network: RecurrentNetwork, windows: tf.Tensor3D, dropout?: DropoutPlan): tf.Tensor2D {
  let sequence: tf.Tensor = windows;
  network.layers.forEach((layer, i) => {
    const returnSequences = i < network.layers.length - 1;
    const input = dropout ? dropOut(sequence as tf.Tensor3D, dropout, true) : (sequence as tf.Tensor3D);
    sequence = network.shape.cell === 'gru' ? gruLayer(input, layer, returnSequences) : lstmLayer(input, layer, returnSequences);
  });
  const last = dropout ? dropOut(sequence as tf.Tensor2D, dropout, false) : (sequence as tf.Tensor2D);
  return tf.add(matMul(last, network.head.kernel), network.head.bias);
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

function dropOut<T extends tf.Tensor2D | tf.Tensor3D>(x: T, plan: DropoutPlan, sharedOverTime: boolean): T {
  if (plan.rate <= 0) return x;
  const noiseShape = sharedOverTime ? [x.shape[0], 1, x.shape[2]!] : undefined;
  return tf.dropout(x, plan.rate, noiseShape, plan.nextSeed()) as T;
}

/**
 * a·b whose gradients are dy·bᵀ and aᵀ·dy with the transposes made explicit. tfjs's own gradient asks the
 * backend for a product with a transposed operand, which the WASM backend (XNNPACK) computes about three times
 * slower than a transpose followed by a plain product (measured on (64, 64)·(64, 192)).
 */
const matMul = tf.customGrad(((a: tf.Tensor2D, b: tf.Tensor2D, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: tf.Tensor2D, [savedA, savedB]: tf.Tensor[]) => [tf.matMul(dy, tf.transpose(savedB!)), tf.matMul(tf.transpose(savedA!), dy)],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor2D;
