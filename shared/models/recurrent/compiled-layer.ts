/**
 * A whole GRU/LSTM layer as one TensorFlow.js op (layer-op.ts) whose forward and backward passes are one call each
 * into the compiled cell loops (compiled-cells.ts, native/cells/): the same function as cell-loop-layer.ts, on
 * Eigen's GEMM and every CPU the process may use, whatever the backend. The trace stays in JavaScript arrays
 * between the two calls; once the backward pass has used it, its arrays go back to a small pool for the next forward
 * pass of that shape (a training step's traces are megabytes: allocating them afresh each step kept V8's garbage
 * collector busy for a sixth of the step). A forward pass with no gradient being recorded gives its trace back at
 * once. A layer whose input needs no gradient (the first: its input is the data) skips that product and gives
 * zeros for it.
 */
import * as tf from '@tensorflow/tfjs';
import { produceTensors, readFloats } from '../../tf/tensor-memory.js';
import { compiledCells, type Trace } from './compiled-cells.js';
import type { CellType } from './hyperparameters.js';
import { applyLayerOp } from './layer-op.js';
import type { RecurrentLayerWeights } from './network.js';

/**
 * Same contract as referenceLayer: (batch, L, inputs) → (batch, L, units) or (batch, units); with `inputGradient`
 * false, the gradient it gives `x` is zeros (not computed).
 */
export function compiledLayer(cell: CellType, x: tf.Tensor3D, weights: RecurrentLayerWeights, returnSequences: boolean, inputGradient = true): tf.Tensor {
  const cells = compiledCells();
  if (!cells.ok) throw new Error(`The compiled cell loops are not available: ${cells.why}`);
  const { addon, threads } = cells;
  return applyLayerOp(
    (x, kernel, recurrentKernel, bias) => {
      const [batch, steps, inputs] = x.shape;
      const units = recurrentKernel.shape[0];
      const key = `${cell} ${batch} ${steps} ${inputs} ${units}`;
      let trace: Trace | undefined;
      const [value] = produceTensors([returnSequences ? [batch, steps, units] : [batch, units]], ([output]) => {
        const reuse = tracePool.take(key);
        [, ...trace] = addon.forward(cell, batch, steps, inputs, units, readFloats(x), readFloats(kernel), readFloats(recurrentKernel), readFloats(bias), returnSequences, threads, reuse, output);
      });
      // Without a gradient being recorded (validation, inference) there will be no backward pass: the trace is free
      // at once. (Left to the collector, forward-only calls were a fifth slower.)
      let returned = !recordingGradients();
      if (returned) tracePool.give(key, trace!);
      return {
        value: value!,
        gradFunc: (dy) => {
          const shapes = [[batch, steps, inputs], kernel.shape, recurrentKernel.shape, bias.shape];
          const grads = produceTensors(shapes, (out) => {
            const [tx, th, tg, te] = trace!;
            addon.backward(cell, batch, steps, inputs, units, readFloats(kernel), readFloats(recurrentKernel), tx, th, tg, te, readFloats(dy), returnSequences, threads, out as Trace, inputGradient);
          });
          // Once: under nested gradient scopes tfjs may run this function twice.
          if (!returned) tracePool.give(key, trace!);
          returned = true;
          return grads;
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
