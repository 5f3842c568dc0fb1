import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chooseBackend } from '../../shared/tf/backend.js';
import { setWasmPretranspose, wasmPretransposeOn } from '../../shared/tf/wasm-matmul.js';

describe('the WASM matrix product with a transposed operand', () => {
  before(async () => {
    await chooseBackend('wasm');
  });
  after(() => setWasmPretranspose(true));

  it('is wrapped as soon as the WASM backend starts', () => {
    assert.equal(wasmPretransposeOn(), true);
  });

  it('gives the products of explicitly transposed operands, for aᵀ·b, a·bᵀ and a batch, to float32 rounding', () => {
    const a = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 1);
    const b = tf.randomNormal([2, 5, 4], 0, 1, 'float32', 2);
    const c = tf.randomNormal([2, 4, 3], 0, 1, 'float32', 3);
    const cases: [tf.Tensor, tf.Tensor][] = [
      [tf.matMul(a, b, true, false), tf.matMul(tf.transpose(a, [0, 2, 1]), b)],
      [tf.matMul(a, c, false, true), tf.matMul(a, tf.transpose(c, [0, 2, 1]))],
    ];
    setWasmPretranspose(false);
    const unwrapped = tf.matMul(a, b, true, false);
    for (const [wrapped, explicit] of [...cases, [unwrapped, cases[0]![1]] as [tf.Tensor, tf.Tensor]]) {
      const [x, y] = [wrapped.dataSync(), explicit.dataSync()];
      x.forEach((value, i) => assert.ok(Math.abs(value - y[i]!) < 1e-5, `${value} vs ${y[i]}`));
    }
    assert.equal(wasmPretransposeOn(), false);
    tf.dispose([a, b, c, unwrapped, ...cases.flat()]);
  });
});
