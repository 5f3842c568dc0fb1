/**
 * The interface shared by train-gru and train-lstm: one spec builder, so the two trainers cannot drift apart.
 */
import { lineageParameters, taskParameters, trackingParameters } from '../shared/kfp/common-parameters.js';
import { defineComponent } from '../shared/kfp/spec.js';
import { BACKEND_REQUESTS } from '../shared/tf/backend-requests.js';
import { trainerArtifacts } from './trainer-artifacts.js';

export function recurrentTrainerSpec<const C extends 'gru' | 'lstm'>(cell: C) {
  const label = cell.toUpperCase();
  return defineComponent({
    name: `train-${cell}`,
    description: `Trains a stacked ${label} forecaster (TensorFlow.js) on the preprocessed training split with early stopping on the validation split, scores it on the held-out split next to naive baselines, and logs everything to MLflow.`,
    inputs: {
      artifacts: trainerArtifacts.inputs,
      parameters: {
        ...taskParameters,
        hidden_size: { type: 'NUMBER_INTEGER', description: `Units per ${label} layer.`, default: 64, min: 1 },
        num_layers: { type: 'NUMBER_INTEGER', description: `Number of stacked ${label} layers.`, default: 1, min: 1 },
        dropout: {
          type: 'NUMBER_DOUBLE',
          description: 'Dropout rate on the inputs of each recurrent layer and before the dense head (0 = none).',
          default: 0,
          min: 0,
          max: 0.9,
        },
        learning_rate: { type: 'NUMBER_DOUBLE', description: 'Adam learning rate (initial, before any reduction on plateau).', default: 0.002, greaterThan: 0 },
        batch_size: { type: 'NUMBER_INTEGER', description: 'Windows per gradient step.', default: 128, min: 1 },
        epochs: { type: 'NUMBER_INTEGER', description: 'Maximum number of epochs.', default: 30, min: 1 },
        patience: {
          type: 'NUMBER_INTEGER',
          description: 'Early stopping: epochs without a validation-loss improvement of at least `min_delta` before training stops; the best epoch\'s weights are restored.',
          default: 10,
          min: 1,
        },
        min_delta: { type: 'NUMBER_DOUBLE', description: 'Smallest validation-loss decrease that counts as an improvement.', default: 0, min: 0 },
        clip_norm: { type: 'NUMBER_DOUBLE', description: 'Gradient clipping by global norm (0 = off).', default: 1, min: 0 },
        lr_decay_factor: {
          type: 'NUMBER_DOUBLE',
          description: 'Reduce-on-plateau: multiply the learning rate by this after `lr_decay_patience` epochs without improvement (1 = off).',
          default: 0.5,
          greaterThan: 0,
          max: 1,
        },
        lr_decay_patience: { type: 'NUMBER_INTEGER', description: 'Reduce-on-plateau patience in epochs.', default: 3, min: 1 },
        seed: { type: 'NUMBER_INTEGER', description: 'Seed for weight initialisation, dropout and shuffling; a run on the same backend is reproducible.', default: 42, min: 0 },
        backend: {
          type: 'STRING',
          description:
            'TensorFlow.js backend: "auto" (TFJS_BACKEND from the environment if set, else tfjs-node-gpu, tfjs-node, WASM in that order), or one of "node-gpu", "node", "wasm", "cpu". An explicit backend that is not installed is an error.',
          default: 'auto',
          enum: BACKEND_REQUESTS,
        },
        ...lineageParameters,
        ...trackingParameters(`flts-${cell}`),
      },
    },
    outputs: trainerArtifacts.outputs,
  });
}
