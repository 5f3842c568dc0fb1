/**
 * The migration's promise: a site moving from the Kafka services to KFP (or back) gets the same forecasts. `npm start`
 * (the compiled pipeline, KFP mode) and `npm start -- --kafka` (the six images as Kafka services through a real
 * broker, MinIO and MLflow) on the same built-in data and parameters score the same candidates, promote the same
 * kind, and the champion's inference logs the same metrics and predictions (to float32 rounding).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { tempDir } from '../helpers/component.js';
import { repoRoot } from '../helpers/python.js';

/** Parameters the compiled pipeline exposes, small enough for a test. */
const PARAMETERS = ['--param', 'epochs=2', '--param', 'input_length=12', '--param', 'horizon=3'];

async function run(script: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  // The same number of threads in both modes (the local runner would give each trainer its CPU share): a float32
  // sum taken in another order differs in its last bits.
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: repoRoot, env: { ...process.env, FLTS_QUIET: '1', FLTS_RNN_THREADS: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  assert.equal(code, 0, `${script} exited ${code}:\n${output.slice(-5000)}`);
  return output;
}

/** The printed candidates block and the selected kind: the same lines in both modes. */
function promotion(output: string): { candidates: string; selected: string } {
  const candidates = /Candidates \(composite score, lower is better\):\n((?: {2}\S+ +\S+\n)+)/.exec(output)?.[1];
  const selected = /Selected: (GRU|LSTM|PROPHET|gru|lstm|prophet)/.exec(output)?.[1];
  assert.ok(candidates && selected, `no promotion in:\n${output.slice(-3000)}`);
  return { candidates, selected: selected.toUpperCase() };
}

async function jsonlFiles(directory: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(directory, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.jsonl')) found.push(join(entry.parentPath, entry.name));
  }
  return found;
}

interface LogLine {
  model_type: string;
  metrics: Record<string, number>;
  samples: unknown[];
}

function assertClose(a: unknown, b: unknown, path: string): void {
  if (typeof a === 'number' && typeof b === 'number') {
    // float32 rounding: the networks compute in float32 (about 7 significant digits).
    assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a)), `${path}: ${a} (KFP) vs ${b} (Kafka)`);
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort(), `${path}: the same fields`);
    for (const key of Object.keys(a)) assertClose((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
  } else {
    assert.deepEqual(a, b, path);
  }
}

describe('KFP mode and event mode on the same data', { timeout: 1_200_000 }, () => {
  it('score the same candidates, promote the same kind, and log the same inference metrics and predictions', async () => {
    const root = await tempDir('flts-modes-');
    const kfp = await run('pipelines/run-local.ts', ['--out', join(root, 'kfp'), ...PARAMETERS], { FLTS_LOCAL_STORE: join(root, 'kfp-store') });
    const kafka = await run('pipelines/run-kafka.ts', ['--out', join(root, 'kafka'), '--timeout', '900', ...PARAMETERS]);
    assert.deepEqual(promotion(kafka), promotion(kfp));

    const [kfpLog] = await jsonlFiles(join(root, 'kfp-store'));
    assert.ok(kfpLog, 'KFP mode wrote an inference log object');
    const kafkaRoot = /Outputs: (\S+)/.exec(kafka)![1]!;
    const [ours, theirs] = (await Promise.all([readFile(kfpLog, 'utf8'), readFile(join(kafkaRoot, 'inference-log.jsonl'), 'utf8')])).map((text) => JSON.parse(text) as LogLine);
    assert.equal(theirs!.model_type, ours!.model_type);
    assert.ok(Object.keys(ours!.metrics).some((name) => name.startsWith('backtest_')), 'the log line carries the backtest metrics');
    assertClose(ours!.metrics, theirs!.metrics, 'metrics');
    assertClose(ours!.samples, theirs!.samples, 'samples');
  });
});
