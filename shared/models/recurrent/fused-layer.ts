/**
 * A whole GRU/LSTM layer as one TensorFlow.js op with its own gradient (tf.customGrad): forward and backward run
 * the hand-written cell loops of cell-math.ts on the layer's values, with the matrix products on the backend's
 * GEMM. Works on every backend; the one used on WASM and cpu (native-layer.ts serves libtensorflow). On WASM a
 * batch of at least MIN_SPLIT windows is split between this thread and a worker (shard-worker.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { layerBackward, layerForward, layerOutput, type LayerGradients, type LayerTrace, type LayerValues, type MatrixProduct } from './cell-math.js';
import type { CellType } from './hyperparameters.js';
import { backendMatrixProduct } from './matrix-product.js';
import type { RecurrentLayerWeights } from './network.js';
import { shardWorker } from './shard-worker.js';

/** Smallest batch worth splitting over two threads (below it, the hand-over costs more than it saves). */
export const MIN_SPLIT = 8;

type LayerOp = (x: tf.Tensor, kernel: tf.Tensor, recurrentKernel: tf.Tensor, bias: tf.Tensor) => tf.Tensor;

/** Same contract as referenceLayer: (batch, L, inputs) → (batch, L, units) or (batch, units). */
export function fusedLayer(cell: CellType, x: tf.Tensor3D, weights: RecurrentLayerWeights, returnSequences: boolean): tf.Tensor {
  return layerOp(cell, returnSequences)(x, weights.kernel, weights.recurrentKernel, weights.bias);
}

/** The traces of the batch's parts, in row order, and their sizes in windows. */
interface Parts {
  traces: LayerTrace[];
  sizes: number[];
}

function layerOp(cell: CellType, returnSequences: boolean): LayerOp {
  return tf.customGrad(((x: tf.Tensor3D, kernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D, bias: tf.Tensor1D) => {
    const [batch, steps, inputSize] = x.shape;
    const units = recurrentKernel.shape[0]!;
    // The arrays are only read (cell-math copies before it writes), so the cpu backend's own storage is safe here.
    const layer: LayerValues = {
      cell,
      kernel: kernel.dataSync() as Float32Array,
      recurrentKernel: recurrentKernel.dataSync() as Float32Array,
      bias: bias.dataSync() as Float32Array,
      inputSize,
      units,
    };
    const { parts, output } = forward(layer, x.dataSync() as Float32Array, batch, steps, returnSequences);
    return {
      value: returnSequences ? tf.tensor3d(output, [batch, steps, units]) : tf.tensor2d(output, [batch, units]),
      gradFunc: (dy: tf.Tensor) => {
        const grads = backward(layer, parts, dy.dataSync() as Float32Array, returnSequences);
        return [
          tf.tensor3d(grads.x, [batch, steps, inputSize]),
          tf.tensor2d(grads.kernel, kernel.shape),
          tf.tensor2d(grads.recurrentKernel, recurrentKernel.shape),
          tf.tensor1d(grads.bias),
        ];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as LayerOp;
}

function forward(layer: LayerValues, x: Float32Array, batch: number, steps: number, returnSequences: boolean): { parts: Parts; output: Float32Array } {
  const worker = tf.getBackend() === 'wasm' && batch >= MIN_SPLIT ? shardWorker() : undefined;
  if (worker === undefined) {
    const trace = withProduct((product) => layerForward(layer, x, batch, steps, product));
    return { parts: { traces: [trace], sizes: [batch] }, output: layerOutput(trace, layer.units, returnSequences) };
  }
  const here = batch >> 1;
  const rowSize = steps * layer.inputSize;
  worker.post({ op: 'forward', layer, x: x.slice(here * rowSize), batch: batch - here, steps, returnSequences });
  let local: LayerTrace;
  let remote: ReturnType<typeof worker.collect>;
  try {
    local = withProduct((product) => layerForward(layer, x.subarray(0, here * rowSize), here, steps, product));
  } finally {
    // Collected even when this half failed, so that the worker is free for the next call.
    remote = worker.collect();
  }
  if (!('trace' in remote)) throw new Error('ShardWorker: expected a forward answer.');
  return {
    parts: { traces: [local, remote.trace], sizes: [here, batch - here] },
    output: concat([layerOutput(local, layer.units, returnSequences), remote.output]),
  };
}

function backward(layer: LayerValues, parts: Parts, dy: Float32Array, returnSequences: boolean): LayerGradients {
  const [localTrace, remoteTrace] = parts.traces;
  if (remoteTrace === undefined) return withProduct((product) => layerBackward(layer, localTrace!, dy, returnSequences, product));
  const worker = shardWorker()!;
  const rowSize = returnSequences ? localTrace!.steps * layer.units : layer.units;
  const here = parts.sizes[0]!;
  const { x, h, gates, extra } = remoteTrace;
  // The worker's trace goes back to it without a copy; it is not used again here.
  worker.post({ op: 'backward', layer, trace: remoteTrace, dy: dy.slice(here * rowSize), returnSequences }, [x.buffer, h.buffer, gates.buffer, extra.buffer] as ArrayBuffer[]);
  let local: LayerGradients;
  let remote: ReturnType<typeof worker.collect>;
  try {
    local = withProduct((product) => layerBackward(layer, localTrace!, dy.subarray(0, here * rowSize), returnSequences, product));
  } finally {
    remote = worker.collect();
  }
  if (!('grads' in remote)) throw new Error('ShardWorker: expected a backward answer.');
  return {
    x: concat([local.x, remote.grads.x]),
    kernel: addInPlace(local.kernel, remote.grads.kernel),
    recurrentKernel: addInPlace(local.recurrentKernel, remote.grads.recurrentKernel),
    bias: addInPlace(local.bias, remote.grads.bias),
  };
}

function withProduct<T>(run: (product: MatrixProduct) => T): T {
  const product = backendMatrixProduct();
  try {
    return run(product);
  } finally {
    product.dispose();
  }
}

function concat(arrays: Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}

function addInPlace(target: Float32Array, values: Float32Array): Float32Array {
  for (let k = 0; k < target.length; k++) target[k] = target[k]! + values[k]!;
  return target;
}
