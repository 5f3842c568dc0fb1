/**
 * A whole GRU/LSTM layer as one TensorFlow.js op (layer-op.ts) whose forward and backward passes are one call each
 * into the compiled cell loops (compiled-cells.ts, native/cells/): the same function as cell-loop-layer.ts, on
 * Eigen's GEMM and every CPU the process may use, whatever the backend. The trace stays in JavaScript arrays
 * between the two calls; once the backward pass has used it, its arrays go back to a small pool for the next forward
 * pass of that shape (a training step's traces are megabytes: allocating them afresh each step kept V8's garbage
 * collector busy for a sixth of the step). A forward pass with no gradient being recorded gives its trace back at
 * once. A layer whose input needs no gradient (the first: its input is the data) skips that product and gives
 * zeros for it.
 *
 * The last layer can take the dense head with it (`compiledLayerWithHead`): on tfjs-node each backend op costs
 * 10–40 µs whatever its size, and on a busy machine the first one after a call into the addon several times that
 * (the addon's pass over megabytes of trace evicts libtensorflow's code and data from the caches); the head was a
 * product, a sum, their gradients and the copies of the state and its gradient between the two, every step
 * (bench/results/rnn-speed-lstm.md).
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

/**
 * The last layer (its last state only) and the dense head as one op: (batch, L, inputs) → (batch, outputs) =
 * layer(x)·head.kernel + head.bias, what compiledLayer followed by tf.matMul and tf.add compute.
 */
export function compiledLayerWithHead(
  cell: CellType,
  x: tf.Tensor3D,
  weights: RecurrentLayerWeights,
  head: { kernel: tf.Variable; bias: tf.Variable },
  inputGradient = true,
): tf.Tensor2D {
  const cells = compiledCells();
  if (!cells.ok) throw new Error(`The compiled cell loops are not available: ${cells.why}`);
  const { addon, threads } = cells;
  const body = (x: tf.Tensor3D, kernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D, bias: tf.Tensor1D, headKernel: tf.Tensor2D, headBias: tf.Tensor1D) => {
    const [batch, steps, inputs] = x.shape;
    const units = recurrentKernel.shape[0];
    const outputs = headKernel.shape[1];
    const key = `${cell} ${batch} ${steps} ${inputs} ${units}`;
    let trace: Trace | undefined;
    // The layer's last state stays here, for the head's gradients.
    const state = new Float32Array(batch * units);
    const [value] = produceTensors([[batch, outputs]], ([y]) => {
      [, ...trace] = addon.forward(cell, batch, steps, inputs, units, readFloats(x), readFloats(kernel), readFloats(recurrentKernel), readFloats(bias), false, threads, tracePool.take(key), state);
      addon.dense(batch, units, outputs, state, readFloats(headKernel), readFloats(headBias), y!);
    });
    let returned = !recordingGradients();
    if (returned) tracePool.give(key, trace!);
    return {
      value: value!,
      gradFunc: (dy: tf.Tensor) => {
        const shapes = [[batch, steps, inputs], kernel.shape, recurrentKernel.shape, bias.shape, headKernel.shape, headBias.shape];
        const grads = produceTensors(shapes, ([dx, dKernel, dRecurrent, dBias, dHeadKernel, dHeadBias]) => {
          const dState = new Float32Array(batch * units);
          addon.denseBackward(batch, units, outputs, state, readFloats(headKernel), readFloats(dy), dState, dHeadKernel!, dHeadBias!);
          const [tx, th, tg, te] = trace!;
          addon.backward(cell, batch, steps, inputs, units, readFloats(kernel), readFloats(recurrentKernel), tx, th, tg, te, dState, false, threads, [dx!, dKernel!, dRecurrent!, dBias!], inputGradient);
        });
        if (!returned) tracePool.give(key, trace!);
        returned = true;
        return grads;
      },
    };
  };
  // tf.customGrad is typed for a function of `...inputs: Tensor[]`; the casts to and from that stay here.
  const op = tf.customGrad(body as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as (...inputs: tf.Tensor[]) => tf.Tensor2D;
  return op(x, weights.kernel, weights.recurrentKernel, weights.bias, head.kernel, head.bias);
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
