/**
 * Trains a GRU or LSTM forecaster on the training split with a custom step (Adam, gradient clipping by global
 * norm, seeded shuffling and dropout), watches the validation split for early stopping and learning-rate
 * reduction, and returns the model with the best epoch's weights together with that epoch's numbers.
 *
 * Porting note: upstream FLTS re-ran the model over its training windows after every epoch and reported the
 * last epoch's metrics for a best-epoch model (reference/upstream-flts.md §3.4, §9.5). Here the epoch's loss is
 * the mean of its batch losses, and everything reported about the result is the best epoch's.
 */
import * as tf from '@tensorflow/tfjs';
import { InvalidParameterError, ModelStateError } from '../../errors.js';
import type { PreprocessingManifest } from '../../series/manifest.js';
import type { SeriesFrame } from '../../series/frame.js';
import { uncoveredTimeFeatures } from '../../series/time-features.js';
import { windowInputs, windowShapeIssues, windowTargets } from '../../series/windows.js';
import { FlatAdam } from './adam.js';
import { compiledCells } from './compiled-cells.js';
import { forwardPass, type DropoutPlan } from './forward.js';
import { hyperparameterIssues, type RecurrentHyperparameters } from './hyperparameters.js';
import type { RecurrentModel } from './model.js';
import { buildNetwork, parameterCount, type RecurrentNetwork } from './network.js';
import { formatEpochLine, formatSummary, type EpochRecord, type StopReason, type TrainingSummary } from './progress.js';
import { createRandom, nextSeed, shuffleInPlace, type Random } from './random.js';
import { layerKernel } from './recurrent-layer.js';
import { trainingWindows, type TrainingFrames, type WindowSource } from './training-data.js';
import { ValidationMonitor } from './validation-monitor.js';

export interface TrainOptions {
  /** Called after every epoch with its record and one log line; awaited (e.g. to log the metrics to MLflow). */
  onEpoch?: (record: EpochRecord, line: string) => void | Promise<void>;
  /** Windows per forward pass when computing the validation loss (memory, not results). @default 512 */
  evaluationBatchSize?: number;
}

export interface TrainingResult {
  /** Carries the best epoch's weights. */
  model: RecurrentModel;
  history: EpochRecord[];
  summary: TrainingSummary;
  /** The summary as one log line. */
  summaryLine: string;
}

/** Porting note: upstream's PyTorch Adam uses ε = 1e-8; tfjs defaults to 1e-7. We keep PyTorch's. */
const ADAM = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

/**
 * Trains a forecaster of `manifest.target`, `manifest.horizon` steps ahead, from `manifest.inputLength` steps of
 * `manifest.features` (already scaled). Validates everything before the first step.
 */
export async function trainRecurrent(
  frames: TrainingFrames,
  manifest: PreprocessingManifest,
  hyper: RecurrentHyperparameters,
  options: TrainOptions = {},
): Promise<TrainingResult> {
  validateSettings(manifest, hyper);
  // The network reads the calendar features it can learn from (calendar_features); its manifest says which.
  manifest = { ...manifest, features: trainingFeatures(manifest, frames.train, hyper) };
  const windows = trainingWindows(frames, manifest);
  const highway = hyper.linearHighway ?? false;
  const network = buildNetwork(
    { cell: hyper.cell, inputLength: manifest.inputLength, featureCount: manifest.features.length, hiddenSize: hyper.hiddenSize, numLayers: hyper.numLayers, horizon: manifest.horizon, highway },
    hyper.seed,
  );
  const session = new TrainingSession(network, windows, manifest, hyper, options.evaluationBatchSize ?? 512);
  try {
    const { history, stopReason, seconds } = await session.run(options.onEpoch);
    const summary = summarize(network, windows, history, session.monitor.bestEpoch, stopReason, seconds);
    return { model: { network, manifest }, history, summary, summaryLine: formatSummary(summary, hyper.patience) };
  } catch (error) {
    network.model.dispose();
    throw error;
  } finally {
    session.dispose();
  }
}

/** The training loop's state: optimizer, random streams, best weights, validation monitor. */
class TrainingSession {
  readonly monitor: ValidationMonitor;
  readonly #network: RecurrentNetwork;
  readonly #windows: { train: WindowSource; validation: WindowSource };
  readonly #manifest: PreprocessingManifest;
  readonly #hyper: RecurrentHyperparameters;
  readonly #evaluationBatchSize: number;
  readonly #optimizer: FlatAdam;
  // Separate streams, so that e.g. turning dropout on does not change the order of the windows.
  readonly #shuffleRandom: Random;
  readonly #dropout: DropoutPlan | undefined;
  readonly #best = new BestWeights();
  /** Per-step weights of the training loss (step_loss_weights), or undefined for plain MSE. */
  readonly #stepWeights: tf.Tensor1D | undefined;

  constructor(network: RecurrentNetwork, windows: { train: WindowSource; validation: WindowSource }, manifest: PreprocessingManifest, hyper: RecurrentHyperparameters, evaluationBatchSize: number) {
    this.#network = network;
    this.#windows = windows;
    this.#manifest = manifest;
    this.#hyper = hyper;
    this.#evaluationBatchSize = evaluationBatchSize;
    // With the compiled cell loops, their addon does the update too (adam.ts).
    const cells = compiledCells();
    const addon = layerKernel() === 'compiled' && cells.ok ? cells.addon : undefined;
    this.#optimizer = new FlatAdam(network.variables, { learningRate: hyper.learningRate, ...ADAM, clipNorm: hyper.clipNorm }, addon);
    this.#shuffleRandom = createRandom(hyper.seed + 1);
    const dropoutRandom = createRandom(hyper.seed + 2);
    this.#dropout = hyper.dropout > 0 ? { rate: hyper.dropout, nextSeed: () => nextSeed(dropoutRandom) } : undefined;
    this.monitor = new ValidationMonitor({ ...hyper });
    if (hyper.stepLossWeights) this.#stepWeights = tf.keep(tf.tensor1d(Float32Array.from(persistenceStepWeights(windows.train, manifest.horizon))));
  }

  async run(onEpoch: TrainOptions['onEpoch']): Promise<{ history: EpochRecord[]; stopReason: StopReason; seconds: number }> {
    const history: EpochRecord[] = [];
    const started = performance.now();
    let stopReason: StopReason = 'epochs';
    for (let epoch = 1; epoch <= this.#hyper.epochs; epoch++) {
      const epochStarted = performance.now();
      const learningRate = this.monitor.learningRate;
      const steps = this.#trainEpoch();
      if (!Number.isFinite(steps.loss)) {
        stopReason = this.#diverged(epoch, steps.loss);
        break;
      }
      const valLoss = this.#validationLoss();
      const verdict = this.monitor.observe(epoch, valLoss);
      if (verdict.improved) this.#best.capture(this.#network.variables);
      this.#optimizer.learningRate = verdict.learningRate;
      const record: EpochRecord = {
        epoch,
        ...steps,
        valLoss,
        learningRate,
        seconds: (performance.now() - epochStarted) / 1000,
        improved: verdict.improved,
        numTensors: tf.memory().numTensors,
      };
      history.push(record);
      await onEpoch?.(record, formatEpochLine(record, this.#hyper.epochs, (performance.now() - started) / 1000 / epoch));
      if (verdict.stop) {
        stopReason = 'early-stopping';
        break;
      }
    }
    if (this.monitor.bestEpoch === 0) {
      throw new ModelStateError('No epoch produced a finite validation loss; the model cannot be used. Lower learning_rate or set clip_norm.');
    }
    this.#best.restore(this.#network.variables);
    return { history, stopReason, seconds: (performance.now() - started) / 1000 };
  }

  dispose(): void {
    this.#stepWeights?.dispose();
    this.#optimizer.dispose();
    this.#best.dispose();
  }

  /** One pass over the training windows in a fresh seeded order; mean loss, mean pre-clip norm, share clipped. */
  #trainEpoch(): Pick<EpochRecord, 'loss' | 'gradNorm' | 'clippedFraction'> {
    const order = shuffleInPlace(Int32Array.from(this.#windows.train.origins), this.#shuffleRandom);
    let lossSum = 0;
    let normSum = 0;
    let clipped = 0;
    let steps = 0;
    for (let start = 0; start < order.length; start += this.#hyper.batchSize) {
      const { loss, norm } = this.#step(order.subarray(start, start + this.#hyper.batchSize));
      lossSum += loss;
      normSum += norm;
      if (this.#hyper.clipNorm > 0 && norm > this.#hyper.clipNorm) clipped++;
      steps++;
    }
    return { loss: lossSum / steps, gradNorm: normSum / steps, clippedFraction: clipped / steps };
  }

  /** One optimizer step on the windows at `origins`. */
  #step(origins: Int32Array): { loss: number; norm: number } {
    const { x, y } = batchTensors(this.#windows.train, origins, this.#manifest);
    try {
      const result = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(
          () => {
            const squared = tf.squaredDifference(y, forwardPass(this.#network, x, this.#dropout));
            return tf.mean(this.#stepWeights ? tf.mul(squared, this.#stepWeights) : squared) as tf.Scalar;
          },
          this.#network.variables,
        );
        const norm = this.#optimizer.step(this.#network.variables.map((variable) => grads[variable.name]!));
        return tf.stack([value, norm]);
      });
      const [loss, norm] = result.dataSync();
      result.dispose();
      return { loss: loss!, norm: norm! };
    } finally {
      x.dispose();
      y.dispose();
    }
  }

  /** MSE over every validation window and step (scaled units), without dropout. */
  #validationLoss(): number {
    const source = this.#windows.validation;
    let sum = 0;
    for (let start = 0; start < source.origins.length; start += this.#evaluationBatchSize) {
      const { x, y } = batchTensors(source, source.origins.subarray(start, start + this.#evaluationBatchSize), this.#manifest);
      try {
        const batchSum = tf.tidy(() => tf.sum(tf.squaredDifference(forwardPass(this.#network, x), y)));
        sum += batchSum.dataSync()[0]!;
        batchSum.dispose();
      } finally {
        tf.dispose([x, y]);
      }
    }
    return sum / (source.origins.length * this.#manifest.horizon);
  }

  #diverged(epoch: number, loss: number): StopReason {
    if (this.monitor.bestEpoch === 0) {
      throw new ModelStateError(`Training diverged in epoch ${epoch}: the loss became ${loss}. Lower learning_rate or set clip_norm.`);
    }
    return 'diverged';
  }
}

/** A copy of the weights of the best epoch so far, restored at the end (Keras's restore_best_weights). */
class BestWeights {
  #saved: tf.Tensor[] = [];

  capture(variables: tf.Variable[]): void {
    tf.dispose(this.#saved);
    this.#saved = variables.map((variable) => tf.keep(variable.clone()));
  }

  restore(variables: tf.Variable[]): void {
    variables.forEach((variable, i) => variable.assign(this.#saved[i]!));
  }

  dispose(): void {
    tf.dispose(this.#saved);
    this.#saved = [];
  }
}

/**
 * The training loss's per-step weights (step_loss_weights): w_h ∝ 1 / (persistence MSE at step h over the training
 * windows), normalised to mean 1, so that each step's error is measured against that step's own scale. A step
 * where persistence is exact (a constant series) gets the largest finite weight of the others, or 1.
 */
export function persistenceStepWeights(source: WindowSource, horizon: number): Float64Array {
  const sums = new Float64Array(horizon);
  for (const origin of source.origins) {
    for (let h = 1; h <= horizon; h++) sums[h - 1]! += (source.target[origin + h]! - source.target[origin]!) ** 2;
  }
  const inverse = sums.map((sum) => (sum > 0 ? source.origins.length / sum : 0));
  const largest = Math.max(...inverse);
  const raw = inverse.map((w) => (w > 0 ? w : largest > 0 ? largest : 1));
  const mean = raw.reduce((a, b) => a + b, 0) / horizon;
  return raw.map((w) => w / mean);
}

/**
 * The manifest's features the network reads: all of them with calendar_features "all"; with "covered", all but
 * the time features whose cycle the training split does not span once (time-features.ts). The target and the
 * measured features are always read; if nothing but the dropped features would be left, all are kept.
 */
export function trainingFeatures(manifest: PreprocessingManifest, train: SeriesFrame, hyper: Pick<RecurrentHyperparameters, 'calendarFeatures'>): string[] {
  if (hyper.calendarFeatures === 'all' || train.time.length === 0) return [...manifest.features];
  const span = train.time[train.time.length - 1]! - train.time[0]! + manifest.frequencyMs;
  const dropped = new Set<string>(uncoveredTimeFeatures(manifest.features, span));
  const kept = manifest.features.filter((name) => !dropped.has(name));
  return kept.length > 0 ? kept : [...manifest.features];
}

/** The windows at `origins` as tensors: inputs (n, L, F) and targets (n, H). */
export function batchTensors(source: WindowSource, origins: Int32Array, manifest: PreprocessingManifest): { x: tf.Tensor3D; y: tf.Tensor2D } {
  const n = origins.length;
  return {
    x: tf.tensor3d(windowInputs(source.features, origins, manifest.inputLength), [n, manifest.inputLength, source.features.length]),
    y: tf.tensor2d(Float32Array.from(windowTargets(source.target, origins, manifest.horizon)), [n, manifest.horizon]),
  };
}

function validateSettings(manifest: PreprocessingManifest, hyper: RecurrentHyperparameters): void {
  const issues = [...windowShapeIssues(manifest), ...hyperparameterIssues(hyper)];
  if (issues.length > 0) throw new InvalidParameterError(issues);
}

function summarize(
  network: RecurrentNetwork,
  windows: { train: WindowSource; validation: WindowSource },
  history: EpochRecord[],
  bestEpoch: number,
  stopReason: StopReason,
  seconds: number,
): TrainingSummary {
  const best = history[bestEpoch - 1]!;
  return {
    cell: network.shape.cell,
    hiddenSize: network.shape.hiddenSize,
    numLayers: network.shape.numLayers,
    parameterCount: parameterCount(network),
    trainWindows: windows.train.origins.length,
    validationWindows: windows.validation.origins.length,
    epochsRun: history.length,
    bestEpoch,
    bestValLoss: best.valLoss,
    bestLoss: best.loss,
    stopReason,
    seconds,
    secondsPerEpoch: seconds / Math.max(history.length, 1),
  };
}
