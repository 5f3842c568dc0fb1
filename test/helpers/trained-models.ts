/**
 * Real model directories of every kind, trained once per test process by the bundles on a small sample (offline
 * tracking), for tests that need models eval and inference can load but whose own metrics they set themselves.
 */
import { join } from 'node:path';
import { preprocessSpec } from '../../components/preprocess/spec.js';
import { trainGruSpec } from '../../components/train-gru/spec.js';
import { trainLstmSpec } from '../../components/train-lstm/spec.js';
import { trainProphetSpec } from '../../components/train-prophet/spec.js';
import type { ModelType } from '../../shared/models/registry.js';
import type { LocalArtifact } from '../../shared/kfp/local-input.js';
import { artifactOf, runLocally, tempDir, type LocalRunResult } from './component.js';
import { sampleData } from './sample-data.js';

export interface TrainedModels {
  /** The preprocess config hash every model was trained on. */
  configHash: string;
  /** The model directory of each kind (model files, manifest.json and the trainer's MLmodel). */
  directories: Record<ModelType, string>;
  /** The trainers' `model` outputs, metadata included, as input artifacts for eval and inference. */
  models: Record<ModelType, LocalArtifact>;
  /** The preprocess outputs the models were trained on, as input artifacts. */
  splits: Record<'training_data' | 'validation_data' | 'inference_data', LocalArtifact>;
  /** The offline tracking store (mlruns directory) of the trainers' runs. */
  mlruns: string;
}

let trained: Promise<TrainedModels> | undefined;

export function trainedModels(): Promise<TrainedModels> {
  trained ??= (async () => {
    const sample = await sampleData();
    const root = await tempDir('flts-models-');
    const ok = (run: LocalRunResult) => {
      if (run.code !== 0) throw new Error(`${run.taskRoot}: ${run.stderr}`);
      return run;
    };
    const prep = ok(await runLocally(preprocessSpec, join(root, 'prep'), { data_uri: sample.train, test_data_uri: sample.test, sample_train_rows: 1500, sample_test_rows: 400 }));
    const splits = { training_data: artifactOf(prep, 'training_data'), validation_data: artifactOf(prep, 'validation_data'), inference_data: artifactOf(prep, 'inference_data') };
    const common = { input_length: 12, horizon: 3, mlflow_tracking_uri: join(root, 'mlruns') };
    const rnn = { ...common, epochs: 1, hidden_size: 4, batch_size: 256 };
    const gru = ok(await runLocally(trainGruSpec, join(root, 'gru'), rnn, splits));
    const lstm = ok(await runLocally(trainLstmSpec, join(root, 'lstm'), rnn, splits));
    const prophet = ok(await runLocally(trainProphetSpec, join(root, 'prophet'), { ...common, uncertainty_samples: 10 }, splits));
    const models = { gru: artifactOf(gru, 'model'), lstm: artifactOf(lstm, 'model'), prophet: artifactOf(prophet, 'model') };
    return {
      configHash: prep.output!.parameterValues!['config_hash'] as string,
      directories: { gru: models.gru.uri, lstm: models.lstm.uri, prophet: models.prophet.uri },
      models,
      splits,
      mlruns: common.mlflow_tracking_uri,
    };
  })();
  return trained;
}
