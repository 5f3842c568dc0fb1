import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { forwardPass } from '../../../shared/models/recurrent/forward.js';
import { buildNetwork, type RecurrentNetwork } from '../../../shared/models/recurrent/network.js';
import { kernelFromEnvironment, setLayerKernel, type LayerKernel } from '../../../shared/models/recurrent/recurrent-layer.js';
import { MIN_SPLIT } from '../../../shared/models/recurrent/cell-loop-layer.js';
import { shardWorker, shardWorkerStatus } from '../../../shared/models/recurrent/shard-worker.js';
import { compiledCells } from '../../../shared/models/recurrent/compiled-cells.js';
import { availableParallelism } from 'node:os';
import { chooseBackend, type BackendChoice } from '../../../shared/tf/backend.js';

/**
 * The one-op layer kernels (recurrent-layer.ts) against the plain tfjs-layers GRU/LSTM (the saved model's own implementation) and the
 * reference tfjs-ops layers, on the same weights: outputs, MSE loss and the gradient of every weight. Runs on the
 * backend `auto` picks (native where tools/native-tf/install.sh has run; `TFJS_BACKEND=wasm` for the fallback).
 * Tolerance: 2e-6 + 1e-4·|value|, float32 rounding of sums taken in another order (observed ≤ 1e-7).
 */
const TOLERANCE = { absolute: 2e-6, relative: 1e-4 };

let choice: BackendChoice;
before(async () => {
  choice = await chooseBackend();
});
// What the process runs by default: `auto`, or what FLTS_RNN_KERNEL says (npm test's last pass: cell-loop).
const defaultKernel = kernelFromEnvironment(process.env);
after(() => setLayerKernel(defaultKernel));

interface Result {
  output: Float32Array;
  loss: number;
  grads: Record<string, Float32Array>;
}

/** Output, loss and weight gradients of `network` on (x, y), computed by `run` (x ↦ forecasts). */
function evaluate(network: RecurrentNetwork, x: tf.Tensor3D, y: tf.Tensor2D, run: (x: tf.Tensor3D) => tf.Tensor): Result {
  const output = tf.tidy(() => run(x).dataSync() as Float32Array);
  const { value, grads } = tf.variableGrads(() => tf.losses.meanSquaredError(y, run(x)) as tf.Scalar, network.variables);
  const result = { output, loss: value.dataSync()[0]!, grads: Object.fromEntries(Object.entries(grads).map(([name, g]) => [name, g.dataSync() as Float32Array])) };
  tf.dispose([value, ...Object.values(grads)]);
  return result;
}

function withKernel(kernel: LayerKernel): (network: RecurrentNetwork) => (x: tf.Tensor3D) => tf.Tensor {
  return (network) => (x) => {
    setLayerKernel(kernel);
    return forwardPass(network, x);
  };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const bound = TOLERANCE.absolute + TOLERANCE.relative * Math.abs(expected[i]!);
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= bound, `${what}[${i}]: ${actual[i]} vs ${expected[i]} (bound ${bound})`);
  }
}

function assertSame(actual: Result, expected: Result, label: string): void {
  assertClose(actual.output, expected.output, `${label} output`);
  assertClose([actual.loss], [expected.loss], `${label} loss`);
  assert.deepEqual(Object.keys(actual.grads).sort(), Object.keys(expected.grads).sort());
  for (const name of Object.keys(expected.grads)) assertClose(actual.grads[name]!, expected.grads[name]!, `${label} d/d${name}`);
}

describe('the recurrent layer kernels', () => {
  for (const cell of ['gru', 'lstm'] as const) {
    for (const numLayers of [1, 2]) {
      describe(`${cell}, ${numLayers} layer${numLayers > 1 ? 's' : ''} (9 windows × 5 steps × 3 features, 6 units, horizon 4; on WASM split 4 + 5 over two threads)`, () => {
        let network: RecurrentNetwork;
        let x: tf.Tensor3D;
        let y: tf.Tensor2D;
        before(() => {
          network = buildNetwork({ cell, inputLength: 5, featureCount: 3, hiddenSize: 6, numLayers, horizon: 4 }, 3);
          x = tf.randomNormal([9, 5, 3], 0, 1, 'float32', 9) as tf.Tensor3D;
          y = tf.randomNormal([9, 4], 0, 1, 'float32', 10) as tf.Tensor2D;
        });
        after(() => {
          tf.dispose([x, y]);
          network.model.dispose();
        });
        // What a saved model computes: the tfjs-layers model itself, differentiated by tfjs.
        const layers = () => evaluate(network, x, y, (input) => network.model.apply(input, { training: true }) as tf.Tensor);

        it("compute the tfjs-layers model's output, loss and every weight gradient (the default kernel for the active backend)", () => {
          assertSame(evaluate(network, x, y, withKernel(defaultKernel)(network)), layers(), `${choice.backend} ${defaultKernel}`);
        });

        it('the compiled cell loops compute them too (C++ over Eigen, the default wherever they were built)', (t) => {
          const cells = compiledCells();
          if (!cells.ok) return t.skip(`compiled cell loops unavailable: ${cells.why}`);
          assertSame(evaluate(network, x, y, withKernel('compiled')(network)), layers(), `${choice.backend} compiled`);
        });

        it("libtensorflow's block kernels compute them too (native backend only)", (t) => {
          if (choice.backend === 'wasm' || choice.backend === 'cpu') return t.skip(`backend ${choice.backend}: libtensorflow is not loaded`);
          assertSame(evaluate(network, x, y, withKernel('libtensorflow')(network)), layers(), `${choice.backend} libtensorflow`);
        });

        it('the JavaScript cell loops compute them too (the fallback without the compiled ones, here on the active backend)', () => {
          assertSame(evaluate(network, x, y, withKernel('cell-loop')(network)), layers(), `${choice.backend} cell-loop`);
        });

        it('the reference tfjs-ops layers (the implementation before the one-op kernels) agree with both', () => {
          assertSame(evaluate(network, x, y, withKernel('reference')(network)), layers(), `${choice.backend} reference`);
        });

        it('leave no tensor behind', () => {
          const before = tf.memory().numTensors;
          for (const kernel of ['auto', 'cell-loop', 'reference'] as const) evaluate(network, x, y, withKernel(kernel)(network));
          assert.equal(tf.memory().numTensors, before);
        });
      });
    }
  }

  it('give each window the same forecast alone or in a batch (no mixing across the batch or its halves)', () => {
    setLayerKernel(defaultKernel);
    const network = buildNetwork({ cell: 'gru', inputLength: 4, featureCount: 2, hiddenSize: 5, numLayers: 2, horizon: 1 }, 4);
    const x = tf.randomNormal([9, 4, 2], 0, 1, 'float32', 5) as tf.Tensor3D;
    const all = tf.tidy(() => forwardPass(network, x).dataSync());
    for (const window of [1, 6]) {
      const alone = tf.tidy(() => forwardPass(network, tf.slice(x, [window, 0, 0], [1, 4, 2])).dataSync());
      assertClose(alone, [all[window]!], `window ${window}`);
    }
    x.dispose();
    network.model.dispose();
  });

  it(`on WASM, the JavaScript cell loops run batches of ${MIN_SPLIT} windows or more on two threads, smaller ones on this thread`, (t) => {
    if (choice.backend !== 'wasm') return t.skip(`backend ${choice.backend}: the cell loops split batches over a worker on WASM only`);
    if (availableParallelism() < 2) return t.skip('one CPU');
    const worker = shardWorker();
    assert.ok(worker !== undefined, `the shard worker did not start: ${JSON.stringify(shardWorkerStatus())}`);
    const network = buildNetwork({ cell: 'lstm', inputLength: 4, featureCount: 2, hiddenSize: 5, numLayers: 2, horizon: 1 }, 4);
    const requestsFor = (windows: number) => {
      const x = tf.randomNormal([windows, 4, 2], 0, 1, 'float32', 6) as tf.Tensor3D;
      const y = tf.zeros([windows, 1]) as tf.Tensor2D;
      const before = worker.requests;
      evaluate(network, x, y, withKernel('cell-loop')(network));
      tf.dispose([x, y]);
      return worker.requests - before;
    };
    // evaluate: one forward pass for the output, then forward + backward for the gradients, per layer.
    assert.equal(requestsFor(MIN_SPLIT), 3 * 2);
    assert.equal(requestsFor(MIN_SPLIT - 1), 0);
    assert.deepEqual(shardWorkerStatus(), { state: 'running', requests: worker.requests });
    network.model.dispose();
  });
});
