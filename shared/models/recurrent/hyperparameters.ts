/**
 * The parameters of a recurrent forecaster (architecture, training, backend): one table, with names, types, bounds,
 * defaults and docs. The train-gru and train-lstm specs are generated from it, the executor checks ExecutorInputs
 * against it, and `validateHyperparameters` checks a library caller's values against the same bounds.
 */
import { InvalidParameterError, type ParameterIssue } from '../../errors.js';
import { camelCase, camelOptions, checkParameterValues, type CamelCase } from '../../kfp/parameters.js';
import type { InputParameterSpec, ParameterValues } from '../../kfp/spec.js';
import { BACKEND_REQUESTS } from '../../tf/backend-requests.js';

export type CellType = 'gru' | 'lstm';

export const RECURRENT_PARAMETERS = {
  hidden_size: { type: 'NUMBER_INTEGER', description: 'Units per recurrent layer.', default: 64, min: 1, max: 4096 },
  num_layers: { type: 'NUMBER_INTEGER', description: 'Number of stacked recurrent layers.', default: 1, min: 1, max: 16 },
  dropout: {
    type: 'NUMBER_DOUBLE',
    description: 'Dropout rate on the inputs of each recurrent layer and before the dense head (0 = none).',
    default: 0,
    min: 0,
    max: 0.9,
  },
  learning_rate: { type: 'NUMBER_DOUBLE', description: 'Adam learning rate (initial, before any reduction on plateau).', default: 0.002, greaterThan: 0 },
  batch_size: { type: 'NUMBER_INTEGER', description: 'Windows per gradient step.', default: 128, min: 1, max: 65_536 },
  epochs: { type: 'NUMBER_INTEGER', description: 'Maximum number of epochs.', default: 30, min: 1, max: 100_000 },
  patience: {
    type: 'NUMBER_INTEGER',
    description: "Early stopping: epochs without a validation-loss improvement of at least `min_delta` before training stops; the best epoch's weights are restored.",
    default: 10,
    min: 1,
    max: 100_000,
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
  lr_decay_patience: { type: 'NUMBER_INTEGER', description: 'Reduce-on-plateau patience in epochs.', default: 3, min: 1, max: 100_000 },
  linear_highway: {
    type: 'BOOLEAN',
    description:
      'Blend the forecast with the linear baseline (ridge autoregression on the target, fitted on the training split): after training, each step is a·recurrent + (1 − a)·linear with a in [0, 1] fitted on the validation split, held in a linear path beside the recurrent head (as LSTNet\'s autoregressive component).',
    default: true,
  },
  highway_features: {
    type: 'BOOLEAN',
    description:
      "With linear_highway: the blend's linear part reads, besides the target's last min(10, input_length) values, the other measured features' values at the forecast origin (not the time features); false = the target's values only, i.e. the linear baseline itself.",
    default: true,
  },
  calendar_features: {
    type: 'STRING',
    description:
      'Which of preprocess\'s cyclical time features the network reads: "covered" = those whose cycle the training split spans at least once (minute of day: a day, day of week: a week, day of year: a year); a shorter series would give the held-out period values of them it never saw. "all" = every feature of the preprocessing manifest. The features read are saved with the model.',
    default: 'covered',
    enum: ['covered', 'all'],
  },
  step_loss_weights: {
    type: 'BOOLEAN',
    description:
      "Weight each horizon step's squared error in the training loss by 1 / (the persistence forecast's mean squared error at that step on the training windows), normalised to mean 1, so that the short steps, whose errors are small, weigh as much as the long ones; false = plain MSE over all steps. The validation loss (early stopping) is plain MSE either way.",
    default: true,
  },
  seed: { type: 'NUMBER_INTEGER', description: 'Seed for weight initialisation, dropout and shuffling; a run on the same backend is reproducible.', default: 42, min: 0 },
  interval_width: {
    type: 'NUMBER_DOUBLE',
    description:
      'Nominal coverage of the prediction interval (0.8 = 80 %): split-conformal per horizon step, calibrated on the validation split\'s forecast errors, saved with the model.',
    default: 0.8,
    greaterThan: 0,
    max: 0.999,
  },
  backend: {
    type: 'STRING',
    description:
      'TensorFlow.js backend: "auto" (TFJS_BACKEND from the environment if set, else tfjs-node-gpu, tfjs-node, WASM in that order), or one of "node-gpu", "node", "wasm", "cpu". An explicit backend that is not installed is an error.',
    default: 'auto',
    enum: BACKEND_REQUESTS,
  },
} as const satisfies Record<string, InputParameterSpec>;

export type RecurrentParameterValues = ParameterValues<typeof RECURRENT_PARAMETERS>;

/** The parameters that are not training hyperparameters: where training runs, and the interval calibrated after it. */
const NOT_HYPERPARAMETERS = ['backend', 'interval_width'] as const;
type NotHyperparameter = (typeof NOT_HYPERPARAMETERS)[number];

/** The training hyperparameters: every parameter of the table but those. */
export const HYPERPARAMETER_NAMES = (Object.keys(RECURRENT_PARAMETERS) as (keyof typeof RECURRENT_PARAMETERS)[]).filter(
  (name): name is Exclude<keyof typeof RECURRENT_PARAMETERS, NotHyperparameter> => !(NOT_HYPERPARAMETERS as readonly string[]).includes(name),
);
type HyperparameterName = (typeof HYPERPARAMETER_NAMES)[number];

/** The hyperparameters under the library's names (the parameter names in camelCase), and the cell type. */
export type RecurrentHyperparameters = { cell: CellType } & { [K in HyperparameterName as CamelCase<K>]: RecurrentParameterValues[K] };

/** The hyperparameters of validated parameter values. */
export function hyperparametersFrom(cell: CellType, values: RecurrentParameterValues): RecurrentHyperparameters {
  return { cell, ...camelOptions(values, HYPERPARAMETER_NAMES) };
}

/** Throws InvalidParameterError listing every value out of range, each under its component parameter name. */
export function validateHyperparameters(hyper: RecurrentHyperparameters): void {
  const issues = hyperparameterIssues(hyper);
  if (issues.length > 0) throw new InvalidParameterError(issues);
}

export function hyperparameterIssues(hyper: RecurrentHyperparameters): ParameterIssue[] {
  const issues: ParameterIssue[] = [];
  if (hyper.cell !== 'gru' && hyper.cell !== 'lstm') issues.push({ path: 'cell', message: `Cell type must be "gru" or "lstm"; got "${String(hyper.cell)}".` });
  const values = Object.fromEntries(HYPERPARAMETER_NAMES.map((name) => [name, (hyper as unknown as Record<string, number | boolean>)[camelCase(name)]]));
  const { backend: _backend, interval_width: _width, ...table } = RECURRENT_PARAMETERS;
  return [...issues, ...checkParameterValues(table, values)];
}
