// Runs INSIDE a component image (tools/images/smoke.sh passes it to `node --input-type=module -e`, as the image's
// user, in /app). Plain JavaScript because the image has Node.js and nothing else. Checks what
// /app/flts-image.json (written by tools/images/stage.ts) says the image holds:
//   - every listed dist/ file is there with its size, and each .wasm compiles;
//   - the compiled cell loops' addon for this CPU (dist/flts-cells-*.node) loads and computes one GRU step;
//   - the native Parquet writer (dist/flts-parquet), where the image has it, writes a one-value file;
//   - every package the bundle imports from node_modules is there;
//   - TensorFlow.js computes on the WASM backend (when the bundle uses it) and on the native backend (when
//     tfjs-node is in the image);
//   - /app is writable (the default offline MLflow store is ./mlruns).
// Prints one summary line; prints PROBLEM lines and exits 1 when something is wrong.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const manifest = JSON.parse(readFileSync('/app/flts-image.json', 'utf8'));
const problems = [];
const wasm = [];
for (const file of manifest.files) {
  const path = `/app/${file.path}`;
  const stats = statSync(path, { throwIfNoEntry: false });
  if (!stats) {
    problems.push(`${path} is missing`);
    continue;
  }
  if (stats.size !== file.bytes) problems.push(`${path} has ${stats.size} bytes, expected ${file.bytes}`);
  if (path.endsWith('.wasm')) {
    try {
      await WebAssembly.compile(readFileSync(path));
      wasm.push(file.path.split('/').pop());
    } catch (error) {
      problems.push(`${path} does not compile: ${error.message}`);
    }
  }
}

// The addon this CPU runs (shared/models/recurrent/compiled-cells.ts chooses the same way): one GRU step, one
// window, one input, one unit; zero weights, candidate bias 1: h = tanh(1) + σ(0)·(0 − tanh(1)) = tanh(1)/2.
const addons = manifest.files.map((file) => file.path).filter((path) => /^dist\/flts-cells-.+\.node$/.test(path));
const cpuFlags = new Set(readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((line) => line.startsWith('flags'))?.split(':')[1]?.trim().split(/\s+/) ?? []);
const v3 = ['avx', 'avx2', 'bmi1', 'bmi2', 'f16c', 'fma', 'abm', 'movbe', 'xsave'].every((flag) => cpuFlags.has(flag));
const addon = addons.find((path) => path.endsWith(process.arch === 'x64' ? (v3 ? '-x86-64-v3.node' : '-x86-64.node') : `-${process.arch}.node`));
let addonText = addons.length > 0 ? 'none for this CPU' : 'none';
if (addons.length > 0 && addon === undefined) problems.push(`no addon for this CPU among ${addons.join(', ')}`);
if (addon !== undefined) {
  try {
    const cells = createRequire(import.meta.url)(`/app/${addon}`);
    const f = (values) => Float32Array.from(values);
    const [h] = cells.forward('gru', 1, 1, 1, 1, f([0]), f([0, 0, 0]), f([0, 0, 0]), f([0, 0, 1]), false, 1);
    if (Math.abs(h[0] - Math.tanh(1) / 2) > 1e-6) throw new Error(`one GRU step gave ${h[0]}, expected ${Math.tanh(1) / 2}`);
    addonText = `${addon.split('/').pop()} ok`;
  } catch (error) {
    problems.push(`${addon} fails: ${error.message.split('\n')[0]}`);
  }
}

// The native Parquet writer (shared/table/parquet.ts feeds it): no key/value metadata (a zero count), then one frame,
// an Arrow IPC stream of one float64 column x holding 1.5 (apache-arrow's tableToIPC of { x: [1.5] }) after its u64
// length, then the end frame (u64 max, then 1 row).
const ONE_VALUE_STREAM =
  '/////3gAAAAQAAAAAAAKABAADgAHAAgACgAAAAAAAAEQAAAAAAAEAAgACAAAAAQACAAAAAQAAAABAAAAFAAAABAAFAAEAAAADwAQAAAACAAQAAAAEAAAABQAAAAAAAADGAAAAAEAAAB4AAAAAAAAAAAABgAIAAYABgAAAAAAAgD/////iAAAABQAAAAAAAAADAAWABQADwAQAAQADAAAAAgAAAAAAAAAAAAAAxAAAAAEAAoAGAAMAAgABAAKAAAAFAAAADgAAAABAAAAAAAAAAAAAAACAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACAAAAAAAAAAAAAAAAQAAAAEAAAAAAAAAAAAAAAAAAAAAAAAAAAD4P/////8AAAAA';
let parquetText = 'none';
if (manifest.files.some((file) => file.path === 'dist/flts-parquet')) {
  const out = `/tmp/flts-image-check-${process.pid}.parquet`;
  const stream = Buffer.from(ONE_VALUE_STREAM, 'base64');
  const u64 = (value) => {
    const word = Buffer.alloc(8);
    word.writeBigUInt64LE(value);
    return word;
  };
  const input = Buffer.concat([Buffer.alloc(4), u64(BigInt(stream.length)), stream, u64(2n ** 64n - 1n), u64(1n)]);
  const run = spawnSync('/app/dist/flts-parquet', [out, 'snappy', '1024'], { input });
  const bytes = existsSync(out) ? readFileSync(out) : Buffer.alloc(0);
  rmSync(out, { force: true });
  const whole = bytes.length > 8 && bytes.subarray(0, 4).toString() === 'PAR1' && bytes.subarray(-4).toString() === 'PAR1';
  if (run.status === 0 && whole) parquetText = 'flts-parquet ok';
  else problems.push(`dist/flts-parquet fails (exit ${run.status}${run.error ? `, ${run.error.message}` : ''}): ${String(run.stderr).trim() || `${bytes.length} bytes written`}`);
}

const nameOf = (spec) => spec.replace(/(.)@[^@]+$/, '$1');
const installed = manifest.nodeModules.installed.map(nameOf);
for (const name of installed) {
  if (!existsSync(`/app/node_modules/${name}/package.json`)) problems.push(`node_modules/${name} is missing`);
}

const tfChecks = [];
const matmul = (tf) => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])).dataSync()[0];
if (installed.includes('@tensorflow/tfjs') && installed.includes('@tensorflow/tfjs-backend-wasm')) {
  try {
    const tf = await import('@tensorflow/tfjs');
    const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
    const dir = existsSync('/app/dist/tfjs-backend-wasm.wasm') ? '/app/dist/' : '/app/node_modules/@tensorflow/tfjs-backend-wasm/dist/';
    setWasmPaths(dir);
    if (!(await tf.setBackend('wasm'))) throw new Error('setBackend("wasm") returned false');
    const got = matmul(tf);
    if (got !== 11) throw new Error(`1*3 + 2*4 gave ${got}`);
    tfChecks.push(`wasm ok (${dir})`);
  } catch (error) {
    problems.push(`TensorFlow.js on WASM fails: ${error.message}`);
  }
}
for (const spec of manifest.native) {
  const name = nameOf(spec);
  try {
    const tf = await import('@tensorflow/tfjs');
    await import(name);
    if (!(await tf.setBackend('tensorflow'))) throw new Error('setBackend("tensorflow") returned false');
    const got = matmul(tf);
    if (got !== 11) throw new Error(`1*3 + 2*4 gave ${got}`);
    tfChecks.push(`${name} ok (TensorFlow ${tf.backend().binding?.TF_Version ?? '?'})`);
  } catch (error) {
    problems.push(`${spec} is in the image but fails: ${error.message.split('\n')[0]}`);
  }
}

try {
  writeFileSync('/app/.flts-smoke', 'ok');
  rmSync('/app/.flts-smoke');
} catch (error) {
  problems.push(`/app is not writable for uid ${process.getuid()}: ${error.code}`);
}

const nativeText = manifest.native.length > 0 ? manifest.native.join(' ') : installed.length > 0 ? 'none (WASM/cpu)' : 'not used';
console.log(
  `node ${process.version}, uid ${process.getuid()}, wasm files [${wasm.join(' ')}], compiled cells ${addonText}, parquet writer ${parquetText}, node_modules ${manifest.nodeModules.packages} packages, ` +
    `native ${nativeText}${tfChecks.length > 0 ? `, tfjs: ${tfChecks.join('; ')}` : ''}`,
);
if (problems.length > 0) {
  for (const problem of problems) console.error(`PROBLEM: ${problem}`);
  process.exit(1);
}
