/**
 * What training reports as it goes: one record and one log line per epoch (loss, validation loss, time, ETA)
 * and a summary at the end that names the best epoch, whose weights the model carries.
 */
import type { CellType } from './hyperparameters.js';

export interface EpochRecord {
  /** 1-based. */
  epoch: number;
  /** Mean training MSE over the epoch's batches, scaled units, with dropout active (as Keras reports it). */
  loss: number;
  /** MSE over all validation windows, scaled units, no dropout. */
  valLoss: number;
  /** Learning rate used during this epoch. */
  learningRate: number;
  /** Mean global gradient norm before clipping. */
  gradNorm: number;
  /** Share of this epoch's steps whose gradient was clipped (0 … 1). */
  clippedFraction: number;
  /** Wall-clock seconds for the epoch, validation included. */
  seconds: number;
  /** This epoch improved the validation loss by more than min_delta and is now the best. */
  improved: boolean;
  /** tf.memory().numTensors after the epoch: constant from epoch 2 on, or something leaks. */
  numTensors: number;
}

export type StopReason = 'epochs' | 'early-stopping' | 'diverged';

export interface TrainingSummary {
  cell: CellType;
  hiddenSize: number;
  numLayers: number;
  parameterCount: number;
  trainWindows: number;
  validationWindows: number;
  epochsRun: number;
  /** The epoch whose weights the model carries, and its losses. */
  bestEpoch: number;
  bestValLoss: number;
  bestLoss: number;
  stopReason: StopReason;
  seconds: number;
  secondsPerEpoch: number;
}

/** `epoch 3/30 loss=0.01234 val_loss=0.01456 * lr=0.001 time=12.3s eta≤5m 12s` (* marks a new best). */
export function formatEpochLine(record: EpochRecord, epochs: number, meanSeconds: number): string {
  const eta = meanSeconds * (epochs - record.epoch);
  return [
    `epoch ${record.epoch}/${epochs}`,
    `loss=${formatLoss(record.loss)}`,
    `val_loss=${formatLoss(record.valLoss)}${record.improved ? ' *' : ''}`,
    `lr=${record.learningRate.toPrecision(3)}`,
    `grad_norm=${record.gradNorm.toPrecision(3)}${record.clippedFraction > 0 ? ` (clipped ${Math.round(record.clippedFraction * 100)}%)` : ''}`,
    `time=${record.seconds.toFixed(1)}s`,
    // An upper bound: early stopping may end training sooner.
    `eta≤${formatDuration(eta)}`,
  ].join(' ');
}

/** One line: what was trained, how long it took, which epoch's weights it keeps and why it stopped. */
export function formatSummary(summary: TrainingSummary, patience: number): string {
  const why = {
    epochs: 'all epochs run',
    'early-stopping': `no val_loss improvement for ${patience} epochs`,
    diverged: 'the loss became non-finite',
  }[summary.stopReason];
  return (
    `${summary.cell.toUpperCase()} ${summary.numLayers}×${summary.hiddenSize} (${summary.parameterCount} parameters) trained in ${formatDuration(summary.seconds)}: ` +
    `${summary.epochsRun} epochs at ${summary.secondsPerEpoch.toFixed(1)} s/epoch on ${summary.trainWindows} windows; stopped: ${why}; ` +
    `best epoch ${summary.bestEpoch} (val_loss=${formatLoss(summary.bestValLoss)}, loss=${formatLoss(summary.bestLoss)}), its weights restored`
  );
}

function formatLoss(value: number): string {
  return Number.isFinite(value) ? value.toPrecision(4) : String(value);
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? `${minutes}m ${Math.round(seconds % 60)}s` : `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}
