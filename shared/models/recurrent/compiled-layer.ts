/**
 * A whole GRU/LSTM layer as one TensorFlow.js op (layer-op.ts) whose forward and backward passes are one call each
 * into the compiled cell loops (compiled-cells.ts, native/cells/): the same function as cell-loop-layer.ts, on
 * Eigen's GEMM and every CPU the process may use, whatever the backend. The trace stays in JavaScript arrays
 * between the two calls; once the backward pass has used it, its arrays go back to a small pool for the next forward
 * pass of that shape (a training step's traces are megabytes: allocating them afresh each step kept V8's garbage
 * collector busy for a sixth of the step). A forward pass with no gradient being recorded gives its trace back at
 * once.
 */
import * as tf from '@tensorflow/tfjs';
import { compiledCells, type Trace } from './compiled-cells.js';
import type { CellType } from './hyperparameters.js';
import { applyLayerOp } from './layer-op.js';
import type { RecurrentLayerWeights } from './network.js';

/** Same contract as referenceLayer: (batch, L, inputs) → (batch, L, units) or (batch, units). */
export function compiledLayer(cell: CellType, x: tf.Tensor3D, weights: RecurrentLayerWeights, returnSequences: boolean): tf.Tensor {
  const cells = compiledCells();
  if (!cells.ok) throw new Error(`The compiled cell loops are not available: ${cells.why}`);
  const { addon, threads } = cells;
  return applyLayerOp(
    (x, kernel, recurrentKernel, bias) => {
      const [batch, steps, inputs] = x.shape;
      const units = recurrentKernel.shape[0];
      const kernelValues = floats(kernel);
      const recurrentValues = floats(recurrentKernel);
      const key = `${cell} ${batch} ${steps} ${inputs} ${units}`;
      const [output, ...trace] = addon.forward(cell, batch, steps, inputs, units, floats(x), kernelValues, recurrentValues, floats(bias), returnSequences, threads, tracePool.take(key));
      // Without a gradient being recorded (validation, inference) there will be no backward pass: the trace is free
      // at once. (Left to the collector, a forward-only call cost 5× a training call: V8 collected on each one.)
      if (!recordingGradients()) tracePool.give(key, trace);
      return {
        value: returnSequences ? tf.tensor3d(output, [batch, steps, units]) : tf.tensor2d(output, [batch, units]),
        gradFunc: (dy) => {
          const grads = addon.backward(cell, batch, steps, inputs, units, kernelValues, recurrentValues, ...trace, floats(dy), returnSequences, threads);
          tracePool.give(key, trace);
          return [
            tf.tensor3d(grads[0], [batch, steps, inputs]),
            tf.tensor2d(grads[1], kernel.shape),
            tf.tensor2d(grads[2], recurrentKernel.shape),
            tf.tensor1d(grads[3]),
          ];
        },
      };
    },
    x,
    weights,
  );
}

/** Traces whose backward pass is done, by shape, for reuse; a few per shape and a few shapes at most. */
class TracePool {
  readonly #free = new Map<string, Trace[]>();

  take(key: string): Trace | undefined {
    return this.#free.get(key)?.pop();
  }

  give(key: string, trace: Trace): void {
    const list = this.#free.get(key) ?? [];
    if (list.length >= 4) return;
    // A run's shapes are few (training batch, its last partial batch, per layer); anything beyond is dropped.
    if (!this.#free.has(key) && this.#free.size >= 16) this.#free.clear();
    list.push(trace);
    this.#free.set(key, list);
  }
}

const tracePool = new TracePool();

/** Whether tfjs is recording operations for a gradient (inside tf.grad, tf.variableGrads and the like). */
function recordingGradients(): boolean {
  // tfjs-core's Engine keeps the nesting depth of gradient scopes in its state (engine.ts, startTape/endTape).
  return ((tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth ?? 0) > 0;
}

/** The tensor's values as float32 (the addon reads them only; the cpu backend's own array is safe to pass). */
function floats(tensor: tf.Tensor): Float32Array {
  return tensor.dataSync() as Float32Array;
}
