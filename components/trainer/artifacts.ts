/** The input and output artifacts every trainer (GRU, LSTM, Prophet) declares, so eval can treat them alike. */
import type { ArtifactSpec, OutputParameterSpec } from '../../shared/kfp/spec.js';

export const trainerArtifacts = {
  inputs: {
    training_data: { type: 'system.Dataset', description: "Preprocess's training split (Parquet)." },
    validation_data: { type: 'system.Dataset', description: "Preprocess's validation split: early stopping and model selection." },
    inference_data: {
      type: 'system.Dataset',
      description: "Preprocess's held-out split. Test metrics are computed on it only, never on data the model was fitted on.",
    },
  },
  outputs: {
    artifacts: {
      model: {
        type: 'system.Model',
        description: 'Model directory: the model files, a preprocessing manifest (scaler, ordered features, target, window, horizon, frequency, config hash) and an MLmodel file.',
      },
      metrics: { type: 'system.Metrics', description: 'Held-out metrics in scaled and original units, with the naive baselines.' },
      report: { type: 'system.HTML', description: 'Training report: loss curves and a test-period plot of forecast against actual.' },
    },
    parameters: {
      run_id: { type: 'STRING', description: 'MLflow run id of this training run.' },
    },
  },
} as const satisfies {
  inputs: Record<string, ArtifactSpec>;
  outputs: { artifacts: Record<string, ArtifactSpec>; parameters: Record<string, OutputParameterSpec> };
};
