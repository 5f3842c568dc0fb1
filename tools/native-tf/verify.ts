// Checks that @tensorflow/tfjs-node loads on the 'tensorflow' backend and computes what the WASM and
// pure-JS cpu backends compute: a matmul, and small 2-layer GRU and LSTM nets' output, loss and every weight
// gradient (forward + backward) from identical seeded weights and inputs. Also checks the WASM
// pre-transposed-matmul experiment (setWasmPretranspose in common.ts) the same way.
//   npx tsx tools/native-tf/verify.ts        exit 0 = all within float32 tolerance
import { BACKENDS, buildRnn, loadNative, seededUniform, seededWeights, setWasmPretranspose, tf, useBackend } from './common.js';
import type { BackendName, RnnConfig } from './common.js';

const ATOL = 1e-5;
const RTOL = 1e-4;

interface Result {
  matmul: Float32Array;
  output: Float32Array;
  loss: number;
  grads: Float32Array[];
}

const batch = 8;
const cells = ['gru', 'lstm'] as const;
const configOf = (cell: RnnConfig['cell']): RnnConfig => ({ cell, steps: 10, features: 17, units: 16, layers: 2, outputs: 3 });

function run(cfg: RnnConfig, weights: { shape: number[]; values: Float32Array }[]): Result {
  let result: Result | undefined;
  tf.tidy(() => {
    const a = tf.tensor2d(seededUniform(64 * 128, 1), [64, 128]);
    const b = tf.tensor2d(seededUniform(128 * 96, 2), [128, 96]);
    const matmul = a.matMul(b).dataSync() as Float32Array;

    const model = buildRnn(cfg);
    model.setWeights(weights.map((w) => tf.tensor(w.values, w.shape)));
    const x = tf.tensor3d(seededUniform(batch * cfg.steps * cfg.features, 3), [batch, cfg.steps, cfg.features]);
    const y = tf.tensor2d(seededUniform(batch * cfg.outputs, 4), [batch, cfg.outputs]);
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const output = (model.apply(x) as tf.Tensor).dataSync() as Float32Array;
    const { value, grads } = tf.variableGrads(
      () => tf.losses.meanSquaredError(y, model.apply(x) as tf.Tensor) as tf.Scalar,
      vars,
    );
    result = {
      matmul: Float32Array.from(matmul),
      output: Float32Array.from(output),
      loss: value.dataSync()[0] ?? NaN,
      grads: vars.map((v) => {
        const g = grads[v.name];
        if (g === undefined) throw new Error(`no gradient for ${v.name}`);
        return Float32Array.from(g.dataSync() as Float32Array);
      }),
    };
    model.layers.forEach((l) => l.dispose());
  });
  if (result === undefined) throw new Error('no result');
  return result;
}

function compare(what: string, got: Float32Array, ref: Float32Array): boolean {
  if (got.length !== ref.length) {
    console.log(`  ${what}: length ${got.length} != ${ref.length}`);
    return false;
  }
  let maxAbs = 0;
  let maxRef = 0;
  let worst = 0; // max |d| / (ATOL + RTOL |ref|); <= 1 passes
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs((got[i] ?? NaN) - (ref[i] ?? NaN));
    maxAbs = Math.max(maxAbs, d);
    maxRef = Math.max(maxRef, Math.abs(ref[i] ?? 0));
    worst = Math.max(worst, Number.isNaN(d) ? Infinity : d / (ATOL + RTOL * Math.abs(ref[i] ?? 0)));
  }
  const ok = worst <= 1;
  console.log(`  ${what.padEnd(36)} n=${String(ref.length).padStart(5)}  max|ref|=${maxRef.toExponential(2)}  max|diff|=${maxAbs.toExponential(2)}  ${ok ? 'ok' : 'FAIL'}`);
  return ok;
}

const version = await loadNative();
console.log(`@tensorflow/tfjs-node loaded: backend=${tf.getBackend()} libtensorflow=${version}`);
if (tf.getBackend() !== 'tensorflow') throw new Error('tfjs-node did not make tensorflow the backend');

let ok = true;
for (const cell of cells) {
  const cfg = configOf(cell);
  // Weight shapes do not depend on the backend; build once on cpu to get them.
  await useBackend('cpu');
  const shapeModel = buildRnn(cfg);
  const weights = seededWeights(shapeModel, 42);
  const names = shapeModel.trainableWeights.map((w) => w.name);
  shapeModel.layers.forEach((l) => l.dispose());

  const results = new Map<BackendName | 'wasm+pretranspose', Result>();
  for (const name of BACKENDS) {
    const label = await useBackend(name);
    results.set(name, run(cfg, weights));
    console.log(`${cell}: ran on ${label}`);
    if (name === 'wasm') {
      setWasmPretranspose(true);
      results.set('wasm+pretranspose', run(cfg, weights));
      setWasmPretranspose(false);
      console.log(`${cell}: ran on ${label} with pre-transposed matmul operands`);
    }
  }

  const ref = results.get('cpu');
  if (ref === undefined) throw new Error('no cpu result');
  for (const name of ['tensorflow', 'wasm', 'wasm+pretranspose'] as const) {
    const got = results.get(name);
    if (got === undefined) throw new Error(`no ${name} result`);
    console.log(`${name} vs cpu, ${cell.toUpperCase()} 2x${cfg.units} (pass: |diff| <= ${ATOL} + ${RTOL}*|ref|):`);
    ok = compare('matmul 64x128 @ 128x96', got.matmul, ref.matmul) && ok;
    ok = compare('output', got.output, ref.output) && ok;
    ok = compare('loss', Float32Array.of(got.loss), Float32Array.of(ref.loss)) && ok;
    got.grads.forEach((g, i) => {
      ok = compare(`grad ${names[i] ?? i}`, g, ref.grads[i] ?? new Float32Array()) && ok;
    });
  }
}
console.log(ok ? 'PASS' : 'FAIL');
process.exitCode = ok ? 0 : 1;
