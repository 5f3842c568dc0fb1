// Per-epoch training time of the FLTS RNN shape on one tfjs backend (one backend per process).
//   npx tsx tools/native-tf/bench-gru.ts --backend tensorflow|wasm|cpu [--cell gru|lstm] [--epochs 2]
//       [--windows 4000] [--steps 10] [--features 17] [--units 128] [--layers 2] [--batch 64] [--profile] [--wasm-pretranspose]
// --wasm-pretranspose: the WASM matmul experiment (setWasmPretranspose in common.ts).
// --profile: after training, tf.profile() of one training step (kernel count, kernel ms vs wall ms).
// Adam (lr 1e-3), MSE, shuffled batches, seeded random windows. Prints one JSON line at the end.
// Wall and process CPU seconds per epoch (CPU time is less distorted by other load on a shared machine).
import { parseArgs } from 'node:util';
import { buildRnn, forwardFlopsPerWindow, loadNative, seededUniform, setWasmPretranspose, tf, useBackend } from './common.js';
import type { BackendName, RnnConfig } from './common.js';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'tensorflow' },
    cell: { type: 'string', default: 'gru' },
    epochs: { type: 'string', default: '2' },
    windows: { type: 'string', default: '4000' },
    steps: { type: 'string', default: '10' },
    features: { type: 'string', default: '17' },
    units: { type: 'string', default: '128' },
    layers: { type: 'string', default: '2' },
    batch: { type: 'string', default: '64' },
    profile: { type: 'boolean', default: false },
    'wasm-pretranspose': { type: 'boolean', default: false },
  },
});
const backend = values.backend as BackendName;
if (!['tensorflow', 'wasm', 'cpu'].includes(backend)) throw new Error(`--backend must be tensorflow, wasm or cpu`);
const cell = values.cell === 'lstm' ? 'lstm' : 'gru';
const int = (s: string | undefined): number => {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`not a positive integer: ${s}`);
  return n;
};
const cfg: RnnConfig = {
  cell,
  steps: int(values.steps),
  features: int(values.features),
  units: int(values.units),
  layers: int(values.layers),
  outputs: 1,
};
const windows = int(values.windows);
const batch = int(values.batch);
const epochs = int(values.epochs);

let tfVersion = '';
if (backend === 'tensorflow') tfVersion = await loadNative();
let label = await useBackend(backend);
if (values['wasm-pretranspose']) {
  if (backend !== 'wasm') throw new Error('--wasm-pretranspose needs --backend wasm');
  setWasmPretranspose(true);
  label += '+pretranspose';
}
tf.zeros([1]).dataSync(); // finish backend initialisation before anything is timed

const model = buildRnn(cfg);
model.compile({ optimizer: tf.train.adam(1e-3), loss: 'meanSquaredError' });
const x = tf.tensor3d(seededUniform(windows * cfg.steps * cfg.features, 11), [windows, cfg.steps, cfg.features]);
const y = tf.tensor2d(seededUniform(windows, 12), [windows, 1]);

const epochSeconds: number[] = [];
const epochCpuSeconds: number[] = [];
let t = performance.now();
let cpu = process.cpuUsage();
await model.fit(x, y, {
  epochs,
  batchSize: batch,
  shuffle: true,
  verbose: 0,
  callbacks: {
    onEpochBegin: async () => {
      t = performance.now();
      cpu = process.cpuUsage();
    },
    onEpochEnd: async (epoch, logs) => {
      const s = (performance.now() - t) / 1000;
      const used = process.cpuUsage(cpu);
      const c = (used.user + used.system) / 1e6;
      epochSeconds.push(s);
      epochCpuSeconds.push(c);
      console.log(`${label} ${cell} epoch ${epoch + 1}: ${s.toFixed(2)} s wall, ${c.toFixed(2)} s CPU  loss=${logs?.loss?.toFixed(5)}`);
    },
  },
});

let profile: Record<string, unknown> | undefined;
if (values.profile) {
  const xb = x.slice(0, batch);
  const yb = y.slice(0, batch);
  await model.trainOnBatch(xb, yb); // warm
  const t0 = performance.now();
  const info = await tf.profile(async () => {
    await model.trainOnBatch(xb, yb);
  });
  const wallMs = performance.now() - t0;
  const perKernel = new Map<string, { n: number; ms: number }>();
  let kernelMs = 0;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    kernelMs += ms;
    const e = perKernel.get(k.name) ?? { n: 0, ms: 0 };
    e.n += 1;
    e.ms += ms;
    perKernel.set(k.name, e);
  }
  const top = [...perKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 8);
  profile = {
    kernels_per_step: info.kernels.length,
    kernel_ms: Number(kernelMs.toFixed(1)),
    wall_ms_profiled: Number(wallMs.toFixed(1)),
    top: Object.fromEntries(top.map(([n, e]) => [n, `${e.n}x ${e.ms.toFixed(1)}ms`])),
  };
  console.log(`${label} profile of one step:`, JSON.stringify(profile));
  xb.dispose();
  yb.dispose();
}

// Training FLOPs ≈ 3 × forward (forward, backward wrt activations, backward wrt weights).
const trainGflop = (3 * forwardFlopsPerWindow(cfg) * windows) / 1e9;
const best = Math.min(...epochSeconds);
console.log(
  JSON.stringify({
    backend: label,
    libtensorflow: tfVersion || undefined,
    cell,
    config: { ...cfg, windows, batch, epochs },
    epoch_s: epochSeconds.map((s) => Number(s.toFixed(3))),
    best_epoch_s: Number(best.toFixed(3)),
    epoch_cpu_s: epochCpuSeconds.map((s) => Number(s.toFixed(3))),
    train_gflop_per_epoch: Number(trainGflop.toFixed(2)),
    gflops: Number((trainGflop / best).toFixed(2)),
    tensors_alive: tf.memory().numTensors,
    profile,
  }),
);
