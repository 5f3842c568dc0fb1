/**
 * The hyperparameters of a recurrent forecaster (architecture and training), named as the train-gru/train-lstm
 * parameters are, and their validation. Defaults live in the component spec (components/recurrent-spec.ts), the
 * single source of truth; the library takes every value explicitly.
 */
import { InvalidParameterError, type ParameterIssue } from '../../errors.js';

export type CellType = 'gru' | 'lstm';

export interface RecurrentHyperparameters {
  /** Recurrent cell: gated recurrent unit or long short-term memory. */
  cell: CellType;
  /** Units per recurrent layer (≥ 1). Parameter `hidden_size`. */
  hiddenSize: number;
  /** Stacked recurrent layers (≥ 1); all but the last return their whole sequence. Parameter `num_layers`. */
  numLayers: number;
  /** Dropout rate on the inputs of each recurrent layer and before the dense head, 0 … 0.9 (0 = none). */
  dropout: number;
  /** Adam learning rate (> 0). Parameter `learning_rate`. */
  learningRate: number;
  /** Windows per gradient step (≥ 1). Parameter `batch_size`. */
  batchSize: number;
  /** Maximum number of passes over the training windows (≥ 1). */
  epochs: number;
  /** Epochs without a validation-loss improvement of at least `minDelta` before training stops (≥ 1). */
  patience: number;
  /** Smallest validation-loss decrease, in scaled MSE, that counts as an improvement (≥ 0). Parameter `min_delta`. */
  minDelta: number;
  /** Gradient clipping: the global L2 norm of all gradients is scaled down to at most this (0 = off). Parameter `clip_norm`. */
  clipNorm: number;
  /** Reduce-on-plateau: learning-rate multiplier after `lrDecayPatience` epochs without improvement, 0 < f ≤ 1 (1 = off). */
  lrDecayFactor: number;
  /** Reduce-on-plateau patience in epochs (≥ 1). Parameter `lr_decay_patience`. */
  lrDecayPatience: number;
  /** Seed of weight initialisation, shuffling and dropout (integer ≥ 0): a run on the same backend is reproducible. */
  seed: number;
}

/** Throws InvalidParameterError listing every value out of range, each under its component parameter name. */
export function validateHyperparameters(hyper: RecurrentHyperparameters): void {
  const issues = hyperparameterIssues(hyper);
  if (issues.length > 0) throw new InvalidParameterError(issues);
}

export function hyperparameterIssues(hyper: RecurrentHyperparameters): ParameterIssue[] {
  const issues: ParameterIssue[] = [];
  const check = (path: string, value: number, ok: boolean, expected: string): void => {
    if (!ok) issues.push({ path, message: `Parameter "${path}" must be ${expected}; got ${value}.` });
  };
  const positiveInteger = (value: number): boolean => Number.isInteger(value) && value >= 1;
  if (hyper.cell !== 'gru' && hyper.cell !== 'lstm') issues.push({ path: 'cell', message: `Cell type must be "gru" or "lstm"; got "${String(hyper.cell)}".` });
  check('hidden_size', hyper.hiddenSize, positiveInteger(hyper.hiddenSize), 'a positive integer');
  check('num_layers', hyper.numLayers, positiveInteger(hyper.numLayers), 'a positive integer');
  check('dropout', hyper.dropout, hyper.dropout >= 0 && hyper.dropout <= 0.9, 'between 0 and 0.9');
  check('learning_rate', hyper.learningRate, hyper.learningRate > 0 && Number.isFinite(hyper.learningRate), 'a positive number');
  check('batch_size', hyper.batchSize, positiveInteger(hyper.batchSize), 'a positive integer');
  check('epochs', hyper.epochs, positiveInteger(hyper.epochs), 'a positive integer');
  check('patience', hyper.patience, positiveInteger(hyper.patience), 'a positive integer');
  check('min_delta', hyper.minDelta, hyper.minDelta >= 0 && Number.isFinite(hyper.minDelta), 'a number ≥ 0');
  check('clip_norm', hyper.clipNorm, hyper.clipNorm >= 0 && Number.isFinite(hyper.clipNorm), 'a number ≥ 0 (0 = off)');
  check('lr_decay_factor', hyper.lrDecayFactor, hyper.lrDecayFactor > 0 && hyper.lrDecayFactor <= 1, 'in (0, 1] (1 = off)');
  check('lr_decay_patience', hyper.lrDecayPatience, positiveInteger(hyper.lrDecayPatience), 'a positive integer');
  check('seed', hyper.seed, Number.isInteger(hyper.seed) && hyper.seed >= 0, 'an integer ≥ 0');
  return issues;
}
