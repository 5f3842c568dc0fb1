/**
 * SIGTERM and SIGINT to a component in KFP mode, against a real MLflow server: a trainer stopped mid-epoch
 * prints one line, removes its staged outputs (train-lstm's `model.partial-<pid>/` included), marks its MLflow
 * run KILLED and exits 143 (SIGTERM) or 130 (SIGINT).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { preprocessSpec } from '../../components/preprocess/spec.js';
import { trainGruSpec } from '../../components/train-gru/spec.js';
import { trainLstmSpec } from '../../components/train-lstm/spec.js';
import { localExecutorInput } from '../../shared/kfp/local-input.js';
import type { ComponentSpec } from '../../shared/kfp/spec.js';
import { artifactOf, runLocally, tempDir } from '../helpers/component.js';
import { repoRoot } from '../helpers/python.js';
import { sampleData } from '../helpers/sample-data.js';
import { startMlflow, type MlflowServer } from '../services/mlflow.js';

const sample = await sampleData();
/** Many epochs, so that the signal always arrives mid-training. */
const RNN = { input_length: 12, horizon: 3, epochs: 500, patience: 500, hidden_size: 8, batch_size: 128 };

interface Stopped {
  code: number | null;
  stderr: string;
  stdout: string;
}

/** Starts `spec`'s bundle, waits for its second epoch line on stdout, sends `signal` and waits for the exit. */
function stopMidEpoch(spec: ComponentSpec, input: object, env: NodeJS.ProcessEnv, signal: NodeJS.Signals): Promise<Stopped> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'dist', `${spec.name}.js`), '--executor-input', JSON.stringify(input)], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
    });
    let stdout = '';
    let stderr = '';
    let sent = false;
    const guard = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!sent && /epoch 2\/500/.test(stdout)) {
        sent = true;
        child.kill(signal);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(guard);
      if (!sent) reject(new Error(`exited (${code}) before its second epoch: ${stderr}`));
      else resolve({ code, stderr, stdout });
    });
  });
}

/** The stderr lines that are not warnings (warnings are a channel of their own). */
function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((line) => line.trim() !== '' && !line.includes(' WARNING '));
}

async function runStatuses(mlflow: MlflowServer, experiment: string): Promise<string[]> {
  const found = (await (await fetch(`${mlflow.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=${experiment}`)).json()) as { experiment: { experiment_id: string } };
  const reply = await fetch(`${mlflow.url}/api/2.0/mlflow/runs/search`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ experiment_ids: [found.experiment.experiment_id] }),
  });
  const { runs } = (await reply.json()) as { runs: { info: { status: string } }[] };
  return runs.map((run) => run.info.status);
}

describe('a trainer stopped by a signal mid-epoch', () => {
  let mlflow: MlflowServer;
  let splits: Record<string, ReturnType<typeof artifactOf>>;

  before(async () => {
    mlflow = await startMlflow();
    const prep = await runLocally(preprocessSpec, await tempDir(), { data_uri: sample.train, test_data_uri: sample.test, sample_train_rows: 1500, sample_test_rows: 400 });
    assert.equal(prep.code, 0, prep.stderr);
    splits = { training_data: artifactOf(prep, 'training_data'), validation_data: artifactOf(prep, 'validation_data'), inference_data: artifactOf(prep, 'inference_data') };
  });
  after(async () => mlflow?.stop());

  for (const [spec, signal, exitCode] of [
    [trainLstmSpec, 'SIGTERM', 143],
    [trainGruSpec, 'SIGINT', 130],
  ] as const) {
    it(`${spec.name} on ${signal}: one line, nothing left in the task directory, run KILLED, exit ${exitCode}`, async () => {
      const taskRoot = await tempDir();
      const experiment = `signals-${spec.name}-${signal}`;
      const input = localExecutorInput(spec, taskRoot, { ...RNN, mlflow_tracking_uri: mlflow.url, mlflow_experiment: experiment }, splits);
      const stopped = await stopMidEpoch(spec, input, { FLTS_SHUTDOWN_GRACE: '30' }, signal);

      assert.equal(stopped.code, exitCode, stopped.stderr);
      const lines = errorLines(stopped.stderr);
      assert.equal(lines.length, 1, stopped.stderr);
      assert.match(lines[0]!, new RegExp(`^flts ${spec.name}: Interrupted: received ${signal}`));
      assert.deepEqual(await readdir(taskRoot), [], 'no staged output, no final output, no ExecutorOutput');
      assert.deepEqual(await runStatuses(mlflow, experiment), ['KILLED']);
    });
  }
});

describe('the HTTP predictor (inference serve) stopped by a signal', () => {
  it('SIGTERM once it serves: one line, exit 143', async () => {
    const { trainedModels } = await import('../helpers/trained-models.js');
    const { freePort } = await import('../services/process.js');
    const model = (await trainedModels()).directories.prophet;
    const port = await freePort();
    const child = spawn(
      process.execPath,
      [join(repoRoot, 'dist', 'inference.js'), 'serve', '--model', model, '--port', String(port), '--host', '127.0.0.1', '--download-dir', await tempDir()],
      { cwd: repoRoot, env: { ...process.env, FLTS_QUIET: '1' } },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const started = Date.now();
    while (Date.now() - started < 120_000) {
      const ready = await fetch(`http://127.0.0.1:${port}/ready`).then((reply) => reply.status === 200, () => false);
      if (ready) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    child.kill('SIGTERM');
    assert.equal(await exited, 143, stderr);
    assert.deepEqual(errorLines(stderr).map((line) => line.replace(/;.*/, '')), ['flts inference serve: Interrupted: received SIGTERM'], stderr);
  });
});
