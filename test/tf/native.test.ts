import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { disposeRecurrentModel, trainRecurrent } from '../../shared/models/recurrent/index.js';
import { chooseBackend } from '../../shared/tf/backend.js';
import { NATIVE_CPU_ENVIRONMENT } from '../../shared/tf/native.js';
import { cycle, manifestFor, tinyHyper } from '../models/recurrent/fixtures.js';

/** tools/native-tf/install.sh builds the optional binding where it can; elsewhere these tests say why they skip. */
function nativeInstalled(): false | string {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return false;
  } catch {
    return '@tensorflow/tfjs-node is not installed here (tools/native-tf/install.sh adds it)';
  }
}

// What the environment said before anything loaded libtensorflow (each test file runs in its own process).
const presetEnvironment = { threads: process.env['TF_NUM_INTRAOP_THREADS'], onednn: process.env['TF_ENABLE_ONEDNN_OPTS'] };

describe('the native backend (tfjs-node)', { skip: nativeInstalled() }, () => {
  it('is what auto takes when it is installed and the GPU build is not', async () => {
    const choice = await chooseBackend('auto', { env: {} });
    assert.equal(choice.backend, 'node');
    assert.equal(choice.tfjsBackend, 'tensorflow');
    assert.match(choice.tensorflowVersion!, /^\d+\.\d+\.\d+/);
  });

  it('runs libtensorflow on one intra-op thread with Eigen kernels, unless the environment says otherwise', async () => {
    await chooseBackend('node');
    assert.deepEqual(
      { threads: process.env['TF_NUM_INTRAOP_THREADS'], onednn: process.env['TF_ENABLE_ONEDNN_OPTS'] },
      { threads: presetEnvironment.threads ?? NATIVE_CPU_ENVIRONMENT['TF_NUM_INTRAOP_THREADS'], onednn: presetEnvironment.onednn ?? NATIVE_CPU_ENVIRONMENT['TF_ENABLE_ONEDNN_OPTS'] },
    );
  });

  it("keeps TensorFlow's INFO banner out of the component's log, unless TF_CPP_MIN_LOG_LEVEL says otherwise", () => {
    const script = [
      "import * as tf from '@tensorflow/tfjs';",
      "import { chooseBackend } from './shared/tf/backend.ts';",
      "await chooseBackend('node');",
      'tf.matMul(tf.ones([2, 2]), tf.ones([2, 2])).dataSync();',
    ].join('\n');
    const run = (level: string | undefined) => {
      const env = { ...process.env, TF_CPP_MIN_LOG_LEVEL: level };
      if (level === undefined) delete env['TF_CPP_MIN_LOG_LEVEL'];
      const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { env, encoding: 'utf8', cwd: new URL('../..', import.meta.url) });
      assert.equal(child.status, 0, child.stderr);
      return child.stderr;
    };
    assert.doesNotMatch(run(undefined), /cpu_feature_guard/);
    assert.match(run('0'), /cpu_feature_guard/);
  });

  it('trains the recurrent model reproducibly with the custom training step', async () => {
    await chooseBackend('node');
    const [a, b] = [await trainRecurrent(cycle, manifestFor(), tinyHyper({ epochs: 2, dropout: 0.1 })), await trainRecurrent(cycle, manifestFor(), tinyHyper({ epochs: 2, dropout: 0.1 }))];
    assert.deepEqual(
      a.history.map((r) => [r.loss, r.valLoss]),
      b.history.map((r) => [r.loss, r.valLoss]),
    );
    [a, b].forEach((result) => disposeRecurrentModel(result.model));
  });
});
