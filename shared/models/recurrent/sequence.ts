/**
 * Which implementation runs a recurrent layer: the fused kernels (one op per layer and sequence, with a hand-written
 * backward pass) by default, or the reference tfjs-ops implementation that shipped before them. Both compute the
 * same function within float32 rounding (test/models/recurrent/fused-layer.test.ts); the switch exists for that
 * test and for bench/rnn-speed.ts, which measures the two side by side.
 */
import * as tf from '@tensorflow/tfjs';
import { fusedLayer } from './fused-layer.js';
import type { CellType } from './hyperparameters.js';
import { nativeLayer, nativeLayerAvailable } from './native-layer.js';
import type { RecurrentLayerWeights } from './network.js';
import { referenceLayer } from './reference-layers.js';

/**
 * `fused`: libtensorflow's own GRU/LSTM block kernels on the native backend, the JavaScript cell loops elsewhere;
 * `js`: the JavaScript cell loops on every backend; `reference`: tfjs ops and autodiff.
 */
export type SequenceKernel = 'fused' | 'js' | 'reference';

let kernel: SequenceKernel = 'fused';

/** Chooses the implementation for every later layer call in this process (benchmarks and tests). */
export function setSequenceKernel(choice: SequenceKernel): void {
  kernel = choice;
}

export function sequenceKernel(): SequenceKernel {
  return kernel;
}

/** One recurrent layer over windows (batch, L, inputs) → (batch, L, units) when `returnSequences`, else (batch, units). */
export function recurrentLayer(cell: CellType, x: tf.Tensor3D, weights: RecurrentLayerWeights, returnSequences: boolean): tf.Tensor {
  if (kernel === 'reference') return referenceLayer(cell, x, weights, returnSequences);
  if (kernel === 'fused' && tf.getBackend() === 'tensorflow' && nativeLayerAvailable()) return nativeLayer(cell, x, weights, returnSequences);
  return fusedLayer(cell, x, weights, returnSequences);
}
