/**
 * The network's forward pass on the layer variables, for training (with seeded dropout) and prediction: stacked
 * recurrent layers (recurrent-layer.ts picks the implementation), the dense head and the linear highway. It computes
 * exactly what the tfjs-layers GRU/LSTM/Dense model computes (a test compares the two on the same weights).
 * The equations and the porting notes are in reference-layers.ts.
 */
import * as tf from '@tensorflow/tfjs';
import type { RecurrentNetwork } from './network.js';
import { recurrentLayer } from './recurrent-layer.js';

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
  let sequence: tf.Tensor = windows;
  network.layers.forEach((layer, i) => {
    const returnSequences = i < network.layers.length - 1;
    const input = dropout ? dropOut(sequence as tf.Tensor3D, dropout, true) : (sequence as tf.Tensor3D);
    sequence = recurrentLayer(network.shape.cell, input, layer, returnSequences, i > 0);
  });
  const last = dropout ? dropOut(sequence as tf.Tensor2D, dropout, false) : (sequence as tf.Tensor2D);
  const head = tf.add(tf.matMul(last, network.head.kernel), network.head.bias) as tf.Tensor2D;
  if (!network.highway) return head;
  const [batch, steps, features] = windows.shape;
  const flat = tf.reshape(windows, [batch, steps * features]);
  return tf.add(head, tf.add(tf.matMul(flat, network.highway.kernel), network.highway.bias));
}

function dropOut<T extends tf.Tensor2D | tf.Tensor3D>(x: T, plan: DropoutPlan, sharedOverTime: boolean): T {
  if (plan.rate <= 0) return x;
  const noiseShape = sharedOverTime ? [x.shape[0], 1, x.shape[2]!] : undefined;
  return tf.dropout(x, plan.rate, noiseShape, plan.nextSeed()) as T;
}
