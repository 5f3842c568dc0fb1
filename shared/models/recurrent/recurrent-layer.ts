/**
 * One recurrent layer over a batch of windows, and which implementation runs it. By default (`auto`) the fastest
 * available: the compiled cell loops (compiled-layer.ts) on the CPU backends when their addon was built,
 * otherwise libtensorflow's GRU/LSTM block kernels on the native backend (libtensorflow-layer.ts) and the
 * JavaScript cell loops elsewhere (cell-loop-layer.ts); each is one op per layer and sequence with a hand-written
 * backward pass. On tfjs-node-gpu, `auto` keeps the layers on libtensorflow, i.e. on the GPU. The other choices
 * exist for test/models/recurrent/recurrent-layer.test.ts, which checks that all compute the same function within
 * float32 rounding, for bench/rnn-speed.ts, which measures them side by side, and for `FLTS_RNN_KERNEL`.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidParameterError } from '../../errors.js';
import { usesGpu } from '../../tf/native.js';
import { cellLoopLayer } from './cell-loop-layer.js';
import { compiledCells, recurrentThreads } from './compiled-cells.js';
import { compiledLayer, compiledLayerWithHead } from './compiled-layer.js';
import type { CellType } from './hyperparameters.js';
import { libtensorflowLayer, libtensorflowLayerAvailable } from './libtensorflow-layer.js';
import type { RecurrentLayerWeights } from './network.js';
import { referenceLayer } from './reference-layers.js';

/**
 * `auto`: as above; `compiled`: the compiled cell loops (an error where the addon is missing); `libtensorflow`:
 * libtensorflow's block kernels (native backend only); `cell-loop`: the JavaScript cell loops on every backend;
 * `reference`: tfjs ops and autodiff (reference-layers.ts).
 */
export const LAYER_KERNELS = ['auto', 'compiled', 'libtensorflow', 'cell-loop', 'reference'] as const;
export type LayerKernel = (typeof LAYER_KERNELS)[number];

/** The environment variable that sets the kernel for a whole process. */
export const KERNEL_ENV = 'FLTS_RNN_KERNEL';

let kernel: LayerKernel | undefined;

/** Chooses the implementation for every later layer call in this process (benchmarks and tests). */
export function setLayerKernel(choice: LayerKernel): void {
  kernel = choice;
}

/** The kernel `auto` stands for now, or the one chosen; reported by the trainers. */
export function layerKernel(): Exclude<LayerKernel, 'auto'> {
  kernel ??= kernelFromEnvironment(process.env);
  if (kernel !== 'auto') return kernel;
  if (libtensorflowLayerAvailable() && usesGpu()) return 'libtensorflow';
  if (compiledCells().ok) return 'compiled';
  return libtensorflowLayerAvailable() ? 'libtensorflow' : 'cell-loop';
}

/** `FLTS_RNN_KERNEL`, checked: unset means `auto`. */
export function kernelFromEnvironment(env: Record<string, string | undefined>): LayerKernel {
  const value = env[KERNEL_ENV];
  if (value === undefined || value === '') return 'auto';
  if ((LAYER_KERNELS as readonly string[]).includes(value)) return value as LayerKernel;
  throw new InvalidParameterError([{ path: KERNEL_ENV, message: `${KERNEL_ENV} must be one of ${LAYER_KERNELS.join(', ')}, got '${value}'.` }]);
}

/** Which kernel the layers run on, and a line saying why (the trainers log it and record it in MLflow). */
export interface KernelReport {
  kernel: Exclude<LayerKernel, 'auto'>;
  detail: string;
}

/**
 * The kernel the layers will run on with the active backend, checked: a kernel named by `FLTS_RNN_KERNEL` that
 * cannot run here, or a `FLTS_RNN_THREADS` that is not a thread count, is an InvalidParameterError naming the
 * variable, raised before any training starts.
 */
export function layerKernelReport(): KernelReport {
  // FLTS_RNN_THREADS is checked here too, so that a bad value stops the run before training, whichever kernel runs.
  recurrentThreads();
  const chosen = layerKernel();
  const cells = compiledCells();
  const requested = kernel !== 'auto';
  const problem = (message: string) => new InvalidParameterError([{ path: KERNEL_ENV, message }]);
  if (chosen === 'compiled') {
    if (!cells.ok) throw problem(`${KERNEL_ENV}=compiled, but the compiled cell loops are not available: ${cells.why}.`);
    return { kernel: chosen, detail: `${cells.file.split('/').pop()}, ${cells.threads} thread${cells.threads > 1 ? 's' : ''}` };
  }
  if (chosen === 'libtensorflow' && !libtensorflowLayerAvailable()) {
    throw problem(`${KERNEL_ENV}=libtensorflow needs the native backend (tfjs-node); the active backend is ${tf.getBackend()}.`);
  }
  if (requested) return { kernel: chosen, detail: `${KERNEL_ENV}=${chosen}` };
  if (chosen === 'libtensorflow' && usesGpu()) return { kernel: chosen, detail: 'on the GPU' };
  return { kernel: chosen, detail: `compiled cell loops unavailable: ${cells.ok ? 'not chosen' : cells.why}` };
}

/**
 * One recurrent layer over windows (batch, L, inputs) → (batch, L, units) when `returnSequences`, else (batch, units).
 * `inputGradient` false says that no gradient with respect to `x` is wanted (x is data): a kernel may then skip it
 * and give zeros (the compiled one does).
 */
export function recurrentLayer(cell: CellType, x: tf.Tensor3D, weights: RecurrentLayerWeights, returnSequences: boolean, inputGradient = true): tf.Tensor {
  switch (layerKernel()) {
    case 'compiled':
      return compiledLayer(cell, x, weights, returnSequences, inputGradient);
    case 'libtensorflow':
      if (!libtensorflowLayerAvailable()) throw new Error(`The libtensorflow layer kernel needs the native backend; the active one is ${tf.getBackend()}.`);
      return libtensorflowLayer(cell, x, weights, returnSequences);
    case 'cell-loop':
      return cellLoopLayer(cell, x, weights, returnSequences);
    case 'reference':
      return referenceLayer(cell, x, weights, returnSequences);
  }
}

/**
 * The last recurrent layer (its last state) and the dense head: (batch, L, inputs) → (batch, outputs) =
 * layer(x)·head.kernel + head.bias. The compiled kernel runs both as one op; the others run the layer, then the
 * product and the sum as backend ops.
 */
export function recurrentLayerWithHead(cell: CellType, x: tf.Tensor3D, weights: RecurrentLayerWeights, head: { kernel: tf.Variable; bias: tf.Variable }, inputGradient = true): tf.Tensor2D {
  if (layerKernel() === 'compiled') return compiledLayerWithHead(cell, x, weights, head, inputGradient);
  const state = recurrentLayer(cell, x, weights, false, inputGradient) as tf.Tensor2D;
  return tf.add(tf.matMul(state, head.kernel), head.bias);
}
