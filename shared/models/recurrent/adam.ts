/**
 * Adam with gradient clipping by global norm over all weights at once, as one flat vector: the same update as
 * tf.train.adam after clipping by global norm (element for element: the same operations in the same order; the
 * clipping reference is test/models/recurrent/clip.ts), in about 50 backend ops per step instead of about 150.
 * Once the recurrent layers became one op each, the per-variable optimizer ops were a quarter of a training step
 * on the native backend (~25 µs each; bench/results/rnn-speed.md).
 *
 * Porting note: PyTorch's Adam (upstream) computes the same update; its ε is added to √v̂ as here.
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamSettings {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Global-norm bound on the gradient (0 = no clipping). */
  clipNorm: number;
}

export class FlatAdam {
  /** Read on every step, so a reduce-on-plateau can change it between steps (moments are kept). */
  learningRate: number;
  readonly #settings: AdamSettings;
  readonly #variables: tf.Variable[];
  readonly #sizes: number[];
  readonly #m: tf.Variable;
  readonly #v: tf.Variable;
  // β₁ᵗ and β₂ᵗ, kept in float32 as tfjs keeps its accBeta variables.
  #accBeta1: number;
  #accBeta2: number;

  constructor(variables: tf.Variable[], settings: AdamSettings) {
    this.#settings = settings;
    this.learningRate = settings.learningRate;
    this.#variables = variables;
    this.#sizes = variables.map((variable) => variable.size);
    const total = this.#sizes.reduce((sum, size) => sum + size, 0);
    // In tidy: the zeros the variables start from are freed; the variables are kept.
    [this.#m, this.#v] = tf.tidy(() => [tf.variable(tf.zeros([total]), false), tf.variable(tf.zeros([total]), false)]);
    this.#accBeta1 = Math.fround(settings.beta1);
    this.#accBeta2 = Math.fround(settings.beta2);
  }

  /**
   * Applies `grads` (one per variable, in the constructor's order); returns the global norm before clipping.
   * Call inside tf.tidy.
   */
  step(grads: tf.Tensor[]): tf.Scalar {
    const { beta1, beta2, epsilon, clipNorm } = this.#settings;
    const flat = tf.concat(grads.map((g) => tf.reshape(g, [-1])));
    const norm = tf.sqrt(tf.sum(tf.square(flat))) as tf.Scalar;
    // Clipping by global norm (tf.clip_by_global_norm's rule): scale by clipNorm / max(norm, clipNorm).
    const g = clipNorm > 0 ? tf.mul(flat, tf.div(clipNorm, tf.maximum(norm, clipNorm))) : flat;
    const m = tf.add(tf.mul(this.#m, beta1), tf.mul(g, 1 - beta1));
    const v = tf.add(tf.mul(this.#v, beta2), tf.mul(tf.square(g), 1 - beta2));
    this.#m.assign(m);
    this.#v.assign(v);
    const mHat = tf.div(m, Math.fround(1 - this.#accBeta1));
    const vHat = tf.div(v, Math.fround(1 - this.#accBeta2));
    const update = tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), epsilon)), -this.learningRate);
    tf.split(update, this.#sizes).forEach((delta, i) => {
      const variable = this.#variables[i]!;
      variable.assign(tf.add(tf.reshape(delta, variable.shape), variable));
    });
    this.#accBeta1 = Math.fround(this.#accBeta1 * Math.fround(beta1));
    this.#accBeta2 = Math.fround(this.#accBeta2 * Math.fround(beta2));
    return norm;
  }

  dispose(): void {
    tf.dispose([this.#m, this.#v]);
  }
}
