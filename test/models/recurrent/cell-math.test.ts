import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import { cellMathScript, layerBackward, layerForward, layerOutput, type LayerValues } from '../../../shared/models/recurrent/cell-math.js';
import { plainMatrixProduct } from '../../../shared/models/recurrent/matrix-product.js';
import { createRandom } from '../../../shared/models/recurrent/random.js';

const product = plainMatrixProduct();
const near = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} vs ${expected}`);

/** One unit, one input, one step from h₀ = 0, zero biases and recurrent weights: every gate is a number by hand. */
function single(cell: 'gru' | 'lstm', kernel: number[]): LayerValues {
  return { cell, kernel: Float32Array.from(kernel), recurrentKernel: new Float32Array(kernel.length), bias: new Float32Array(kernel.length), inputSize: 1, units: 1 };
}

describe('cell maths (plain arrays, no backend)', () => {
  describe('GRU, kernel [z r ĥ] = [0.5 −0.5 1], x = 2', () => {
    // z = σ(1), ĥ = tanh(2), h = (1 − z)·ĥ; dh/dWĥ = (1 − z)(1 − ĥ²)·x; dh/dWz = −ĥ·z(1 − z)·x.
    const layer = single('gru', [0.5, -0.5, 1]);
    const trace = layerForward(layer, Float32Array.of(2), 1, 1, product);

    it('h = (1 − σ(1))·tanh(2) = 0.2592669', () => {
      near(layerOutput(trace, 1, false)[0]!, 0.259266947625467, 1e-7, 'h');
    });

    it('dh/dW = [−ĥ·z(1−z)·x, 0, (1−z)(1−ĥ²)·x] = [−0.3790787, 0, 0.0380019]; dh/db = dh/dW / x', () => {
      const grads = layerBackward(layer, trace, Float32Array.of(1), false, product);
      near(grads.kernel[0]!, -0.3790786524336276, 1e-6, 'dWz');
      assert.equal(grads.kernel[1], 0); // the reset gate multiplies h₀ = 0
      near(grads.kernel[2]!, 0.038001866513945236, 1e-7, 'dWĥ');
      near(grads.bias[2]!, 0.038001866513945236 / 2, 1e-7, 'dbĥ');
    });
  });

  describe('LSTM, kernel [i f c o] = [1 0 0.5 −1], x = 1', () => {
    // c = σ(1)·tanh(0.5), h = σ(−1)·tanh(c); dh/dWo = tanh(c)·o(1 − o)·x.
    const layer = single('lstm', [1, 0, 0.5, -1]);
    const trace = layerForward(layer, Float32Array.of(1), 1, 1, product);

    it('h = σ(−1)·tanh(σ(1)·tanh(0.5)) = 0.0875520', () => {
      near(layerOutput(trace, 1, false)[0]!, 0.08755198285395513, 1e-7, 'h');
    });

    it('dh/dWo = tanh(c)·o(1 − o) = 0.0640056, and the forget gate gets no gradient from c₀ = 0', () => {
      const grads = layerBackward(layer, trace, Float32Array.of(1), false, product);
      near(grads.kernel[3]!, 0.064005628141451, 1e-7, 'dWo');
      assert.equal(grads.kernel[1], 0);
    });
  });

  for (const cell of ['gru', 'lstm'] as const) {
    it(`${cell}: every gradient matches central differences of Σ output·w (3 windows, 4 steps, 2 inputs, 3 units, sequence output)`, () => {
      const random = createRandom(17);
      const values = (n: number) => Float32Array.from({ length: n }, () => random() - 0.5);
      const width = (cell === 'gru' ? 3 : 4) * 3;
      const layer: LayerValues = { cell, kernel: values(2 * width), recurrentKernel: values(3 * width), bias: values(width), inputSize: 2, units: 3 };
      const x = values(3 * 4 * 2);
      const weights = values(3 * 4 * 3);
      const objective = (l: LayerValues, input: Float32Array) => {
        const out = layerOutput(layerForward(l, input, 3, 4, product), 3, true);
        return out.reduce((sum, v, k) => sum + v * weights[k]!, 0);
      };
      const grads = layerBackward(layer, layerForward(layer, x, 3, 4, product), weights, true, product);
      const step = 1e-2;
      const check = (array: Float32Array, analytic: Float32Array, name: string) => {
        for (let k = 0; k < array.length; k++) {
          const saved = array[k]!;
          array[k] = saved + step;
          const up = objective(layer, x);
          array[k] = saved - step;
          const down = objective(layer, x);
          array[k] = saved;
          // float32 forward passes: the difference quotient is good to ~1e-4 here.
          near(analytic[k]!, (up - down) / (2 * step), 5e-4, `${name}[${k}]`);
        }
      };
      check(layer.kernel, grads.kernel, 'kernel');
      check(layer.recurrentKernel, grads.recurrentKernel, 'recurrentKernel');
      check(layer.bias, grads.bias, 'bias');
      check(x, grads.x, 'x');
    });
  }
});

describe('cellMathScript (what the WASM shard worker runs, rebuilt from source text)', () => {
  // A fresh context, as in the worker: a function missing from CELL_MATH_FUNCTIONS, or one reading anything
  // outside the module, fails here, whatever the backend and the number of cores.
  const rebuilt = runInNewContext(`${cellMathScript()}\ncellMath;`) as { layerForward: typeof layerForward; layerOutput: typeof layerOutput; layerBackward: typeof layerBackward };
  const random = createRandom(29);
  const values = (n: number) => Float32Array.from({ length: n }, () => random() - 0.5);
  // Typed arrays made in the other context have another prototype; compare their numbers.
  const numbers = (record: object) => Object.fromEntries(Object.entries(record).map(([key, value]) => [key, ArrayBuffer.isView(value) ? Array.from(value as Float32Array) : value]));

  for (const cell of ['gru', 'lstm'] as const) {
    for (const returnSequences of [false, true]) {
      it(`${cell}, ${returnSequences ? 'sequence' : 'last-state'} output: the same trace, output and gradients as the module's own functions`, () => {
        const width = (cell === 'gru' ? 3 : 4) * 3;
        const layer: LayerValues = { cell, kernel: values(2 * width), recurrentKernel: values(3 * width), bias: values(width), inputSize: 2, units: 3 };
        const x = values(4 * 5 * 2);
        const dy = values(returnSequences ? 4 * 5 * 3 : 4 * 3);
        const run = (fns: typeof rebuilt) => {
          const trace = fns.layerForward(layer, x, 4, 5, product);
          const output = fns.layerOutput(trace, 3, returnSequences);
          return { trace: numbers(trace), output: Array.from(output), grads: numbers(fns.layerBackward(layer, trace, dy, returnSequences, product)) };
        };
        assert.deepEqual(run(rebuilt), run({ layerForward, layerOutput, layerBackward }));
      });
    }
  }
});
