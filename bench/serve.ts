/**
 * The serve mode under load, next to `mlflow models serve` in the same run: closed-loop load with autocannon at
 * 1, 16 and 64 connections and an open-loop overload (512 connections offered twice the best closed-loop rate),
 * for our default GRU and our Prophet (and, for ours, the open loop again with 20-round forecasts, which fills the
 * queue where the load generator cannot), and for an equivalent PyTorch GRU pyfunc (same window, input width, hidden
 * size, depth and horizon; bench/serve_peer.py) served by MLflow with one worker. Each request is one window of
 * the same generated rows: ours as /predict (timestamps plus the raw columns; time features and scaling done by
 * the server), MLflow's as `dataframe_split` of the already-featured window. Also: CPU and RSS idle and under
 * load, and time from process start to ready. Writes bench/results/serve.json and serve.md (`--render` redoes
 * the table from the JSON).
 *
 *   npm run bench -- serve        (BENCH_SERVE_SECONDS: seconds per load level, default 8)
 *
 * The models come from the real trainer bundles on the built-in sample data (default architecture, one epoch:
 * serving cost does not depend on the weights). Needs `npm run build` (with tools/native-cells/build.sh first, as
 * the image has them: the compiled cell loops), the .venv (tools/python-env.sh) and, for
 * the peer, PyTorch (bench/rnn-speed-torch.sh); without PyTorch the peer is skipped and said so.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { preprocessSpec } from '../components/preprocess/spec.js';
import { trainGruSpec } from '../components/train-gru/spec.js';
import { trainProphetSpec } from '../components/train-prophet/spec.js';
import { writeSampleData } from '../pipelines/sample-data.js';
import { readDataset } from '../shared/table/dataset.js';
import { artifactOf, runLocally, tempDir, type LocalRunResult } from '../test/helpers/component.js';
import { repoRoot } from '../test/helpers/python.js';
import { freePort } from '../test/services/process.js';
import { recordResult } from './record.js';

const SECONDS = Number(process.env['BENCH_SERVE_SECONDS'] ?? 8);
const LEVELS = [1, 16, 64];
/** The default GRU of train-gru, and the task defaults. */
const GRU = { hidden_size: 64, num_layers: 1 };
const TASK = { input_length: 30, horizon: 6 };
const TICK = 100; // clock ticks per second in /proc/<pid>/stat

interface Level {
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  shed: number;
  other: number;
  shedRate: number;
  cpuPercent: number;
  rssMb: number;
}

interface Served {
  name: string;
  readySeconds: number;
  idle: { cpuPercent: number; rssMb: number };
  closedLoop: Level[];
  openLoop: Level & { offeredRate: number };
  /** Ours only: the open loop again with requests 20 times as long (120 steps, 20 rounds), so that the server, not the load generator, is the bottleneck and the queue fills. */
  heavyOpenLoop?: Level & { offeredRate: number };
}

const ok = (run: LocalRunResult) => {
  if (run.code !== 0) throw new Error(`${run.taskRoot}: ${run.stderr}`);
  return run;
};

/** Trains the default GRU and Prophet on the sample data; returns their directories and one request window. */
async function models() {
  const root = await tempDir('flts-bench-serve-');
  const train = join(root, 'train.csv');
  const test = join(root, 'test.csv');
  await writeSampleData(train, test, 4);
  const env = { FLTS_LOCAL_STORE: join(root, 'store') };
  const prep = ok(await runLocally(preprocessSpec, join(root, 'prep'), { data_uri: train, test_data_uri: test, sample_train_rows: 1500, sample_test_rows: 300 }, {}, env));
  const splits = { training_data: artifactOf(prep, 'training_data'), validation_data: artifactOf(prep, 'validation_data'), inference_data: artifactOf(prep, 'inference_data') };
  const common = { mlflow_tracking_uri: join(root, 'mlruns'), config_hash: prep.output!.parameterValues!['config_hash'] as string, ...TASK };
  const gru = ok(await runLocally(trainGruSpec, join(root, 'gru'), { ...common, ...GRU, epochs: 1 }, splits, env));
  const prophet = ok(await runLocally(trainProphetSpec, join(root, 'prophet'), common, splits, env));
  const rows = (await readFile(test, 'utf8')).trim().split('\n').slice(1, 1 + TASK.input_length).map((line) => line.split(','));
  const predictBody = JSON.stringify({
    data: { ts: rows.map((r) => r[0]), down: rows.map((r) => Number(r[1])), up: rows.map((r) => Number(r[2])), rnti_count: rows.map((r) => Number(r[3])) },
    index_col: 'ts',
    inference_length: TASK.horizon,
  });
  // The peer gets the window as our model sees it: preprocess's scaled, featured rows.
  const { frame } = await readDataset(splits.inference_data.uri, 'inference_data');
  const manifest = JSON.parse(await readFile(join(artifactOf(gru, 'model').uri, 'manifest.json'), 'utf8')) as { features: string[] };
  const window = Array.from({ length: TASK.input_length }, (_, i) => manifest.features.map((name) => frame.columns[name]![i]!));
  const peerBody = JSON.stringify({ dataframe_split: { columns: manifest.features.map((_, j) => `f${j}`), data: window } });
  return { root, gru: artifactOf(gru, 'model').uri, prophet: artifactOf(prophet, 'model').uri, predictBody, peerBody, features: manifest.features.length };
}

/** All processes of `pid`'s process group: CPU seconds so far and resident memory. */
function usage(pid: number): { cpuSeconds: number; rssMb: number } {
  let ticks = 0;
  let rssKb = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) !== pid) continue; // pgrp
      ticks += Number(fields[11]) + Number(fields[12]); // utime + stime
      rssKb += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      // The process ended meanwhile.
    }
  }
  return { cpuSeconds: ticks / TICK, rssMb: rssKb / 1024 };
}

/** Starts a server in its own process group and measures the time until `readyUrl` answers 200. */
async function start(command: string, args: string[], readyUrl: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; readySeconds: number }> {
  const started = performance.now();
  const child = spawn(command, args, { cwd: repoRoot, env, detached: true, stdio: ['ignore', 'ignore', 'inherit'] });
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}`);
    try {
      const response = await fetch(readyUrl);
      await response.arrayBuffer();
      if (response.status === 200) return { child, readySeconds: (performance.now() - started) / 1000 };
    } catch {
      // Not listening yet.
    }
    if (performance.now() - started > 180_000) throw new Error(`${readyUrl} not ready after 180 s`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function stop(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // Gone.
  }
}

async function level(url: string, body: string, pid: number, connections: number, overallRate?: number): Promise<Level> {
  const before = usage(pid);
  let peakRss = before.rssMb;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, usage(pid).rssMb)), 250);
  const started = performance.now();
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration: SECONDS,
    timeout: 30,
    ...(overallRate ? { overallRate } : {}),
  });
  clearInterval(sampler);
  const wall = (performance.now() - started) / 1000;
  const after = usage(pid);
  const codes = (result.statusCodeStats ?? {}) as Record<string, { count: number }>;
  const okCount = codes['200']?.count ?? 0;
  const shed = codes['429']?.count ?? 0;
  const total = Object.values(codes).reduce((sum, c) => sum + c.count, 0) + result.errors + result.timeouts;
  return {
    connections,
    requestsPerSecond: okCount / SECONDS,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ok: okCount,
    shed,
    other: total - okCount - shed,
    shedRate: total > 0 ? shed / total : 0,
    cpuPercent: (100 * (after.cpuSeconds - before.cpuSeconds)) / wall,
    rssMb: Math.max(peakRss, after.rssMb),
  };
}

async function measure(name: string, server: { child: ChildProcess; readySeconds: number }, url: string, body: string, heavyBody?: string): Promise<Served> {
  const pid = server.child.pid!;
  // Warm-up, then idle CPU and memory over two quiet seconds.
  await autocannon({ url, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: 4, amount: 200 });
  const quiet = usage(pid);
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const idle = { cpuPercent: (100 * (usage(pid).cpuSeconds - quiet.cpuSeconds)) / 2, rssMb: usage(pid).rssMb };
  const closedLoop: Level[] = [];
  for (const connections of LEVELS) {
    closedLoop.push(await level(url, body, pid, connections));
    console.log(`${name} c=${connections}`, closedLoop.at(-1));
  }
  const offeredRate = Math.ceil(2 * Math.max(...closedLoop.map((l) => l.requestsPerSecond)));
  const openLoop = { ...(await level(url, body, pid, 512, offeredRate)), offeredRate };
  console.log(`${name} open loop at ${offeredRate}/s`, openLoop);
  if (!heavyBody) return { name, readySeconds: server.readySeconds, idle, closedLoop, openLoop };
  const heavyOpenLoop = { ...(await level(url, heavyBody, pid, 512, offeredRate)), offeredRate };
  console.log(`${name} heavy open loop at ${offeredRate}/s`, heavyOpenLoop);
  return { name, readySeconds: server.readySeconds, idle, closedLoop, openLoop, heavyOpenLoop };
}

async function ours(name: string, directory: string, body: string, flags: string[] = []): Promise<Served> {
  const port = await freePort();
  const server = await start(
    process.execPath,
    [join(repoRoot, 'dist', 'inference.js'), 'serve', '--model', directory, '--port', String(port), '--host', '127.0.0.1', ...flags],
    `http://127.0.0.1:${port}/ready`,
    { ...process.env, FLTS_QUIET: '1' },
  );
  try {
    const heavy = JSON.stringify({ ...JSON.parse(body), inference_length: 20 * TASK.horizon });
    return await measure(name, server, `http://127.0.0.1:${port}/predict`, body, heavy);
  } finally {
    stop(server.child);
  }
}

async function peer(root: string, body: string, features: number): Promise<Served | string> {
  const torch = spawnSync('bash', [join(repoRoot, 'bench', 'rnn-speed-torch.sh')], { encoding: 'utf8' });
  if (torch.status !== 0) return `skipped: PyTorch could not be installed (${torch.stderr.trim().split('\n').at(-1)})`;
  // `mlflow models serve` runs `uvicorn` from PATH: the venv's.
  const env = { ...process.env, PATH: `${join(repoRoot, '.venv', 'bin')}:${process.env['PATH']}`, LD_LIBRARY_PATH: torch.stdout.trim(), MLFLOW_ALLOW_FILE_STORE: 'true' };
  const python = join(repoRoot, '.venv', 'bin', 'python');
  const modelDir = join(root, 'pyfunc-gru');
  const saved = spawnSync(python, [join(repoRoot, 'bench', 'serve_peer.py'), modelDir, String(TASK.input_length), String(features), String(GRU.hidden_size), String(GRU.num_layers), String(TASK.horizon)], { env, encoding: 'utf8' });
  if (saved.status !== 0) throw new Error(`serve_peer.py failed: ${saved.stderr}`);
  const port = await freePort();
  const server = await start(
    join(repoRoot, '.venv', 'bin', 'mlflow'),
    ['models', 'serve', '-m', modelDir, '-p', String(port), '-h', '127.0.0.1', '--env-manager', 'local', '-w', '1'],
    `http://127.0.0.1:${port}/ping`,
    env,
  );
  try {
    return await measure('mlflow models serve (PyTorch GRU pyfunc, 1 worker)', server, `http://127.0.0.1:${port}/invocations`, body);
  } finally {
    stop(server.child);
  }
}

/** bench/results/serve.md from the JSON record: one table row per server and load level. */
async function renderMarkdown(): Promise<void> {
  const record = JSON.parse(await readFile(new URL('./results/serve.json', import.meta.url), 'utf8')) as {
    date: string;
    machine: { cpus: number; model: string; node: string };
    seconds_per_level: number;
    load_average_at_end?: number[];
    servers: Served[];
    peer: string;
    ratio_gru_vs_mlflow_at_64: number | null;
  };
  const f = (n: number, digits = 0) => n.toFixed(digits);
  const lines = [
    '# Serve mode under load (bench/serve.ts)',
    '',
    `${record.date}, ${record.machine.cpus} CPUs (${record.machine.model}), Node ${record.machine.node}; ${record.seconds_per_level} s per level${record.load_average_at_end ? `; load average ${record.load_average_at_end.join(', ')} at the end (other work on the machine)` : ''}; the load`,
    'generator (autocannon) runs on the same CPUs as the server. CPU % is of one core (200 % = both). RSS is the',
    'peak over the level, of the whole process group (uvicorn and its worker for MLflow).',
    '',
    '| server | load | req/s | p50 ms | p99 ms | shed (429) | other failures | CPU % | RSS MB |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const server of record.servers) {
    const row = (load: string, l: Level) => lines.push(`| ${server.name} | ${load} | ${f(l.requestsPerSecond)} | ${f(l.p50Ms)} | ${f(l.p99Ms)} | ${l.shed} (${f(100 * l.shedRate, 1)} %) | ${l.other} | ${f(l.cpuPercent)} | ${f(l.rssMb)} |`);
    for (const l of server.closedLoop) row(`closed loop, ${l.connections} conn.`, l);
    row(`open loop, 512 conn., offered ${server.openLoop.offeredRate}/s`, server.openLoop);
    if (server.heavyOpenLoop) row(`open loop, 20-round forecasts, offered ${server.heavyOpenLoop.offeredRate}/s`, server.heavyOpenLoop);
  }
  lines.push('', '| server | ready after (s) | idle CPU % | idle RSS MB |', '| --- | ---: | ---: | ---: |');
  for (const server of record.servers) lines.push(`| ${server.name} | ${f(server.readySeconds, 2)} | ${f(server.idle.cpuPercent, 1)} | ${f(server.idle.rssMb)} |`);
  lines.push('', record.ratio_gru_vs_mlflow_at_64 === null ? `Peer: ${record.peer}.` : `Throughput at 64 connections, our GRU / mlflow models serve: **${f(record.ratio_gru_vs_mlflow_at_64, 1)}×**.`, '');
  await writeFile(new URL('./results/serve.md', import.meta.url), lines.join('\n'));
}

if (process.argv.includes('--render')) {
  await renderMarkdown();
  process.exit(0);
}
if (!existsSync(join(repoRoot, 'dist', 'inference.js'))) throw new Error('dist/inference.js is missing; run `npm run build` first.');
const setup = await models();
const gru = await ours('flts serve, GRU (default: 30×9 window, 64 units, 1 layer, horizon 6)', setup.gru, setup.predictBody);
// With the compiled cell loops the recurrent layers do not need libtensorflow; the pure-JS backend then only runs
// the dense head, and the process is smaller and ready sooner.
const gruCpu = await ours('flts serve, GRU, --backend cpu', setup.gru, setup.predictBody, ['--backend', 'cpu']);
const prophet = await ours('flts serve, Prophet (default, 1000 uncertainty samples for the interval)', setup.prophet, setup.predictBody);
const mlflow = await peer(setup.root, setup.peerBody, setup.features);
const best = (served: Served) => served.closedLoop.find((l) => l.connections === 64)!.requestsPerSecond;
await recordResult('serve', {
  seconds_per_level: SECONDS,
  // Other work on the machine skews every number; the ratio comes from one run, under the same load.
  load_average_at_end: loadavg().map((x) => Number(x.toFixed(2))),
  servers: [gru, gruCpu, prophet, ...(typeof mlflow === 'string' ? [] : [mlflow])],
  peer: typeof mlflow === 'string' ? mlflow : 'ran',
  ratio_gru_vs_mlflow_at_64: typeof mlflow === 'string' ? null : best(gru) / best(mlflow),
});
await renderMarkdown();
