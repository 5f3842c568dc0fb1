/**
 * Training speed of the GRU/LSTM forecaster (trainRecurrent, the components' trainer) per backend against PyTorch
 * CPU on the same windows, in one run: s/epoch, GFLOP/s and the ratio to PyTorch, for the upstream configuration
 * (L 10 × 17 features, 2 × 128 units, batch 64) and our defaults (L 30 × 17, 1 × 64, batch 128), with the trainer
 * as it was before issue 7 (`before`, see BEFORE_COMMIT), with the one-op layers on the backend (`fused`: libtensorflow's
 * block kernels on tfjs-node, the JavaScript cell loops on WASM/cpu) and with the compiled cell loops (`compiled`,
 * native/cells/, the default where built). Writes
 * bench/results/rnn-speed.json and bench/results/rnn-speed-table.md; the discussion is in bench/results/rnn-speed.md.
 *
 *   npx tsx bench/rnn-speed.ts                          everything (≈ 8 min on 2 cores)
 *   npx tsx bench/rnn-speed.ts --backends wasm --cells gru --configs upstream --kernels fused --profile
 *   npx tsx bench/rnn-speed.ts --configs defaults --kernels before,compiled --before-commit C --before-addon F
 *                                  a later commit C as `before`, with the compiled-cells addon F built from its sources
 *
 * Each measurement is its own process (a backend per process, as the components run). FLOPs: see `trainingFlops`.
 * `RNN_SPEED_TOP=40` lists 40 instead of 8 kernels per profile.
 * An epoch is 4000 training windows; the pure-JS cpu backend runs `--cpu-windows` of them and is scaled to 4000.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createRandom } from '../shared/models/recurrent/random.js';
import { MANIFEST_FORMAT, type PreprocessingManifest } from '../shared/series/manifest.js';
import { python } from '../test/helpers/python.js';
import { recordResult } from './record.js';

export interface SpeedConfig {
  name: 'upstream' | 'defaults';
  inputLength: number;
  features: number;
  hiddenSize: number;
  numLayers: number;
  batchSize: number;
  horizon: number;
}

const CONFIGS: SpeedConfig[] = [
  { name: 'upstream', inputLength: 10, features: 17, hiddenSize: 128, numLayers: 2, batchSize: 64, horizon: 6 },
  { name: 'defaults', inputLength: 30, features: 17, hiddenSize: 64, numLayers: 1, batchSize: 128, horizon: 6 },
];
const WINDOWS = 4000;
/**
 * `--kernels before` runs the trainer of this commit (the last before issue 7's changes), extracted with
 * `git archive` into bench/out/: its tfjs-ops layers with autodiff, tf.train.adam, libtensorflow's default threads
 * and no WASM matmul wrapper. `reference` runs today's code with the reference layers instead.
 */
const BEFORE_COMMIT = '1209d63';
const VALIDATION_ROWS = 40;

/**
 * Training FLOPs per window: 3 × forward (the backward pass costs two forward passes: activation gradients and
 * weight gradients). Forward per window = Σ over layers 2·L·G·u·(in + u) (input and recurrent products; G = 3
 * gates for GRU, 4 for LSTM) + 2·u·H (head). Gate nonlinearities and elementwise work are not counted.
 */
export function trainingFlops(config: SpeedConfig, cell: 'gru' | 'lstm'): number {
  const gates = cell === 'gru' ? 3 : 4;
  let forward = 2 * config.hiddenSize * config.horizon;
  for (let layer = 0; layer < config.numLayers; layer++) {
    const input = layer === 0 ? config.features : config.hiddenSize;
    forward += 2 * config.inputLength * gates * config.hiddenSize * (input + config.hiddenSize);
  }
  return 3 * forward;
}

const { values: args } = parseArgs({
  options: {
    child: { type: 'boolean', default: false },
    configs: { type: 'string', default: 'upstream,defaults' },
    cells: { type: 'string', default: 'gru,lstm' },
    backends: { type: 'string', default: 'node,wasm,cpu' },
    kernels: { type: 'string', default: 'before,fused,compiled' },
    'before-commit': { type: 'string', default: BEFORE_COMMIT },
    'before-addon': { type: 'string' },
    epochs: { type: 'string', default: '4' },
    'cpu-windows': { type: 'string', default: '320' },
    profile: { type: 'boolean', default: false },
    'skip-torch': { type: 'boolean', default: false },
    // child only
    backend: { type: 'string' },
    kernel: { type: 'string' },
    cell: { type: 'string' },
    config: { type: 'string' },
    windows: { type: 'string' },
    series: { type: 'string' },
    'before-root': { type: 'string' },
  },
});

if (args.child) {
  await runChild({
    backend: args.backend!,
    kernel: args.kernel!,
    cell: args.cell as 'gru' | 'lstm',
    config: CONFIGS.find((c) => c.name === args.config)!,
    windows: Number(args.windows),
    epochs: Number(args.epochs),
    series: args.series!,
    profile: args.profile,
    beforeRoot: args['before-root'],
  });
} else {
  await runParent();
}

interface Row {
  config: string;
  cell: string;
  backend: string;
  kernel: string;
  secondsPerEpoch: number;
  medianSecondsPerEpoch?: number;
  cpuSecondsPerEpoch?: number;
  gflops: number;
  ratioToTorch?: number;
  windowsTimed: number;
  epochSeconds: number[];
  profile?: unknown;
  loadavg: number;
}

async function runParent(): Promise<void> {
  const out = new URL('./out/rnn-speed/', import.meta.url).pathname;
  mkdirSync(out, { recursive: true });
  const stubs = args['skip-torch'] ? undefined : torchStubs();
  const rows: Row[] = [];
  const list = (s: string) => s.split(',').filter(Boolean);
  for (const config of CONFIGS.filter((c) => list(args.configs).includes(c.name))) {
    const rowCount = WINDOWS + config.inputLength + config.horizon - 1 + VALIDATION_ROWS;
    const series = `${out}series-${config.name}.f32`;
    writeFileSync(series, syntheticSeries(rowCount, config.features, 7));
    for (const cell of list(args.cells) as ('gru' | 'lstm')[]) {
      const flops = trainingFlops(config, cell) * WINDOWS;
      // PyTorch runs before and after our runs of this cell and configuration; its best epoch of the two counts
      // (it uses both cores, so it is the most sensitive to other load on the machine).
      const torchFirst = stubs !== undefined ? runTorch(stubs, series, rowCount - VALIDATION_ROWS, config, cell, Number(args.epochs) + 1) : undefined;
      for (const backend of list(args.backends)) {
        for (const kernel of list(args.kernels)) {
          const windows = backend === 'cpu' ? Math.min(WINDOWS, Number(args['cpu-windows'])) : WINDOWS;
          const load = loadavg()[0]!;
          const result = runChildProcess({ backend, kernel, cell, config: config.name, windows, series, epochs: backend === 'cpu' ? 2 : Number(args.epochs) });
          if (!result) continue;
          const scale = WINDOWS / windows;
          const secondsPerEpoch = result.secondsPerEpoch * scale;
          rows.push({
            config: config.name,
            cell,
            backend: result.backend,
            kernel: kernel === 'before' && args['before-commit'] !== BEFORE_COMMIT ? `before (${args['before-commit']})` : kernel,
            secondsPerEpoch,
            medianSecondsPerEpoch: result.medianSecondsPerEpoch * scale,
            cpuSecondsPerEpoch: result.cpuSecondsPerEpoch * scale,
            gflops: flops / secondsPerEpoch / 1e9,
            ratioToTorch: undefined,
            windowsTimed: windows,
            epochSeconds: result.epochSeconds,
            profile: result.profile,
            loadavg: load,
          });
          console.log(`${config.name} ${cell} ${result.backend} ${kernel}: ${secondsPerEpoch.toFixed(3)} s/epoch${windows < WINDOWS ? ` (from ${windows} windows)` : ''}`);
        }
      }
      const torchSecond = torchFirst && stubs !== undefined ? runTorch(stubs, series, rowCount - VALIDATION_ROWS, config, cell, Number(args.epochs) + 1) : undefined;
      const peer = torchFirst && torchSecond ? (torchSecond.secondsPerEpoch < torchFirst.secondsPerEpoch ? torchSecond : torchFirst) : torchFirst;
      if (peer) {
        const label = `pytorch ${peer.version} (${peer.threads} threads)`;
        rows.push({ config: config.name, cell, backend: label, kernel: 'nn.' + cell.toUpperCase(), secondsPerEpoch: peer.secondsPerEpoch, cpuSecondsPerEpoch: peer.cpu, gflops: flops / peer.secondsPerEpoch / 1e9, ratioToTorch: 1, windowsTimed: WINDOWS, epochSeconds: [...torchFirst!.epochSeconds, ...(torchSecond?.epochSeconds ?? [])], loadavg: loadavg()[0]! });
        for (const row of rows) if (row.config === config.name && row.cell === cell && row.ratioToTorch === undefined) row.ratioToTorch = row.secondsPerEpoch / peer.secondsPerEpoch;
        console.log(`${config.name} ${cell} pytorch: ${peer.secondsPerEpoch.toFixed(3)} s/epoch (runs: ${torchFirst!.secondsPerEpoch.toFixed(3)}, ${torchSecond?.secondsPerEpoch.toFixed(3)})`);
      }
    }
  }
  writeFileSync(new URL('./results/rnn-speed-table.md', import.meta.url), table(rows));
  await recordResult('rnn-speed', {
    windowsPerEpoch: WINDOWS,
    configs: CONFIGS,
    flopsFormula: 'training FLOPs per window = 3 × (Σ_layers 2·L·G·u·(in + u) + 2·u·H); G = 3 (GRU) or 4 (LSTM)',
    secondsPerEpoch: 'best (lowest) of the epochs after the first (warm-up; the machine is shared, the minimum is the least disturbed), validation of 35 windows included; medianSecondsPerEpoch beside it',
    loadavgAfter: loadavg(),
    rows,
  });
}

/** Row-major float32 (rows, features): a daily-like cycle per feature plus seeded noise; feature 0 is the target. */
function syntheticSeries(rows: number, features: number, seed: number): Float32Array {
  const random = createRandom(seed);
  const out = new Float32Array(rows * features);
  for (let r = 0; r < rows; r++) {
    for (let f = 0; f < features; f++) out[r * features + f] = 0.5 * Math.sin((2 * Math.PI * r) / 24 + f) + 0.2 * (random() - 0.5);
  }
  return out;
}

function runChildProcess(options: { backend: string; kernel: string; cell: string; config: string; windows: number; series: string; epochs: number }) {
  const argv = ['--import', 'tsx', new URL('./rnn-speed.ts', import.meta.url).pathname, '--child'];
  for (const [key, value] of Object.entries(options)) argv.push(`--${key}`, String(value));
  if (options.kernel === 'before') argv.push('--before-root', beforeTree(args['before-commit']));
  if (args.profile || options.backend !== 'cpu') argv.push('--profile');
  // `reference` reproduces the state before issue 7, libtensorflow's own thread and oneDNN defaults included
  // (shared/tf/native.ts now sets NATIVE_CPU_ENVIRONMENT unless these are set).
  // A later commit as `before` sets its own libtensorflow settings, and runs the compiled cells addon built from its
  // sources when --before-addon names one.
  const oldDefaults = options.kernel === 'reference' || (options.kernel === 'before' && args['before-commit'] === BEFORE_COMMIT);
  const before = oldDefaults ? { TF_NUM_INTRAOP_THREADS: String(availableParallelism()), TF_ENABLE_ONEDNN_OPTS: '1' } : {};
  const addon = options.kernel === 'before' && args['before-addon'] ? { FLTS_CELLS_ADDON: args['before-addon'] } : {};
  const run = spawnSync(process.execPath, argv, { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '2', ...before, ...addon }, maxBuffer: 64 * 1024 * 1024 });
  const last = run.stdout.trim().split('\n').pop() ?? '';
  if (run.status !== 0 || !last.startsWith('{')) {
    console.log(`${options.config} ${options.cell} ${options.backend} ${options.kernel}: failed (${run.status}) ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return undefined;
  }
  return JSON.parse(last) as { backend: string; secondsPerEpoch: number; medianSecondsPerEpoch: number; cpuSecondsPerEpoch: number; epochSeconds: number[]; profile?: unknown; numTensors: number };
}

/**
 * The old commit's shared/ under bench/out/ (inside the repository, so that its imports resolve to the same
 * node_modules), extracted once with `git archive`.
 */
function beforeTree(commit: string): string {
  const root = new URL(`./out/rnn-speed/before-${commit}`, import.meta.url).pathname;
  if (!existsSync(`${root}/shared`)) {
    mkdirSync(root, { recursive: true });
    execFileSync('sh', ['-c', `git archive ${commit} shared | tar -x -C "${root}"`], { cwd: new URL('..', import.meta.url).pathname, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return root;
}

/** The directory of the CUDA stubs that let PyPI's torch import without NVIDIA libraries, or undefined. */
function torchStubs(): string | undefined {
  try {
    return execFileSync(new URL('./rnn-speed-torch.sh', import.meta.url).pathname, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop();
  } catch (error) {
    console.log(`bench/rnn-speed: no PyTorch peer (bench/rnn-speed-torch.sh failed: ${(error as Error).message.split('\n')[0]})`);
    return undefined;
  }
}

function runTorch(stubs: string, series: string, rows: number, config: SpeedConfig, cell: string, epochs: number) {
  const peer = new URL('./rnn_speed_peer.py', import.meta.url).pathname;
  const argv = [peer, series, String(rows), String(config.features), cell, String(config.inputLength), String(config.horizon), String(config.hiddenSize), String(config.numLayers), String(config.batchSize), String(epochs)];
  // The series file holds the validation rows too; the peer reads the first `rows` only.
  const text = execFileSync(python, argv, { encoding: 'utf8', env: { ...process.env, LD_LIBRARY_PATH: stubs, PYTHONWARNINGS: 'ignore' }, stdio: ['ignore', 'pipe', 'ignore'] });
  const result = JSON.parse(text.trim().split('\n').pop()!) as { epoch_s: number[]; epoch_cpu_s: number[]; torch: string; threads: number };
  const later = result.epoch_s.slice(1);
  const best = later.indexOf(Math.min(...later));
  return {
    secondsPerEpoch: later[best]!,
    cpu: result.epoch_cpu_s.slice(1)[best]!,
    epochSeconds: result.epoch_s,
    version: result.torch.split('+')[0]!,
    threads: result.threads,
  };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function table(rows: Row[]): string {
  const lines = [
    '| config | cell | backend | layer implementation | s/epoch (best) | median | CPU-s/epoch | GFLOP/s | × PyTorch time |',
    '|---|---|---|---|---:|---:|---:|---:|---:|',
  ];
  for (const row of rows) {
    const note = row.windowsTimed < WINDOWS ? ` (${row.windowsTimed} windows, scaled)` : '';
    lines.push(
      `| ${row.config} | ${row.cell} | ${row.backend} | ${row.kernel}${note} | ${row.secondsPerEpoch.toFixed(2)} | ${row.medianSecondsPerEpoch?.toFixed(2) ?? ''} | ${row.cpuSecondsPerEpoch?.toFixed(2) ?? ''} | ${row.gflops.toFixed(1)} | ${row.ratioToTorch?.toFixed(2) ?? ''} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}


// ------------------------------------------------------------------------------------------------ child process

interface ChildOptions {
  backend: string;
  kernel: string;
  cell: 'gru' | 'lstm';
  config: SpeedConfig;
  windows: number;
  epochs: number;
  series: string;
  profile: boolean;
  /** Directory holding the old commit's shared/, for kernel `before`. */
  beforeRoot?: string;
}

/** Trains on `windows` windows for `epochs` epochs in this process; prints one JSON line. */
async function runChild(o: ChildOptions): Promise<void> {
  const tf = await import('@tensorflow/tfjs');
  // `before`: the old commit's shared/ (see BEFORE_COMMIT), which has none of today's switches.
  const root = o.kernel === 'before' ? o.beforeRoot! : new URL('..', import.meta.url).pathname;
  const { chooseBackend } = (await import(`${root}/shared/tf/backend.js`)) as typeof import('../shared/tf/backend.js');
  const { trainRecurrent, disposeRecurrentModel } = (await import(`${root}/shared/models/recurrent/index.js`)) as typeof import('../shared/models/recurrent/index.js');
  const choice = await chooseBackend(o.backend);
  let workerThreads = () => false;
  if (o.kernel !== 'before') {
    const { setWasmPretranspose } = await import('../shared/tf/wasm-matmul.js');
    const { setLayerKernel } = await import('../shared/models/recurrent/recurrent-layer.js');
    const { shardWorker } = await import('../shared/models/recurrent/shard-worker.js');
    // This benchmark's names: `fused` is the one-op layer on the backend (libtensorflow's block kernels on tfjs-node,
    // the JavaScript cell loops elsewhere; the default before the compiled cell loops), `js` the JavaScript cell loops.
    const fused = choice.backend === 'node' || choice.backend === 'node-gpu' ? 'libtensorflow' : 'cell-loop';
    setLayerKernel(({ fused, js: 'cell-loop', reference: 'reference', compiled: 'compiled' } as const)[o.kernel as 'fused' | 'js' | 'reference' | 'compiled']);
    // `reference` keeps the rest of today's code but without the WASM matmul wrapper, as before.
    if (choice.backend === 'wasm' && o.kernel === 'reference') setWasmPretranspose(false);
    workerThreads = () => shardWorker() !== undefined;
  }
  const { frames, manifest } = benchFrames(o.series, o.config, o.windows);
  const hyper = {
    cell: o.cell,
    hiddenSize: o.config.hiddenSize,
    numLayers: o.config.numLayers,
    dropout: 0,
    learningRate: 1e-3,
    batchSize: o.config.batchSize,
    epochs: o.epochs,
    patience: 1000,
    minDelta: 0,
    clipNorm: 1,
    lrDecayFactor: 1,
    lrDecayPatience: 1000,
    // The layers alone, as the PyTorch peer has them.
    linearHighway: false,
    highwayFeatures: false,
    calendarFeatures: 'all' as const,
    stepLossWeights: false,
    seed: 42,
  };
  const epochSeconds: number[] = [];
  const epochCpu: number[] = [];
  let cpuStart = process.cpuUsage();
  const result = await trainRecurrent(frames, manifest, hyper, {
    onEpoch: (record) => {
      const used = process.cpuUsage(cpuStart);
      epochSeconds.push(record.seconds);
      epochCpu.push((used.user + used.system) / 1e6);
      cpuStart = process.cpuUsage();
    },
  });
  disposeRecurrentModel(result.model);
  let profile: Record<string, unknown> | undefined;
  if (o.profile) {
    const steps = 8;
    const small = benchFrames(o.series, o.config, steps * o.config.batchSize);
    const started = performance.now();
    const info = await tf.profile(async () => {
      disposeRecurrentModel((await trainRecurrent(small.frames, small.manifest, { ...hyper, epochs: 1 })).model);
    });
    const wallMs = performance.now() - started;
    const byName = new Map<string, { n: number; ms: number }>();
    for (const k of info.kernels) {
      const entry = byName.get(k.name) ?? { n: 0, ms: 0 };
      entry.n++;
      entry.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
      byName.set(k.name, entry);
    }
    const kernelMs = [...byName.values()].reduce((s, e) => s + e.ms, 0);
    profile = {
      note: `one epoch of ${steps} training steps + validation (35 windows), network build included`,
      kernelsPerStep: Math.round(info.kernels.length / steps),
      kernelMsPerStep: Number((kernelMs / steps).toFixed(2)),
      wallMsPerStep: Number((wallMs / steps).toFixed(2)),
      top: Object.fromEntries([...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(process.env['RNN_SPEED_TOP'] ?? 8)).map(([n, e]) => [n, `${e.n}× ${e.ms.toFixed(1)} ms`])),
    };
  }
  const later = epochSeconds.length > 1 ? epochSeconds.slice(1) : epochSeconds;
  const laterCpu = epochCpu.length > 1 ? epochCpu.slice(1) : epochCpu;
  const best = later.indexOf(Math.min(...later));
  // The cell-loop layers split each batch with a worker thread on WASM (shard-worker.ts); XNNPACK itself has one
  // thread. The compiled cell loops run their own threads (compiled-cells.ts).
  const { compiledCells, recurrentThreads } = await import('../shared/models/recurrent/compiled-cells.js');
  const cells = compiledCells();
  // `before` with --before-addon runs that commit's compiled cells addon, on as many threads as today's would.
  const beforeAddon = o.kernel === 'before' && process.env['FLTS_CELLS_ADDON'] !== undefined;
  const compiledThreads = o.kernel === 'compiled' && cells.ok ? cells.threads : beforeAddon ? recurrentThreads() : undefined;
  const wasmThreads = compiledThreads !== undefined ? `${compiledThreads} threads` : o.kernel === 'fused' || o.kernel === 'js' ? `${workerThreads() ? 2 : 1} threads` : '1 thread';
  const label = choice.backend === 'node' ? `tensorflow ${choice.tensorflowVersion}${compiledThreads !== undefined ? `, ${compiledThreads} threads` : ''}` : choice.backend === 'wasm' ? `wasm (SIMD ${choice.wasm?.simd ? 'on' : 'off'}, ${wasmThreads})` : 'cpu (JS)';
  console.log(JSON.stringify({ backend: label, secondsPerEpoch: later[best], medianSecondsPerEpoch: median(later), cpuSecondsPerEpoch: laterCpu[best], epochSeconds, profile, numTensors: tf.memory().numTensors }));
}

/** Training frame with exactly `windows` windows and a small validation frame after it, from the series file. */
function benchFrames(path: string, config: SpeedConfig, windows: number) {
  const bytes = readFileSync(path);
  const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const names = Array.from({ length: config.features }, (_, f) => `f${f}`);
  const trainRows = windows + config.inputLength + config.horizon - 1;
  const hour = 3_600_000;
  const frame = (from: number, to: number) => ({
    time: Float64Array.from({ length: to - from }, (_, k) => (from + k) * hour),
    names,
    columns: Object.fromEntries(names.map((name, f) => [name, Float64Array.from({ length: to - from }, (_, k) => values[(from + k) * config.features + f]!)])),
  });
  const manifest: PreprocessingManifest = {
    format: MANIFEST_FORMAT,
    target: 'f0',
    features: names,
    inputLength: config.inputLength,
    horizon: config.horizon,
    frequencyMs: hour,
    frequency: '1h',
    scaler: { method: 'none', columns: Object.fromEntries(names.map((name) => [name, { center: 0, scale: 1 }])) },
    configHash: 'bench-rnn-speed',
  };
  return { frames: { train: frame(0, trainRows), validation: frame(trainRows, trainRows + VALIDATION_ROWS) }, manifest };
}
