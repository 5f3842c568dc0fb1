/**
 * The network's forward pass on the layer variables, for training (with seeded dropout) and prediction: stacked
 * recurrent layers (recurrent-layer.ts picks the implementation), the dense head and the linear highway. Without
 * dropout the last layer and the head go to the kernel together (the compiled one runs them as one op). It computes
 * exactly what the tfjs-layers GRU/LSTM/Dense model computes (a test compares the two on the same weights).
 * The equations and the porting notes are in reference-layers.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { RecurrentNetwork } from './network.js';
import { recurrentLayer, recurrentLayerWithHead } from './recurrent-layer.js';

/** Dropout during training: the rate and a source of per-call seeds (so masks differ per step yet replay per seed). */
export interface DropoutPlan {
  rate: number;
  nextSeed: () => number;
}

/**
 * Forecasts (batch, H) from windows (batch, L, F). With `dropout`, inputs of every recurrent layer (one mask per
 * window and feature, shared over time steps as Keras's recurrent `dropout` does) and the head's input are dropped.
 * Call inside tf.tidy or a gradient function: intermediate tensors are not disposed here. The windows are data: the
 * first layer is told that no gradient with respect to them is wanted (the compiled layers then give zeros for it).
 */
export function forwardPass(network: RecurrentNetwork, windows: tf.Tensor3D, dropout?: DropoutPlan): tf.Tensor2D {
  const head = dropout && dropout.rate > 0 ? recurrentPathWithDropout(network, windows, dropout) : recurrentPath(network, windows);
  if (!network.highway) return head;
  const [batch, steps, features] = windows.shape;
  const flat = tf.reshape(windows, [batch, steps * features]);
  return tf.add(head, tf.add(tf.matMul(flat, network.highway.kernel), network.highway.bias));
}

/** The stacked layers and the head; without dropout between them, the last layer and the head can run as one op. */
function recurrentPath(network: RecurrentNetwork, windows: tf.Tensor3D): tf.Tensor2D {
  const { layers, head } = network;
  let sequence = windows;
  layers.slice(0, -1).forEach((layer, i) => {
    sequence = recurrentLayer(network.shape.cell, sequence, layer, true, i > 0) as tf.Tensor3D;
  });
  return recurrentLayerWithHead(network.shape.cell, sequence, layers[layers.length - 1]!, head, layers.length > 1);
}

function recurrentPathWithDropout(network: RecurrentNetwork, windows: tf.Tensor3D, dropout: DropoutPlan): tf.Tensor2D {
  let sequence: tf.Tensor = windows;
  network.layers.forEach((layer, i) => {
    const returnSequences = i < network.layers.length - 1;
    sequence = recurrentLayer(network.shape.cell, dropOut(sequence as tf.Tensor3D, dropout, true), layer, returnSequences, i > 0);
  });
  const last = dropOut(sequence as tf.Tensor2D, dropout, false);
  return tf.add(tf.matMul(last, network.head.kernel), network.head.bias) as tf.Tensor2D;
}

function dropOut<T extends tf.Tensor2D | tf.Tensor3D>(x: T, plan: DropoutPlan, sharedOverTime: boolean): T {
  if (plan.rate <= 0) return x;
  const noiseShape = sharedOverTime ? [x.shape[0], 1, x.shape[2]!] : undefined;
  return tf.dropout(x, plan.rate, noiseShape, plan.nextSeed()) as T;
}
