/**
 * The whole chain on the built-in sample data, small but real (a sample of the rows, tiny networks, a few epochs):
 * preprocess → gru, lstm, prophet → eval → inference, each bundle run as KFP runs it, every step asserted to succeed.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { evalSpec } from '../../components/eval/spec.js';
import { inferenceSpec } from '../../components/inference/spec.js';
import { preprocessSpec } from '../../components/preprocess/spec.js';
import { trainGruSpec } from '../../components/train-gru/spec.js';
import { trainLstmSpec } from '../../components/train-lstm/spec.js';
import { trainProphetSpec } from '../../components/train-prophet/spec.js';
import { artifactOf, runLocally, tempDir, type LocalRunResult } from './component.js';
import { sampleData } from './sample-data.js';

const sample = await sampleData();
/** Small but real: 1500 training rows, 400 test rows, tiny networks, a few epochs. */
const PREPROCESS = { sample_train_rows: 1500, sample_test_rows: 400 };
const TASK = { input_length: 12, horizon: 3 };
const RNN = { ...TASK, epochs: 2, hidden_size: 8, batch_size: 128 };
const PROPHET = { ...TASK, uncertainty_samples: 50 };

export interface PipelineRun {
  prep: LocalRunResult;
  gru: LocalRunResult;
  lstm: LocalRunResult;
  prophet: LocalRunResult;
  selection: LocalRunResult;
  inference: LocalRunResult;
}

/** preprocess → gru, lstm, prophet → eval → inference, every step asserted to succeed. */
export async function runPipeline(parameters: Record<string, string>, env: NodeJS.ProcessEnv, preprocess: Record<string, unknown> = {}): Promise<PipelineRun> {
  const root = await tempDir('flts-e2e-');
  const ok = (run: LocalRunResult) => {
    assert.equal(run.code, 0, `${run.taskRoot}: ${run.stderr}`);
    return run;
  };
  const prep = ok(await runLocally(preprocessSpec, join(root, 'prep'), { data_uri: sample.train, test_data_uri: sample.test, ...PREPROCESS, ...preprocess } as never, {}, env));
  const splits = { training_data: artifactOf(prep, 'training_data'), validation_data: artifactOf(prep, 'validation_data'), inference_data: artifactOf(prep, 'inference_data') };
  const common = { ...parameters, config_hash: prep.output!.parameterValues!['config_hash'] as string };
  const gru = ok(await runLocally(trainGruSpec, join(root, 'gru'), { ...common, ...RNN }, splits, env));
  const lstm = ok(await runLocally(trainLstmSpec, join(root, 'lstm'), { ...common, ...RNN }, splits, env));
  const prophet = ok(await runLocally(trainProphetSpec, join(root, 'prophet'), { ...common, ...PROPHET }, splits, env));
  const selection = ok(
    await runLocally(evalSpec, join(root, 'eval'), common, { gru_model: artifactOf(gru, 'model'), lstm_model: artifactOf(lstm, 'model'), prophet_model: artifactOf(prophet, 'model') }, env),
  );
  const inference = ok(
    await runLocally(inferenceSpec, join(root, 'inference'), { ...common, inference_length: 10 }, { inference_data: splits.inference_data, selected_model: artifactOf(selection, 'selected_model') }, env),
  );
  return { prep, gru, lstm, prophet, selection, inference };
}
