/**
 * Where a training step of the compiled GRU/LSTM goes, outside the cell loops (bench/results/rnn-speed-lstm.md):
 * on tfjs-node, every call into libtensorflow's binding in one step, in order, with its wall time (ops, tensors
 * made from and read into JavaScript, tensors deleted); on any backend, a paired A/B of the step as it was before
 * issue 16 (the last layer's state through a backend product and sum for the head, the input's gradient computed)
 * against today's (the head in the same op as the last layer, no input gradient for the first), alternating step by
 * step in one process so that the machine's load falls on both alike.
 *
 *   npx tsx bench/rnn-step-profile.ts [node|wasm] [gru|lstm] [steps]      (the defaults: L 30 × 17, 1 × 64, batch 128)
 */
import * as tf from '@tensorflow/tfjs';
import { FlatAdam } from '../shared/models/recurrent/adam.js';
import { compiledCells } from '../shared/models/recurrent/compiled-cells.js';
import { forwardPass } from '../shared/models/recurrent/forward.js';
import { buildNetwork, type RecurrentNetwork } from '../shared/models/recurrent/network.js';
import { recurrentLayer, setLayerKernel } from '../shared/models/recurrent/recurrent-layer.js';
import { chooseBackend } from '../shared/tf/backend.js';

const [backend = 'node', cell = 'lstm', stepsText = '300'] = process.argv.slice(2);
const steps = Number(stepsText);
await chooseBackend(backend);
setLayerKernel('compiled');
const cells = compiledCells();
if (!cells.ok) throw new Error(`the compiled cell loops are needed: ${cells.why}`);
const [B, L, F, H] = [128, 30, 17, 6];

type Forward = (network: RecurrentNetwork, x: tf.Tensor3D) => tf.Tensor2D;
const before: Forward = (network, x) =>
  tf.add(tf.matMul(recurrentLayer(network.shape.cell, x, network.layers[0]!, false) as tf.Tensor2D, network.head.kernel), network.head.bias);
const today: Forward = (network, x) => forwardPass(network, x);

function trainer(): { network: RecurrentNetwork; adam: FlatAdam } {
  const network = buildNetwork({ cell: cell as 'gru' | 'lstm', inputLength: L, featureCount: F, hiddenSize: 64, numLayers: 1, horizon: H }, 42);
  return { network, adam: new FlatAdam(network.variables, { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, clipNorm: 1 }, cells.ok ? cells.addon : undefined) };
}
const xs = Float32Array.from({ length: B * L * F }, (_, i) => Math.sin(i * 0.37));
const ys = Float32Array.from({ length: B * H }, (_, i) => Math.cos(i * 0.11));

/** One training step as train.ts takes it; its wall time in ms. */
function step({ network, adam }: ReturnType<typeof trainer>, forward: Forward): number {
  const started = performance.now();
  const x = tf.tensor3d(xs, [B, L, F]);
  const y = tf.tensor2d(ys, [B, H]);
  const result = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => tf.losses.meanSquaredError(y, forward(network, x)) as tf.Scalar, network.variables);
    return tf.stack([value, adam.step(network.variables.map((variable) => grads[variable.name]!))]);
  });
  result.dataSync();
  tf.dispose([result, x, y]);
  return performance.now() - started;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!;

// Binding calls (tfjs-node only): the binding's functions are read-only, so the backend gets a stand-in object.
if (tf.getBackend() === 'tensorflow') {
  const kernelBackend = tf.backend() as unknown as { binding: Record<string, unknown> };
  const binding = kernelBackend.binding as Record<string, (...args: unknown[]) => unknown>;
  let calls: { name: string; ms: number }[] | undefined;
  const timed: Record<string, (...args: unknown[]) => unknown> = {};
  for (const name of ['executeOp', 'createTensor', 'tensorDataSync', 'deleteTensor']) {
    timed[name] = (...args) => {
      const started = performance.now();
      const result = binding[name]!.apply(binding, args);
      calls?.push({ name: name === 'executeOp' ? String(args[0]) : name, ms: performance.now() - started });
      return result;
    };
  }
  kernelBackend.binding = new Proxy({}, { get: (_, key: string) => timed[key] ?? (typeof binding[key] === 'function' ? binding[key]!.bind(binding) : binding[key]) });
  for (const [label, forward] of [['before', before], ['today', today]] as const) {
    const t = trainer();
    for (let i = 0; i < 20; i++) step(t, forward);
    const perStep: { name: string; ms: number }[][] = [];
    for (let i = 0; i < steps; i++) {
      calls = [];
      step(t, forward);
      perStep.push(calls);
    }
    calls = undefined;
    const total = median(perStep.map((c) => c.reduce((sum, call) => sum + call.ms, 0)));
    const first = perStep.map((c) => c[0]!.ms);
    console.log(`${label}: ${perStep[0]!.length} binding calls per step, median ${(total * 1000).toFixed(0)} µs in them; the first after the layer's forward call ${median(first) * 1000 | 0} µs (median); one step: ${perStep[perStep.length - 1]!.map((c) => `${c.name} ${(c.ms * 1000).toFixed(0)}`).join(', ')}`);
  }
}

// Paired A/B, alternating which goes first.
const a = trainer();
const b = trainer();
for (let i = 0; i < 20; i++) {
  step(a, before);
  step(b, today);
}
const times = { before: [] as number[], today: [] as number[], ratio: [] as number[] };
for (let i = 0; i < steps; i++) {
  const [first, second] = i % 2 === 0 ? [step(a, before), step(b, today)] : [step(b, today), step(a, before)].reverse();
  times.before.push(first!);
  times.today.push(second!);
  times.ratio.push(second! / first!);
}
console.log(
  `${backend} ${cell}, ${cells.threads} thread(s), ${steps} step pairs: before ${median(times.before).toFixed(2)} ms/step, today ${median(times.today).toFixed(2)} ms/step (medians); today/before per pair: median ${median(times.ratio).toFixed(3)}`,
);
