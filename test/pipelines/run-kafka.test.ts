/**
 * `npm start -- --kafka` (pipelines/run-kafka.ts): the whole chain as the six Kafka services through a real broker,
 * MinIO and MLflow it starts itself, on the built-in sample data, small enough to finish in about a minute. It
 * exits 0 and prints the promotion (every candidate's score, the selected kind with its run and metrics, the
 * registry alias) and where the inference log went; a dead letter fails the run in one line naming the service and
 * its reason; Ctrl-C stops it with 130; a command-line mistake or a machine without Java is one clear line. Whatever happens, no process it started is left running: each run gets its own
 * TMPDIR, and every server and service it starts carries that directory in its command line, environment or
 * working directory, so a process that does is one this run left behind.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { repoRoot } from '../helpers/python.js';

/** Small but real: a day and a half of the sample, tiny networks (as test/events/chain.test.ts). */
const SMALL_PARAMETERS: Record<string, number> = { epochs: 2, sample_train_rows: 1200, sample_test_rows: 200, input_length: 12, horizon: 3, hidden_size: 8, uncertainty_samples: 20 };
const SMALL = small();

/** `--param name=value` for the small parameters, with `overrides`. */
function small(overrides: Record<string, number> = {}): string[] {
  return Object.entries({ ...SMALL_PARAMETERS, ...overrides }).flatMap(([name, value]) => ['--param', `${name}=${value}`]);
}

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
  seconds: number;
  /** The run's own TMPDIR: what every process it started carries. */
  marker: string;
}

const scratch: string[] = [];
after(async () => {
  for (const dir of scratch) {
    killLeftovers(dir);
    await rm(dir, { recursive: true, force: true });
  }
});

/** `node --import tsx pipelines/run-kafka.ts …args` in a fresh TMPDIR; `interruptWhen` sends SIGINT once the output matches it. */
async function runKafka(args: string[], options: { env?: NodeJS.ProcessEnv; interruptWhen?: RegExp; timeoutMs?: number } = {}): Promise<RunResult> {
  const marker = await mkdtemp(join(tmpdir(), 'flts-run-kafka-test-'));
  scratch.push(marker);
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'pipelines/run-kafka.ts', '--out', join(marker, 'out'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, TMPDIR: marker, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let interrupted = false;
  const take = (chunk: Buffer) => {
    output += chunk.toString();
    if (options.interruptWhen && !interrupted && options.interruptWhen.test(output)) {
      interrupted = true;
      child.kill('SIGINT');
    }
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 300_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.once('close', (c, s) => resolve([c, s])));
  clearTimeout(timer);
  return { code, signal, output, seconds: (Date.now() - started) / 1000, marker };
}

/** Processes whose command line, environment or working directory names `marker` (this user's, readable ones). */
function processesMarkedBy(marker: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    if (Number(pid) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      let environ = '';
      let cwd = '';
      try {
        environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
        cwd = readlinkSync(`/proc/${pid}/cwd`);
      } catch {
        // another user's process: its command line still counts
      }
      if (cmdline.includes(marker) || environ.includes(marker) || cwd.includes(marker)) found.push(`${pid}: ${cmdline.slice(0, 160)}`);
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

function killLeftovers(marker: string): void {
  for (const line of processesMarkedBy(marker)) {
    try {
      process.kill(Number(line.split(':')[0]), 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

describe('npm start -- --kafka', { timeout: 360_000 }, () => {
  it('runs the chain through a real broker, prints the promotion and the inference log, and leaves nothing running', { timeout: 300_000 }, async () => {
    const run = await runKafka([...SMALL, '--timeout', '240']);
    assert.equal(run.code, 0, `exit ${run.code ?? run.signal} after ${run.seconds.toFixed(0)} s; it said:\n${run.output.slice(-6000)}`);
    for (const service of ['preprocess', 'train-gru', 'train-lstm', 'train-prophet', 'eval', 'inference']) {
      assert.match(run.output, new RegExp(`✔ ${service} `), `progress of ${service}`);
    }
    assert.match(run.output, /Candidates \(composite score, lower is better\):\n {2}\w+ +[\d.e+-]+\n {2}\w+ +[\d.e+-]+\n {2}\w+ +[\d.e+-]+\n/);
    const selected = /Selected: (GRU|LSTM|PROPHET) \(MLflow run ([0-9a-f]{32}), registered as flts-forecaster version 1 \(alias champion\)\)/.exec(run.output);
    assert.ok(selected, `no promotion line in:\n${run.output}`);
    assert.match(run.output, /rmse [\d.e+-]+ {2}mae [\d.e+-]+ {2}mse [\d.e+-]+ {2}score [\d.e+-]+/);
    assert.match(run.output, /Inference: \d+ rows predicted by the champion \((GRU|LSTM|PROPHET)\); log line: s3:\/\/inference-logs\/flts\/\S+\.jsonl/);
    assert.match(run.output, /Stopped every process this run started\./);

    const runRoot = /Outputs: (\S+)/.exec(run.output)![1]!;
    const logLine = JSON.parse(await readFile(join(runRoot, 'inference-log.jsonl'), 'utf8')) as { run_id: string; status: string };
    assert.equal(logLine.run_id, selected[2], 'the inference log line is the champion\'s');
    assert.equal(logLine.status, 'SUCCESS');
    const promotion = JSON.parse(await readFile(join(runRoot, 'promotion.json'), 'utf8')) as { model_type: string; run_id: string };
    assert.equal(promotion.run_id, selected[2]);
    for (const service of ['preprocess', 'train-gru', 'train-lstm', 'train-prophet', 'eval', 'inference']) assert.ok(existsSync(join(runRoot, 'logs', `${service}.log`)), `${service}.log`);

    assert.deepEqual(processesMarkedBy(run.marker), [], 'processes the run left running');
  });

  it('stops everything it started on Ctrl-C, with exit code 130', { timeout: 180_000 }, async () => {
    const run = await runKafka([...SMALL], { interruptWhen: /Started the six services/, timeoutMs: 150_000 });
    assert.equal(run.code, 130, `exit ${run.code ?? run.signal}; it said:\n${run.output.slice(-4000)}`);
    assert.match(run.output, /interrupted by SIGINT; every process this run started was stopped\./);
    assert.deepEqual(processesMarkedBy(run.marker), [], 'processes the run left running');
  });

  it('fails in one line naming the service that dead-lettered a claim, its reason and error, and stops everything', { timeout: 180_000 }, async () => {
    // 300 steps ahead, with 200 held-out rows: every trainer refuses the claim for good.
    const run = await runKafka([...small({ horizon: 300 }), '--timeout', '150'], { timeoutMs: 170_000 });
    assert.equal(run.code, 1, `exit ${run.code ?? run.signal}; it said:\n${run.output.slice(-4000)}`);
    const last = run.output.trim().split('\n').at(-1)!;
    assert.match(last, /^npm start -- --kafka failed: train-(gru|lstm|prophet) dead-lettered the message it took from training-data \(DLQ-training-data\), reason "failed": .*fewer than horizon = 300/);
    assert.deepEqual(processesMarkedBy(run.marker), [], 'processes the run left running');
  });

  it('refuses a command-line mistake with exit code 2 before starting anything', async () => {
    const run = await runKafka(['--param', 'hidden_sise=8', '--param', 'epochs=two', '--param', 'data_uri=x.csv']);
    assert.equal(run.code, 2, run.output);
    assert.match(run.output, /Unknown parameter "hidden_sise": no component has an input of that name/);
    assert.match(run.output, /Parameter "epochs" must be an integer; got "two"\./);
    assert.match(run.output, /Parameter "data_uri" cannot be set with --kafka/);
    assert.equal(existsSync(join(run.marker, 'out')), false, 'nothing written');
  });

  it('says that Java is needed, in one line, where there is none', async () => {
    const run = await runKafka([], { env: { PATH: '/nonexistent' } });
    assert.equal(run.code, 1, run.output);
    assert.match(run.output.trim(), /^npm start -- --kafka failed: Java \(17 or later\) is required: --kafka runs a local Apache Kafka broker/);
    assert.equal(run.output.trim().split('\n').length, 1);
  });
});
