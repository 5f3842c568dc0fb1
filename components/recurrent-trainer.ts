/**
 * The body train-gru and train-lstm share: pick the TensorFlow.js backend, train the recurrent forecaster with
 * per-epoch MLflow metrics, and hand it to the shared trainer flow. One function, a cell-type switch.
 */
import * as tf from '@tensorflow/tfjs';
import type { Executor } from '../shared/kfp/executor.js';
import { Logger } from '../shared/log.js';
import {
  disposeRecurrentModel,
  parameterCount,
  recurrentForecaster,
  saveRecurrentModel,
  trainRecurrent,
  validateHyperparameters,
  type CellType,
  type EpochRecord,
  type RecurrentHyperparameters,
} from '../shared/models/recurrent/index.js';
import { lineChart, section } from '../shared/report/html.js';
import { chooseBackend } from '../shared/tf/backend.js';
import type { recurrentTrainerSpec } from './recurrent-spec.js';
import { epochPoints, runTrainer } from './trainer.js';

export async function runRecurrentTrainer<C extends CellType>(executor: Executor<ReturnType<typeof recurrentTrainerSpec<C>>>, cell: C): Promise<void> {
  const p = executor.parameters;
  const hyper: RecurrentHyperparameters = {
    cell,
    hiddenSize: p.hidden_size,
    numLayers: p.num_layers,
    dropout: p.dropout,
    learningRate: p.learning_rate,
    batchSize: p.batch_size,
    epochs: p.epochs,
    patience: p.patience,
    minDelta: p.min_delta,
    clipNorm: p.clip_norm,
    lrDecayFactor: p.lr_decay_factor,
    lrDecayPatience: p.lr_decay_patience,
    seed: p.seed,
  };
  validateHyperparameters(hyper);
  const backend = await chooseBackend(p.backend, { log: new Logger(executor.spec.name) });

  await runTrainer(
    executor,
    cell,
    {
      hidden_size: p.hidden_size,
      num_layers: p.num_layers,
      dropout: p.dropout,
      learning_rate: p.learning_rate,
      batch_size: p.batch_size,
      epochs: p.epochs,
      patience: p.patience,
      min_delta: p.min_delta,
      clip_norm: p.clip_norm,
      lr_decay_factor: p.lr_decay_factor,
      lr_decay_patience: p.lr_decay_patience,
      seed: p.seed,
      backend: backend.backend,
    },
    async ({ data, run, log }) => {
      const history: EpochRecord[] = [];
      const result = await trainRecurrent({ train: data.train.frame, validation: data.validation.frame }, data.manifest, hyper, {
        onEpoch: async (record, line) => {
          history.push(record);
          log.info(line);
          await run.logMetricPoints(
            epochPoints(record.epoch, { train_loss: record.loss, val_loss: record.valLoss, learning_rate: record.learningRate, grad_norm: record.gradNorm }),
          );
        },
      });
      log.info(result.summaryLine);
      const summary = result.summary;
      await run.logMetrics({ best_epoch: summary.bestEpoch, best_val_loss: summary.bestValLoss, epochs_run: summary.epochsRun, seconds_per_epoch: summary.secondsPerEpoch });
      return {
        forecaster: recurrentForecaster(result.model),
        save: async (directory) => {
          await saveRecurrentModel(result.model, directory);
        },
        flavor: {
          name: 'tfjs_layers',
          config: { format: 'layers-model', model_file: 'model.json', weights_files: ['weights.bin'], manifest_file: 'manifest.json', tfjs_version: tf.version.tfjs, cell },
        },
        facts: {
          backend: backend.backend,
          parameter_count: parameterCount(result.model.network),
          best_epoch: summary.bestEpoch,
          epochs_run: summary.epochsRun,
          stop_reason: summary.stopReason,
          seconds_per_epoch: summary.secondsPerEpoch,
          best_val_loss: summary.bestValLoss,
        },
        reportSections: [
          section(
            `Training (backend ${backend.backend}; best epoch ${summary.bestEpoch} of ${summary.epochsRun}, ${summary.stopReason})`,
            lineChart(
              [
                { label: 'training loss (MSE, scaled)', x: history.map((r) => r.epoch), y: history.map((r) => r.loss) },
                { label: 'validation loss', x: history.map((r) => r.epoch), y: history.map((r) => r.valLoss) },
              ],
              { height: 220 },
            ),
          ),
        ],
        dispose: () => disposeRecurrentModel(result.model),
      };
    },
  );
}
