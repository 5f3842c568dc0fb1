/**
 * The reference for FlatAdam's clipping (shared/models/recurrent/adam.ts, which clips its flat gradient itself):
 * adam.test.ts checks FlatAdam against tf.train.adam after this. Gradient clipping by global norm, which tfjs
 * optimizers lack (no `clipnorm`): every gradient is scaled by the same factor so that the L2 norm of all of them
 * together is at most `clipNorm` (TensorFlow's `tf.clip_by_global_norm`; PyTorch's `clip_grad_norm_`, which
 * upstream FLTS calls with max norm 1).
 */
import * as tf from '@tensorflow/tfjs';

export interface ClippedGradients {
  grads: tf.NamedTensorMap;
  /** Global norm before clipping, √(Σ‖g‖²). */
  norm: tf.Scalar;
}

/**
 * `grads` scaled by clipNorm / max(norm, clipNorm); unchanged when the norm is within bounds or clipNorm is 0.
 * Call inside tf.tidy. Porting note: PyTorch divides by (norm + 1e-6); the difference is below float32 rounding
 * for any norm that gets clipped.
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, clipNorm: number): ClippedGradients {
  const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g))))) as tf.Scalar;
  if (clipNorm <= 0) return { grads, norm };
  const factor = tf.div(clipNorm, tf.maximum(norm, clipNorm));
  const clipped: tf.NamedTensorMap = {};
  for (const [name, g] of Object.entries(grads)) clipped[name] = tf.mul(g, factor);
  return { grads: clipped, norm };
}
