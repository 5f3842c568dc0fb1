/**
 * The JavaScript cell-loop layer: a whole GRU/LSTM layer as one TensorFlow.js op (layer-op.ts) whose forward and
 * backward passes run the hand-written cell loops of cell-math.ts on the layer's values, with the matrix products
 * on the backend's GEMM. Works on every backend; recurrent-layer.ts runs it on WASM and cpu (libtensorflow-layer.ts
 * serves the native backend). On WASM a batch of at least MIN_SPLIT windows is split between this thread and a
 * worker (shard-worker.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { layerBackward, layerForward, layerOutput, type LayerGradients, type LayerTrace, type LayerValues, type MatrixProduct } from './cell-math.js';
import type { CellType } from './hyperparameters.js';
import { applyLayerOp } from './layer-op.js';
import { backendMatrixProduct } from './matrix-product.js';
import type { RecurrentLayerWeights } from './network.js';
import { shardWorker } from './shard-worker.js';

/** Smallest batch worth splitting over two threads (below it, the hand-over costs more than it saves). */
export const MIN_SPLIT = 8;

/** Same contract as referenceLayer: (batch, L, inputs) → (batch, L, units) or (batch, units). */
export function cellLoopLayer(cell: CellType, x: tf.Tensor3D, weights: RecurrentLayerWeights, returnSequences: boolean): tf.Tensor {
  return applyLayerOp(
    (x, kernel, recurrentKernel, bias) => {
      const [batch, steps, inputSize] = x.shape;
      const units = recurrentKernel.shape[0];
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
        gradFunc: (dy) => {
          const grads = backward(layer, parts, dy.dataSync() as Float32Array, returnSequences);
          return [
            tf.tensor3d(grads.x, [batch, steps, inputSize]),
            tf.tensor2d(grads.kernel, kernel.shape),
            tf.tensor2d(grads.recurrentKernel, recurrentKernel.shape),
            tf.tensor1d(grads.bias),
          ];
        },
      };
    },
    x,
    weights,
  );
}

/** The traces of the batch's parts, in row order, and their sizes in windows. */
interface Parts {
  traces: LayerTrace[];
  sizes: number[];
}

function forward(layer: LayerValues, x: Float32Array, batch: number, steps: number, returnSequences: boolean): { parts: Parts; output: Float32Array } {
  const worker = tf.getBackend() === 'wasm' && batch >= MIN_SPLIT ? shardWorker() : undefined;
  if (worker === undefined) {
    const trace = withProduct((product) => layerForward(layer, x, batch, steps, product));
    return { parts: { traces: [trace], sizes: [batch] }, output: layerOutput(trace, layer.units, returnSequences) };
  }
  const here = batch >> 1;
  const rowSize = steps * layer.inputSize;
  const { here: local, there: remote } = worker.runAlongside(
    { op: 'forward', layer, x: x.slice(here * rowSize), batch: batch - here, steps, returnSequences },
    [],
    () => withProduct((product) => layerForward(layer, x.subarray(0, here * rowSize), here, steps, product)),
  );
  if (!('trace' in remote)) throw new Error('The shard worker sent no forward answer.');
  return {
    parts: { traces: [local, remote.trace], sizes: [here, batch - here] },
    output: concat([layerOutput(local, layer.units, returnSequences), remote.output]),
  };
}

function backward(layer: LayerValues, parts: Parts, dy: Float32Array, returnSequences: boolean): LayerGradients {
  const [localTrace, remoteTrace] = parts.traces as [LayerTrace, LayerTrace | undefined];
  const backOn = (trace: LayerTrace, dyPart: Float32Array) => withProduct((product) => layerBackward(layer, trace, dyPart, returnSequences, product));
  if (remoteTrace === undefined) return backOn(localTrace, dy);
  const rowSize = returnSequences ? localTrace.steps * layer.units : layer.units;
  const here = parts.sizes[0]!;
  const dyHere = dy.subarray(0, here * rowSize);
  const dyThere = dy.slice(here * rowSize);
  const worker = shardWorker();
  // The worker exited after this batch's forward pass: its half of the backward pass runs here too.
  if (worker === undefined) return joinGradients(backOn(localTrace, dyHere), backOn(remoteTrace, dyThere));
  const { x, h, gates, extra } = remoteTrace;
  // The worker's trace goes back to it without a copy; it is not used again here.
  const { here: local, there: remote } = worker.runAlongside(
    { op: 'backward', layer, trace: remoteTrace, dy: dyThere, returnSequences },
    [x.buffer, h.buffer, gates.buffer, extra.buffer] as ArrayBuffer[],
    () => backOn(localTrace, dyHere),
  );
  if (!('grads' in remote)) throw new Error('The shard worker sent no backward answer.');
  return joinGradients(local, remote.grads);
}

/** Gradients of the whole batch from its two parts': inputs in row order, weight gradients summed. */
function joinGradients(first: LayerGradients, second: LayerGradients): LayerGradients {
  return {
    x: concat([first.x, second.x]),
    kernel: addInPlace(first.kernel, second.kernel),
    recurrentKernel: addInPlace(first.recurrentKernel, second.recurrentKernel),
    bias: addInPlace(first.bias, second.bias),
  };
}

function withProduct<T>(run: (product: MatrixProduct) => T): T {
  const product = backendMatrixProduct(tf);
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
