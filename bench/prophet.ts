/**
 * Prophet fit and predict time on Peyton Manning (2905 days; default model; predict on history + 365 days with
 * 1000 uncertainty samples): our port against Python Prophet 1.5 (cmdstanpy), in one run, as a ratio. The two
 * alternate in rounds so that load on the machine hits both alike; medians over all repeats are compared.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { Prophet } from '../shared/models/prophet/index.js';
import { python } from '../test/helpers/python.js';
import { sharedPath } from '../test/helpers/shared-data.js';
import { peytonManning } from '../test/models/prophet/fixtures.js';
import { recordResult } from './record.js';

const ROUNDS = Number(process.env['BENCH_PROPHET_ROUNDS'] ?? 2);
const REPEATS = Number(process.env['BENCH_PROPHET_REPEATS'] ?? 3);

const csv = sharedPath('data/prophet-examples/example_wp_log_peyton_manning.csv');
if (!csv) {
  console.log('bench/prophet: skipped, ../shared/data/prophet-examples/example_wp_log_peyton_manning.csv is absent');
  process.exit(0);
}

/** Seconds per repeat: wall clock, and CPU (ours: this process; Python: its process plus CmdStan's). */
interface Times {
  fit: number[];
  predict: number[];
  fitCpu: number[];
  predictCpu: number[];
}

const cpuSeconds = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};

function runOurs(repeats: number): Times & { yhat: Float64Array; iterations: number } {
  const df = peytonManning();
  const times: Times = { fit: [], predict: [], fitCpu: [], predictCpu: [] };
  let yhat: Float64Array = new Float64Array(0);
  let iterations = 0;
  for (let i = 0; i < repeats; i++) {
    let start = performance.now();
    let startCpu = process.cpuUsage();
    const model = new Prophet().fit(df);
    times.fit.push((performance.now() - start) / 1000);
    times.fitCpu.push(cpuSeconds(startCpu));
    const future = model.makeFutureDataframe(365);
    start = performance.now();
    startCpu = process.cpuUsage();
    yhat = model.predict(future).yhat;
    times.predict.push((performance.now() - start) / 1000);
    times.predictCpu.push(cpuSeconds(startCpu));
    iterations = model.fit_info!.iterations;
  }
  return { ...times, yhat, iterations };
}

function runPython(repeats: number): Times & { yhat: number[]; version: string } {
  const out = execFileSync(python, [new URL('./prophet_peer.py', import.meta.url).pathname, csv!, String(repeats)], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  return JSON.parse(out.trim().split('\n').pop()!);
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const ours: Times = { fit: [], predict: [], fitCpu: [], predictCpu: [] };
const peer: Times = { fit: [], predict: [], fitCpu: [], predictCpu: [] };
let ourYhat: Float64Array = new Float64Array(0);
let peerYhat: number[] = [];
let version = '';
let iterations = 0;
const loadBefore = loadavg()[0]!;
for (let round = 0; round < ROUNDS; round++) {
  const p = runPython(REPEATS);
  peer.fit.push(...p.fit);
  peer.predict.push(...p.predict);
  peer.fitCpu.push(...p.fitCpu);
  peer.predictCpu.push(...p.predictCpu);
  peerYhat = p.yhat;
  version = p.version;
  const o = runOurs(REPEATS);
  ours.fit.push(...o.fit);
  ours.predict.push(...o.predict);
  ours.fitCpu.push(...o.fitCpu);
  ours.predictCpu.push(...o.predictCpu);
  ourYhat = o.yhat;
  iterations = o.iterations;
}
let maxDiff = 0;
for (let i = 0; i < ourYhat.length; i++) maxDiff = Math.max(maxDiff, Math.abs(ourYhat[i]! - peerYhat[i]!));

const summary = (t: Times) => ({
  fitSeconds: median(t.fit),
  predictSeconds: median(t.predict),
  totalSeconds: median(t.fit) + median(t.predict),
  fitCpuSeconds: median(t.fitCpu),
  predictCpuSeconds: median(t.predictCpu),
  firstFitSeconds: t.fit[0],
  all: t,
});
const o = summary(ours);
const p = summary(peer);
await recordResult('prophet', {
  description:
    `Peyton Manning (2905 rows): default Prophet fit (L-BFGS), then predict on 3270 rows (history + 365 days) with 1000 ` +
    `uncertainty samples; ${ROUNDS} rounds × ${REPEATS} repeats, alternating Python then ours; medians`,
  ours: { ...o, lbfgsIterations: iterations },
  python: { ...p, prophet: version, backend: 'cmdstanpy' },
  ratio: { fit: p.fitSeconds / o.fitSeconds, predict: p.predictSeconds / o.predictSeconds, total: p.totalSeconds / o.totalSeconds },
  cpuRatio: { fit: p.fitCpuSeconds / o.fitCpuSeconds, predict: p.predictCpuSeconds / o.predictCpuSeconds },
  ratioMeaning: 'Python Prophet time / our time (> 1: we are faster); ratio on wall-clock medians, cpuRatio on CPU-time medians',
  agreement: { maxAbsDeltaYhat: maxDiff, note: 'our forecast vs Python Prophet in this run (log scale)' },
  loadAverageAtStart: loadBefore,
});
