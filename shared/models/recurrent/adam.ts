/**
 * Adam with gradient clipping by global norm over all weights at once, as one flat vector: the same update as
 * tf.train.adam after clipping by global norm (element for element: the same operations in the same order; the
 * clipping reference is test/models/recurrent/clip.ts), in about 50 backend ops per step instead of about 150.
 * Once the recurrent layers became one op each, the per-variable optimizer ops were a quarter of a training step
 * on the native backend (~25 µs each; bench/results/rnn-speed.md).
 *
 * Where the compiled cell loops run the layers, the update itself is one call into their addon
 * (native/cells/adam.cc: the same float32 operations in one pass), which took the optimizer from a fifth of an
 * upstream-sized training step to almost nothing; the weights stay in the tfjs variables, read and written once
 * per step (in place in the WASM heap on that backend, tensor-memory.ts).
 *
 * Porting note: PyTorch's Adam (upstream) computes the same update; its ε is added to √v̂ as here.
 */
import * as tf from '@tensorflow/tfjs';
import { produceTensors, readFloats } from '../../tf/tensor-memory.js';
import type { CellsAddon } from './compiled-cells.js';

export interface AdamSettings {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Global-norm bound on the gradient (0 = no clipping). */
  clipNorm: number;
}

/** The moments as backend variables. */
type BackendMoments = { m: tf.Variable; v: tf.Variable };
/** The moments as plain arrays for the addon, with room for the flat weights and gradient. */
type AddonMoments = { addon: CellsAddon; m: Float32Array; v: Float32Array; weights: Float32Array; grad: Float32Array };

export class FlatAdam {
  /** Read on every step, so a reduce-on-plateau can change it between steps (moments are kept). */
  learningRate: number;
  readonly #settings: AdamSettings;
  readonly #variables: tf.Variable[];
  readonly #sizes: number[];
  readonly #moments: BackendMoments | AddonMoments;
  // β₁ᵗ and β₂ᵗ, kept in float32 as tfjs keeps its accBeta variables.
  #accBeta1: number;
  #accBeta2: number;

  /** `addon`: run the update in the compiled cell loops' addon; else in backend ops. */
  constructor(variables: tf.Variable[], settings: AdamSettings, addon?: CellsAddon) {
    this.#settings = settings;
    this.learningRate = settings.learningRate;
    this.#variables = variables;
    this.#sizes = variables.map((variable) => variable.size);
    const total = this.#sizes.reduce((sum, size) => sum + size, 0);
    // In tidy: the zeros the variables start from are freed; the variables are kept.
    this.#moments = addon
      ? { addon, m: new Float32Array(total), v: new Float32Array(total), weights: new Float32Array(total), grad: new Float32Array(total) }
      : tf.tidy(() => ({ m: tf.variable(tf.zeros([total]), false), v: tf.variable(tf.zeros([total]), false) }));
    this.#accBeta1 = Math.fround(settings.beta1);
    this.#accBeta2 = Math.fround(settings.beta2);
  }

  /**
   * Applies `grads` (one per variable, in the constructor's order); returns the global norm before clipping.
   * Call inside tf.tidy.
   */
  step(grads: tf.Tensor[]): tf.Scalar {
    const norm = 'addon' in this.#moments ? this.#stepInAddon(grads, this.#moments) : this.#stepOnBackend(grads, this.#moments);
    this.#accBeta1 = Math.fround(this.#accBeta1 * Math.fround(this.#settings.beta1));
    this.#accBeta2 = Math.fround(this.#accBeta2 * Math.fround(this.#settings.beta2));
    return norm;
  }

  dispose(): void {
    if (!('addon' in this.#moments)) tf.dispose([this.#moments.m, this.#moments.v]);
  }

  #stepInAddon(grads: tf.Tensor[], moments: AddonMoments): tf.Scalar {
    const { beta1, beta2, epsilon, clipNorm } = this.#settings;
    const { weights, grad } = moments;
    let offset = 0;
    this.#variables.forEach((variable, i) => {
      weights.set(readFloats(variable), offset);
      grad.set(readFloats(grads[i]!), offset);
      offset += this.#sizes[i]!;
    });
    // The scalars as tfjs rounds them when it makes them tensors (1 − β is computed in double first, as there).
    const constants = Float32Array.of(beta1, 1 - beta1, beta2, 1 - beta2, 1 - this.#accBeta1, 1 - this.#accBeta2, epsilon, -this.learningRate, clipNorm);
    const norm = moments.addon.adam(weights, grad, moments.m, moments.v, constants);
    const updated = produceTensors(
      this.#variables.map((variable) => variable.shape),
      (outputs) => {
        let start = 0;
        outputs.forEach((output, i) => {
          output.set(weights.subarray(start, start + this.#sizes[i]!));
          start += this.#sizes[i]!;
        });
      },
    );
    this.#variables.forEach((variable, i) => variable.assign(updated[i]!));
    return tf.scalar(norm);
  }

  #stepOnBackend(grads: tf.Tensor[], moments: BackendMoments): tf.Scalar {
    const { beta1, beta2, epsilon, clipNorm } = this.#settings;
    const flat = tf.concat(grads.map((g) => tf.reshape(g, [-1])));
    const norm = tf.sqrt(tf.sum(tf.square(flat))) as tf.Scalar;
    // Clipping by global norm (tf.clip_by_global_norm's rule): scale by clipNorm / max(norm, clipNorm).
    const g = clipNorm > 0 ? tf.mul(flat, tf.div(clipNorm, tf.maximum(norm, clipNorm))) : flat;
    const m = tf.add(tf.mul(moments.m, beta1), tf.mul(g, 1 - beta1));
    const v = tf.add(tf.mul(moments.v, beta2), tf.mul(tf.square(g), 1 - beta2));
    moments.m.assign(m);
    moments.v.assign(v);
    const mHat = tf.div(m, Math.fround(1 - this.#accBeta1));
    const vHat = tf.div(v, Math.fround(1 - this.#accBeta2));
    const update = tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon)), -this.learningRate);
    tf.split(update, this.#sizes).forEach((delta, i) => {
      const variable = this.#variables[i]!;
      variable.assign(tf.add(tf.reshape(delta, variable.shape), variable));
    });
    return norm;
  }
}
