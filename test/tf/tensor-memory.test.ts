import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { chooseBackend, type BackendChoice } from '../../shared/tf/backend.js';
import { produceTensors, readFloats } from '../../shared/tf/tensor-memory.js';

/**
 * Tensor values for the compiled cell loops without copies where the backend allows (WASM: views of its heap), on
 * the backend `auto` picks; `npm test` runs this file again with TFJS_BACKEND=wasm.
 */
let choice: BackendChoice;
before(async () => {
  choice = await chooseBackend();
});

describe('tensor memory', () => {
  it("reads a tensor's float32 values", () => {
    const tensor = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(Array.from(readFloats(tensor)), [1, 2, 3, 4, 5, 6]);
    tensor.dispose();
  });

  it('makes tensors of the given shapes from what the callback writes, and the callback can read its inputs', () => {
    const input = tf.tensor1d([1, 2, 3, 4]);
    const [doubled, total] = produceTensors([[2, 2], [1]], ([out, sum]) => {
      const values = readFloats(input);
      values.forEach((v, i) => (out![i] = 2 * v));
      sum![0] = values.reduce((a, b) => a + b, 0);
    });
    assert.deepEqual(doubled!.shape, [2, 2]);
    assert.deepEqual(Array.from(doubled!.dataSync()), [2, 4, 6, 8]);
    assert.deepEqual(Array.from(total!.dataSync()), [10]);
    // The new tensors are ordinary ones: they compute and are disposed as any other.
    assert.deepEqual(Array.from(tf.add(doubled!, 1).dataSync()), [3, 5, 7, 9]);
    tf.dispose([input, doubled!, total!]);
  });

  it("on WASM writes into the tensors' own memory, elsewhere into new arrays", () => {
    let given: Float32Array | undefined;
    const [tensor] = produceTensors([[3]], ([out]) => {
      given = out!;
      out!.set([7, 8, 9]);
    });
    if (choice.backend === 'wasm') {
      const own = readFloats(tensor!);
      assert.equal(own.buffer, given!.buffer, 'the same heap as the tensor reads from');
      assert.equal(own.byteOffset, given!.byteOffset, 'at the same place in it');
    }
    else assert.equal(given!.buffer.byteLength, 12, 'an array of its own');
    assert.deepEqual(Array.from(tensor!.dataSync()), [7, 8, 9]);
    tensor!.dispose();
  });

  it('frees what it allocated when the callback throws (on WASM, where the memory exists before the callback runs)', () => {
    const before = { ...tf.memory(), dataIds: tf.backend().numDataIds() };
    assert.throws(
      () =>
        produceTensors([[1000], [10]], () => {
          throw new Error('the addon refused');
        }),
      /the addon refused/,
    );
    assert.equal(tf.memory().numTensors, before.numTensors);
    assert.equal(tf.memory().numBytes, before.numBytes);
    assert.equal(tf.backend().numDataIds(), before.dataIds, 'no memory left allocated in the backend');
  });
});
