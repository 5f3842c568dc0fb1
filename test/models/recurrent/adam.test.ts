import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { FlatAdam } from '../../../shared/models/recurrent/adam.js';
import { clipByGlobalNorm } from './clip.js';
import { chooseBackend } from '../../../shared/tf/backend.js';
import { compiledCells } from '../../../shared/models/recurrent/compiled-cells.js';

before(async () => {
  await chooseBackend();
});

const SETTINGS = { learningRate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

/** Weights after three steps on fixed gradients (2, 3) and (4,), by `step` (which gets the variables and the gradients). */
function threeSteps(step: (variables: tf.Variable[], grads: tf.Tensor[], i: number) => void): number[][] {
  const variables = [tf.variable(tf.tensor2d([[1, -1], [0.5, 2], [0, 3]]), true, 'a'), tf.variable(tf.tensor1d([0.1, 0.2, 0.3, 0.4]), true, 'b')];
  for (let i = 0; i < 3; i++) {
    tf.tidy(() => step(variables, [tf.mul(tf.tensor2d([[0.3, -0.2], [1, 0], [-2, 0.5]]), i + 1), tf.tensor1d([0.5, -0.5, 0.25, 0])], i));
  }
  const values = variables.map((v) => Array.from(v.dataSync()));
  tf.dispose(variables);
  return values;
}

const cells = compiledCells();
/** The two ways FlatAdam updates: backend ops, and one call into the compiled cell loops' addon (skipped where absent). */
const IMPLEMENTATIONS = [
  { name: 'in backend ops', addon: undefined, skip: false as const },
  { name: "in the compiled cell loops' addon", addon: cells.ok ? cells.addon : undefined, skip: cells.ok ? (false as const) : `compiled cell loops unavailable: ${cells.why}` },
];

describe('FlatAdam', () => {
  for (const { name, addon, skip } of IMPLEMENTATIONS) describe(name, { skip }, () => {
  for (const clipNorm of [0, 1]) {
    it(`updates the weights as tf.train.adam after clipByGlobalNorm (clip ${clipNorm}), changing the rate between steps`, () => {
      const adam = tf.train.adam(SETTINGS.learningRate, SETTINGS.beta1, SETTINGS.beta2, SETTINGS.epsilon);
      const expected = threeSteps((variables, grads, i) => {
        (adam as unknown as { learningRate: number }).learningRate = SETTINGS.learningRate / (i + 1);
        const clipped = clipByGlobalNorm({ a: grads[0]!, b: grads[1]! }, clipNorm).grads;
        adam.applyGradients([{ name: variables[0]!.name, tensor: clipped['a']! }, { name: variables[1]!.name, tensor: clipped['b']! }]);
      });
      adam.dispose();
      let flat: FlatAdam | undefined;
      const actual = threeSteps((variables, grads, i) => {
        flat ??= new FlatAdam(variables, { ...SETTINGS, clipNorm }, addon);
        flat.learningRate = SETTINGS.learningRate / (i + 1);
        flat.step(grads);
      });
      flat!.dispose();
      actual.flat().forEach((value, k) => assert.ok(Math.abs(value - expected.flat()[k]!) <= 1e-6, `weight ${k}: ${value} vs ${expected.flat()[k]}`));
    });
  }

  it('returns the global norm before clipping: √(Σ g²)', () => {
    const variables = [tf.variable(tf.zeros([2])), tf.variable(tf.zeros([1]))];
    const adam = new FlatAdam(variables, { ...SETTINGS, clipNorm: 1 }, addon);
    const norm = tf.tidy(() => adam.step([tf.tensor1d([3, 0]), tf.tensor1d([4])]).dataSync()[0]);
    assert.ok(Math.abs(norm! - 5) < 1e-6);
    adam.dispose();
    tf.dispose(variables);
  });

  it('leaves no tensor behind', () => {
    const variables = [tf.variable(tf.ones([3])), tf.variable(tf.ones([2, 2]))];
    const adam = new FlatAdam(variables, { ...SETTINGS, clipNorm: 1 }, addon);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.tidy(() => {
      adam.step([tf.ones([3]), tf.ones([2, 2])]);
    });
    assert.equal(tf.memory().numTensors, before);
    adam.dispose();
    tf.dispose(variables);
  });
  });
});
