/**
 * The body train-gru and train-lstm share: pick the TensorFlow.js backend, train the recurrent forecaster with
 * per-epoch MLflow metrics, and hand it to the shared trainer flow. The two differ only in the cell type passed in.
 */
import * as tf from '@tensorflow/tfjs';
import type { Executor } from '../shared/kfp/executor.js';
import { Logger } from '../shared/log.js';
import {
  disposeRecurrentModel,
  layerKernelReport,
  parameterCount,
  recurrentForecaster,
  saveRecurrentModel,
  shardWorkerStatus,
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

/**
 * The component parameters that are training hyperparameters, named as the component and MLflow name them; the
 * library's field for each is its camelCase form (RecurrentHyperparameters).
 */
const HYPERPARAMETERS = [
  'hidden_size',
  'num_layers',
  'dropout',
  'learning_rate',
  'batch_size',
  'epochs',
  'patience',
  'min_delta',
  'clip_norm',
  'lr_decay_factor',
  'lr_decay_patience',
  'seed',
] as const;
type Hyperparameter = (typeof HYPERPARAMETERS)[number];
type CamelCase<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<CamelCase<Tail>>}` : S;

export async function runRecurrentTrainer<C extends CellType>(executor: Executor<ReturnType<typeof recurrentTrainerSpec<C>>>, cell: C): Promise<void> {
  const p = executor.parameters;
  const params = Object.fromEntries(HYPERPARAMETERS.map((name) => [name, p[name]])) as Record<Hyperparameter, number>;
  // Typed field by field, so a hyperparameter missing from the list (or misnamed) does not compile.
  const fields = Object.fromEntries(HYPERPARAMETERS.map((name) => [camelCase(name), params[name]])) as { [K in Hyperparameter as CamelCase<K>]: number };
  const hyper: RecurrentHyperparameters = { cell, ...fields };
  validateHyperparameters(hyper);
  const startLog = new Logger(executor.spec.name);
  const backend = await chooseBackend(p.backend, { log: startLog });
  const layers = layerKernelReport();
  startLog.info(`recurrent layers: ${layers.kernel} (${layers.detail})`);

  await runTrainer(
    executor,
    cell,
    { ...params, backend: backend.backend, layer_kernel: layers.kernel },
    async ({ data, run, log }) => {
      const history: EpochRecord[] = [];
      const result = await trainRecurrent({ train: data.train.frame, validation: data.validation.frame }, data.manifest, hyper, {
        onEpoch: async (record, line) => {
          history.push(record);
          log.info(line);
          // By the end of the first epoch the WASM cell loops have started their second thread, or know why not.
          if (record.epoch === 1 && backend.backend === 'wasm' && layers.kernel === 'cell-loop') logShardWorker(log);
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
          layer_kernel: layers.kernel,
          parameter_count: parameterCount(result.model.network),
          best_epoch: summary.bestEpoch,
          epochs_run: summary.epochsRun,
          stop_reason: summary.stopReason,
          seconds_per_epoch: summary.secondsPerEpoch,
          best_val_loss: summary.bestValLoss,
        },
        reportSections: [
          section(
            `Training (backend ${backend.backend}, ${layers.kernel} layers; best epoch ${summary.bestEpoch} of ${summary.epochsRun}, ${summary.stopReason})`,
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

function camelCase<S extends string>(name: S): CamelCase<S> {
  return name.replace(/_(.)/g, (_, letter: string) => letter.toUpperCase()) as CamelCase<S>;
}

/** Whether the WASM layers split batches over a second thread, and if not why (shard-worker.ts). */
function logShardWorker(log: Logger): void {
  const status = shardWorkerStatus();
  log.info(`WASM recurrent layers: shard worker ${status.state}`, status.state === 'running' ? { requests: status.requests } : { why: status.why });
}
