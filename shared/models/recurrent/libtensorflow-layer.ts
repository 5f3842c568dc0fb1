/**
 * A whole GRU/LSTM layer on libtensorflow's own fused CPU kernels, called through the tfjs-node binding, as one
 * TensorFlow.js op with its own gradient (layer-op.ts): the LSTM is one `BlockLSTM` op forward and one
 * `BlockLSTMGrad` op backward for the whole sequence; the GRU is one `GRUBlockCell` op per time step forward and one
 * `GRUBlockCellGrad` per step backward, with the weight gradients as two products over all steps.
 *
 * Porting note: TensorFlow's block kernels lay the weights out differently from tfjs-layers/Keras, so the layer's
 * variables are re-sliced on the way in and the gradients on the way out:
 *   - GRU: Keras kernel/recurrent columns [z | r | ĥ]; GRUBlockCell takes [x, h] stacked by rows, w_ru = [r | u]
 *     (u is Keras's z) and w_c = ĥ. Same equations (reset gate before the recurrent product; h' = u⊙h + (1−u)⊙c).
 *   - LSTM: Keras columns [i | f | c | o]; BlockLSTM [i | c | f | o] over [x, h]. Its forget_bias is set to 0 (the
 *     bias variable carries Keras's unit forget bias already), cell clipping off, no peepholes.
 *
 * Not done here, and why: splitting the batch with a worker thread that has its own tfjs-node (as cell-loop-layer.ts
 * does on WASM) was measured: +15 % on the upstream LSTM, none on the upstream GRU, and 1.5× slower at the default
 * size (1 × 64 units, batch 128), where each half still pays every op's fixed cost (bench/results/rnn-speed.md).
 */
import * as tf from '@tensorflow/tfjs';
import type { CellType } from './hyperparameters.js';
import { applyLayerOp } from './layer-op.js';
import type { RecurrentLayerWeights } from './network.js';

/** One layer's forward result: its output and the tensors its backward pass needs. */
interface NativeForward {
  value: tf.Tensor;
  saved: tf.Tensor[];
}

/** Gradients with respect to x, kernel, recurrent kernel and bias. */
type NativeGradients = [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];

/** The parts of tfjs-node's backend used here (tfjs-node 4.22, nodejs_kernel_backend.js). */
interface NativeBackend {
  binding: {
    TF_FLOAT: number;
    TF_INT64: number;
    TF_ATTR_TYPE: number;
    TF_ATTR_FLOAT: number;
    TF_ATTR_BOOL: number;
    createTensor(shape: number[], dtype: number, values: Int32Array): number;
    deleteTensor(id: number): void;
    executeOp(name: string, attrs: { name: string; type: number; value: number | boolean }[], inputIds: number[], outputs: number): unknown[];
  };
  getInputTensorIds(tensors: tf.Tensor[]): number[];
  createOutputTensor(metadata: unknown): tf.Tensor;
}

/** True when the active backend is tfjs-node's and exposes the binding calls `execute` uses. */
export function libtensorflowLayerAvailable(): boolean {
  if (tf.getBackend() !== 'tensorflow') return false;
  const backend = tf.backend() as unknown as Partial<NativeBackend>;
  return typeof backend.binding?.executeOp === 'function' && typeof backend.getInputTensorIds === 'function' && typeof backend.createOutputTensor === 'function';
}

/** Same contract as referenceLayer: (batch, L, inputs) → (batch, L, units) or (batch, units). */
export function libtensorflowLayer(cell: CellType, x: tf.Tensor3D, weights: RecurrentLayerWeights, returnSequences: boolean): tf.Tensor {
  const forward = cell === 'gru' ? gruForward : lstmForward;
  const backward = cell === 'gru' ? gruBackward : lstmBackward;
  return applyLayerOp(
    (x, kernel, recurrentKernel, bias, save) => {
      const steps = x.shape[1];
      const { value, saved } = forward(x, kernel, recurrentKernel, bias, returnSequences);
      save(saved);
      return { value, gradFunc: (dy, kept) => backward(kept, dy, steps, returnSequences) };
    },
    x,
    weights,
  );
}

/**
 * Runs TensorFlow op `name` (attribute T = float32, plus `attrs` as [name, kind, value]) on `inputs`: tensors, or
 * an int64 scalar given as {int64}. Returns its outputs as tfjs tensors.
 */
function execute(name: string, attrs: [string, 'float' | 'bool', number | boolean][], inputs: (tf.Tensor | { int64: number })[], outputs: number): tf.Tensor[] {
  const backend = tf.backend() as unknown as NativeBackend;
  const { binding } = backend;
  const temporary: number[] = [];
  const ids = inputs.map((input) => {
    if (input instanceof tf.Tensor) return backend.getInputTensorIds([input])[0]!;
    // tfjs has no int64 tensors; two int32 words, little-endian (what tfjs-node's own Int64Scalar does).
    const id = binding.createTensor([], binding.TF_INT64, new Int32Array([input.int64, 0]));
    temporary.push(id);
    return id;
  });
  const opAttrs = [
    { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
    ...attrs.map(([attr, kind, value]) => ({ name: attr, type: kind === 'float' ? binding.TF_ATTR_FLOAT : binding.TF_ATTR_BOOL, value })),
  ];
  try {
    return binding.executeOp(name, opAttrs, ids, outputs).map((m) => backend.createOutputTensor(m));
  } finally {
    for (const id of temporary) binding.deleteTensor(id);
  }
}

/** Column indices taking blocks `blocks` (each `units` wide, by block number) in that order. */
function columnOrder(units: number, blocks: number[]): Int32Array {
  return Int32Array.from(blocks.flatMap((block) => Array.from({ length: units }, (_, j) => block * units + j)));
}

/** GRU over x (batch, L, F) → (batch, L, u) or (batch, u). */
function gruForward(x: tf.Tensor, kernel: tf.Tensor, recurrentKernel: tf.Tensor, bias: tf.Tensor, returnSequences: boolean): NativeForward {
  const [batch, steps] = x.shape as [number, number, number];
  const u = recurrentKernel.shape[0]!;
  // [x, h] stacked by rows, columns reordered from Keras's [z | r | ĥ] to GRUBlockCell's [r | u] and c.
  const weights = tf.concat([kernel, recurrentKernel], 0);
  const ru = tf.tensor1d(columnOrder(u, [1, 0]), 'int32');
  const wRU = tf.gather(weights, ru, 1);
  const wC = tf.slice(weights, [0, 2 * u], [-1, u]);
  const bRU = tf.gather(bias, ru);
  const bC = tf.slice(bias, [2 * u], [u]);
  const xs = tf.unstack(tf.transpose(x, [1, 0, 2]));
  let h: tf.Tensor = tf.zeros([batch, u]);
  const hs: tf.Tensor[] = [h];
  const rs: tf.Tensor[] = [];
  const us: tf.Tensor[] = [];
  const cs: tf.Tensor[] = [];
  for (let t = 0; t < steps; t++) {
    const [r, update, c, hNext] = execute('GRUBlockCell', [], [xs[t]!, h, wRU, wC, bRU, bC], 4);
    rs.push(r!);
    us.push(update!);
    cs.push(c!);
    hs.push(hNext!);
    h = hNext!;
  }
  return { value: returnSequences ? tf.stack(hs.slice(1), 1) : h, saved: [...xs, ...hs, ...rs, ...us, ...cs, wRU, wC, bRU, bC] };
}

/** Gradients of gruForward given dy (its value's shape) and its `saved` tensors (not disposed here). */
function gruBackward(saved: tf.Tensor[], dy: tf.Tensor, steps: number, returnSequences: boolean): NativeGradients {
  const rest = [...saved];
  const take = (n: number) => rest.splice(0, n);
  const [sx, sh, sr, su, sc] = [take(steps), take(steps + 1), take(steps), take(steps), take(steps)];
  const [wRU, wC, bRU, bC] = rest;
  const [batch, inputSize] = sx[0]!.shape as [number, number];
  const u = sh[0]!.shape[1]!;
  const dys = returnSequences ? tf.unstack(tf.transpose(dy, [1, 0, 2])) : undefined;
  let dh: tf.Tensor = dys ? dys[steps - 1]! : dy;
  const dxs: tf.Tensor[] = new Array(steps);
  const dRUs: tf.Tensor[] = new Array(steps);
  const dCs: tf.Tensor[] = new Array(steps);
  for (let t = steps - 1; t >= 0; t--) {
    // Outputs: d_x, d_h_prev, d_c_bar, d_r_bar_u_bar (TF 2.9's op order).
    const [dx, dhPrev, dC, dRU] = execute('GRUBlockCellGrad', [], [sx[t]!, sh[t]!, wRU!, wC!, bRU!, bC!, sr[t]!, su[t]!, sc[t]!, dh], 4);
    dxs[t] = dx!;
    dRUs[t] = dRU!;
    dCs[t] = dC!;
    dh = dys && t > 0 ? tf.add(dhPrev!, dys[t - 1]!) : dhPrev!;
  }
  // Weight gradients over all steps at once: [x, h_{t−1}]ᵀ·d(r̄, ū) and [x, r ⊙ h_{t−1}]ᵀ·d(c̄).
  const rows = steps * batch;
  const xFlat = tf.reshape(tf.stack(sx), [rows, inputSize]);
  const hPrev = tf.reshape(tf.stack(sh.slice(0, steps)), [rows, u]);
  const rFlat = tf.reshape(tf.stack(sr), [rows, u]);
  const dRU = tf.reshape(tf.stack(dRUs), [rows, 2 * u]);
  const dC = tf.reshape(tf.stack(dCs), [rows, u]);
  const dWRU = tf.matMul(tf.concat([xFlat, hPrev], 1), dRU, true, false);
  const dWC = tf.matMul(tf.concat([xFlat, tf.mul(rFlat, hPrev)], 1), dC, true, false);
  // Back from [r | u | c] to Keras's [z | r | ĥ].
  const zrh = tf.tensor1d(columnOrder(u, [1, 0, 2]), 'int32');
  const [dKernel, dRecurrent] = tf.split(tf.gather(tf.concat([dWRU, dWC], 1), zrh, 1), [inputSize, u], 0);
  const dBias = tf.gather(tf.concat([tf.sum(dRU, 0), tf.sum(dC, 0)]), zrh);
  return [tf.transpose(tf.stack(dxs), [1, 0, 2]), dKernel!, dRecurrent!, dBias];
}

/** Keras [i | f | c | o] ↔ BlockLSTM [i | c | f | o] along `axis` (the permutation is its own inverse). */
function swapForgetAndCell(t: tf.Tensor, axis: number): tf.Tensor {
  const [i, f, c, o] = tf.split(t, 4, axis);
  return tf.concat([i!, c!, f!, o!], axis);
}

/** LSTM over x (batch, L, F) → (batch, L, u) or (batch, u). */
function lstmForward(x: tf.Tensor, kernel: tf.Tensor, recurrentKernel: tf.Tensor, bias: tf.Tensor, returnSequences: boolean): NativeForward {
  const [batch, steps] = x.shape as [number, number, number];
  const u = recurrentKernel.shape[0]!;
  const xt = tf.transpose(x, [1, 0, 2]);
  const w = swapForgetAndCell(tf.concat([kernel, recurrentKernel], 0), 1);
  const b = swapForgetAndCell(bias, 0);
  const state = tf.zeros([batch, u]);
  const peephole = tf.zeros([u]);
  const attrs: [string, 'float' | 'bool', number | boolean][] = [['forget_bias', 'float', 0], ['cell_clip', 'float', -1], ['use_peephole', 'bool', false]];
  const outputs = execute('BlockLSTM', attrs, [{ int64: steps }, xt, state, state, w, peephole, peephole, peephole, b], 7);
  const h = outputs[6]!;
  const value = returnSequences ? tf.transpose(h, [1, 0, 2]) : tf.reshape(tf.slice(h, [steps - 1, 0, 0], [1, batch, u]), [batch, u]);
  return { value, saved: [xt, state, peephole, w, b, ...outputs] };
}

/** Gradients of lstmForward given dy and its `saved` tensors (not disposed here). */
function lstmBackward(saved: tf.Tensor[], dy: tf.Tensor, steps: number, returnSequences: boolean): NativeGradients {
  const [sx, sState, sPeephole, sw, sb, ...forward] = saved;
  const [, batch, inputSize] = sx!.shape as [number, number, number];
  const u = sState!.shape[1]!;
  const hGrad = returnSequences ? tf.transpose(dy, [1, 0, 2]) : tf.concat([tf.zeros([steps - 1, batch, u]), tf.reshape(dy, [1, batch, u])], 0);
  const grads = execute(
    'BlockLSTMGrad',
    [['use_peephole', 'bool', false]],
    [{ int64: steps }, sx!, sState!, sState!, sw!, sPeephole!, sPeephole!, sPeephole!, sb!, ...forward, tf.zerosLike(hGrad), hGrad],
    8,
  );
  const [dKernel, dRecurrent] = tf.split(swapForgetAndCell(grads[3]!, 1), [inputSize, u], 0);
  return [tf.transpose(grads[0]!, [1, 0, 2]), dKernel!, dRecurrent!, swapForgetAndCell(grads[7]!, 0)];
}
