import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { clipByGlobalNorm } from './clip.js';
import { chooseBackend } from '../../../shared/tf/backend.js';

before(async () => {
  await chooseBackend();
});

/** Gradients (3) and (4, 0): global norm √(9 + 16) = 5. */
const run = (clipNorm: number) =>
  tf.tidy(() => {
    const { grads, norm } = clipByGlobalNorm({ a: tf.tensor1d([3]), b: tf.tensor1d([4, 0]) }, clipNorm);
    return { a: Array.from(grads['a']!.dataSync()), b: Array.from(grads['b']!.dataSync()), norm: norm.dataSync()[0] };
  });

describe('clipByGlobalNorm', () => {
  it('scales every gradient by clipNorm / norm when the norm is larger: 1/5 of (3), (4, 0)', () => {
    const { a, b, norm } = run(1);
    assert.equal(norm, 5);
    assert.ok(Math.abs(a[0]! - 0.6) < 1e-7 && Math.abs(b[0]! - 0.8) < 1e-7 && b[1] === 0, `${a} ${b}`);
  });

  it('leaves gradients within the bound unchanged', () => {
    assert.deepEqual(run(10), { a: [3], b: [4, 0], norm: 5 });
  });

  it('is off at clipNorm 0 but still reports the norm', () => {
    assert.deepEqual(run(0), { a: [3], b: [4, 0], norm: 5 });
  });
});
