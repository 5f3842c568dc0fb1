/**
 * One recurrent layer over a batch of windows, and which implementation runs it. By default (`auto`) the fastest
 * for the active backend: libtensorflow's GRU/LSTM block kernels on the native backend (libtensorflow-layer.ts),
 * the JavaScript cell loops elsewhere (cell-loop-layer.ts); each is one op per layer and sequence with a
 * hand-written backward pass. The other choices exist for test/models/recurrent/recurrent-layer.test.ts, which
 * checks that all compute the same function within float32 rounding, and for bench/rnn-speed.ts, which measures
 * them side by side.
 */
import * as tf from '@tensorflow/tfjs';
import { cellLoopLayer } from './cell-loop-layer.js';
import type { CellType } from './hyperparameters.js';
import { libtensorflowLayer, libtensorflowLayerAvailable } from './libtensorflow-layer.js';
import type { RecurrentLayerWeights } from './network.js';
import { referenceLayer } from './reference-layers.js';

/**
 * `auto`: libtensorflow's block kernels on the native backend, the JavaScript cell loops elsewhere; `cell-loop`:
 * the JavaScript cell loops on every backend; `reference`: tfjs ops and autodiff (reference-layers.ts).
 */
export type LayerKernel = 'auto' | 'cell-loop' | 'reference';

let kernel: LayerKernel = 'auto';

/** Chooses the implementation for every later layer call in this process (benchmarks and tests). */
export function setLayerKernel(choice: LayerKernel): void {
  kernel = choice;
}

/** One recurrent layer over windows (batch, L, inputs) → (batch, L, units) when `returnSequences`, else (batch, units). */
export function recurrentLayer(cell: CellType, x: tf.Tensor3D, weights: RecurrentLayerWeights, returnSequences: boolean): tf.Tensor {
  if (kernel === 'reference') return referenceLayer(cell, x, weights, returnSequences);
  if (kernel === 'auto' && libtensorflowLayerAvailable()) return libtensorflowLayer(cell, x, weights, returnSequences);
  return cellLoopLayer(cell, x, weights, returnSequences);
}
