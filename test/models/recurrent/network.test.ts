import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { forwardPass } from '../../../shared/models/recurrent/forward.js';
import { blendWithLinear, buildNetwork, networkFromModel, parameterCount, type NetworkShape } from '../../../shared/models/recurrent/network.js';
import { chooseBackend } from '../../../shared/tf/backend.js';

const shape = (overrides: Partial<NetworkShape>): NetworkShape => ({ cell: 'gru', inputLength: 5, featureCount: 3, hiddenSize: 6, numLayers: 2, horizon: 4, ...overrides });

before(async () => {
  await chooseBackend();
});

describe('the recurrent network', () => {
  for (const cell of ['gru', 'lstm'] as const) {
    it(`${cell}: the fast forward pass computes what the tfjs-layers model (the saved format) computes`, () => {
      const network = buildNetwork(shape({ cell }), 3);
      const windows = tf.randomNormal([7, 5, 3], 0, 1, 'float32', 9) as tf.Tensor3D;
      const expected = tf.tidy(() => (network.model.predict(windows) as tf.Tensor).dataSync());
      const actual = tf.tidy(() => forwardPass(network, windows).dataSync());
      assert.equal(actual.length, 7 * 4);
      // float32 rounding differs in the order of operations only.
      for (let i = 0; i < actual.length; i++) assert.ok(Math.abs(actual[i]! - expected[i]!) < 1e-5, `output ${i}: ${actual[i]} vs ${expected[i]}`);
      tf.dispose(windows);
      network.model.dispose();
    });
  }

  it('with the linear highway: the fast forward pass computes what the saved model computes; the highway is saved but not trained', () => {
    const network = buildNetwork(shape({ highway: true }), 3);
    // Give the highway weights of its own, so that the test sees it work.
    tf.tidy(() => {
      network.highway!.kernel.assign(tf.randomNormal([15, 4], 0, 0.3, 'float32', 4));
      network.highway!.bias.assign(tf.tensor1d([0.1, -0.2, 0.3, 0]));
    });
    const windows = tf.randomNormal([7, 5, 3], 0, 1, 'float32', 9) as tf.Tensor3D;
    const expected = tf.tidy(() => (network.model.predict(windows) as tf.Tensor).dataSync());
    const actual = tf.tidy(() => forwardPass(network, windows).dataSync());
    for (let i = 0; i < actual.length; i++) assert.ok(Math.abs(actual[i]! - expected[i]!) < 1e-5, `output ${i}: ${actual[i]} vs ${expected[i]}`);
    const plain = buildNetwork(shape({}), 3);
    assert.equal(parameterCount(network), parameterCount(plain), 'the highway is not among the trained variables');
    assert.equal(network.model.countParams() - plain.model.countParams(), 5 * 3 * 4 + 4, 'but it is part of the saved model');
    assert.equal(networkFromModel(network.model).shape.highway, true, 'a loaded model is recognised as having it');
    tf.dispose(windows);
    network.model.dispose();
    plain.model.dispose();
  });

  it('blended with the linear autoregression, step h forecasts share·recurrent + (1 − share)·linear', () => {
    const network = buildNetwork(shape({ highway: true, featureCount: 2 }), 3);
    const lags = 3;
    const weights = Float64Array.from({ length: (lags + 1) * 4 }, (_, k) => ((k % 7) - 3) / 10);
    const values = Float32Array.from({ length: 2 * 5 * 2 }, (_, k) => Math.sin(k));
    const windows = tf.tensor3d(values, [2, 5, 2]);
    const recurrent = tf.tidy(() => forwardPass(network, windows).dataSync());
    const share = [1, 0.75, 0.5, 0];
    // The ridge on the target's (feature 1's) last 3 values as a map of the whole window (5 steps × 2 features).
    const kernel = new Float64Array(5 * 2 * 4);
    for (let k = 0; k < lags; k++) for (let h = 0; h < 4; h++) kernel[((5 - lags + k) * 2 + 1) * 4 + h] = weights[k * 4 + h]!;
    blendWithLinear(network, { kernel, bias: weights.slice(lags * 4) }, share);
    const blended = tf.tidy(() => forwardPass(network, windows).dataSync());
    for (let b = 0; b < 2; b++) {
      for (let h = 0; h < 4; h++) {
        let linear = weights[lags * 4 + h]!;
        for (let k = 0; k < lags; k++) linear += weights[k * 4 + h]! * values[b * 10 + (5 - lags + k) * 2 + 1]!;
        const expected = share[h]! * recurrent[b * 4 + h]! + (1 - share[h]!) * linear;
        assert.ok(Math.abs(blended[b * 4 + h]! - expected) < 1e-5, `window ${b}, step ${h + 1}: ${blended[b * 4 + h]} vs ${expected}`);
      }
    }
    tf.dispose(windows);
    network.model.dispose();
  });

  it('has Keras\'s parameter count: GRU 3·(F·U + U² + U) per layer, plus the head U·H + H', () => {
    // F = 17 features, U = 64 units, H = 6: 3·(1088 + 4096 + 64) + 384 + 6.
    const network = buildNetwork(shape({ featureCount: 17, hiddenSize: 64, numLayers: 1, horizon: 6 }), 1);
    assert.equal(parameterCount(network), 16_134);
    assert.equal(network.model.countParams(), 16_134);
    network.model.dispose();
  });

  it('LSTM: 4·(F·U + U² + U) for the first layer, 4·(2U² + U) for the next', () => {
    const network = buildNetwork(shape({ cell: 'lstm', featureCount: 17, hiddenSize: 64, numLayers: 2, horizon: 6 }), 1);
    assert.equal(parameterCount(network), 4 * 5248 + 4 * 8256 + 390);
    network.model.dispose();
  });

  describe('initial weights', () => {
    it('are the same for the same seed and differ for another', () => {
      const [a, b, c] = [7, 7, 8].map((seed) => buildNetwork(shape({}), seed));
      assert.deepEqual(a!.layers[0]!.kernel.dataSync(), b!.layers[0]!.kernel.dataSync());
      assert.notDeepEqual(a!.layers[0]!.kernel.dataSync(), c!.layers[0]!.kernel.dataSync());
      [a, b, c].forEach((network) => network!.model.dispose());
    });

    it('start the recurrent kernel with orthonormal rows (Keras\'s Orthogonal)', () => {
      const network = buildNetwork(shape({ hiddenSize: 6 }), 5);
      const product = tf.tidy(() => tf.matMul(network.layers[0]!.recurrentKernel, network.layers[0]!.recurrentKernel, false, true).sub(tf.eye(6)).abs().max().dataSync()[0]!);
      assert.ok(product < 1e-5, `max |U·Uᵀ − I| = ${product}`);
      network.model.dispose();
    });

    it('give the LSTM forget gate a bias of 1 and every other bias 0', () => {
      const network = buildNetwork(shape({ cell: 'lstm', hiddenSize: 2 }), 5);
      assert.deepEqual(Array.from(network.layers[0]!.bias.dataSync()), [0, 0, 1, 1, 0, 0, 0, 0]);
      network.model.dispose();
    });
  });

  it('records the logistic sigmoid as recurrent activation (tfjs-layers would default to hard sigmoid)', () => {
    const network = buildNetwork(shape({}), 1);
    assert.equal((network.model.layers[1]!.getConfig() as { recurrentActivation: string }).recurrentActivation, 'sigmoid');
    network.model.dispose();
  });

  it('refuses to treat another kind of model as a recurrent forecaster', () => {
    const input = tf.input({ shape: [4] });
    const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 1 }).apply(input) as tf.SymbolicTensor });
    assert.throws(() => networkFromModel(model), {
      name: 'ModelStateError',
      message: 'Not a recurrent forecaster: expected stacked GRU or LSTM layers and one Dense head (and optionally a linear highway); got InputLayer, Dense.',
    });
    model.dispose();
  });
});
