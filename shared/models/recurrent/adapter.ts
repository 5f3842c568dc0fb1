/**
 * GRU and LSTM as model kinds: one adapter, parameterised by the cell. Fitting picks the TensorFlow.js backend and
 * the layer kernel, trains with early stopping and logs every epoch; the saved directory is the tfjs-layers model
 * plus the manifest, described by a `tfjs_layers` MLmodel flavour that names the cell.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineAdapter, type FitData, type FitHooks, type FittedModel, type Model } from '../adapter.js';
import { hyperparametersFrom, RECURRENT_PARAMETERS, validateHyperparameters, type CellType, type RecurrentHyperparameters } from './hyperparameters.js';
import type { RecurrentModel } from './model.js';
import type { EpochRecord } from './progress.js';

const FLAVOR = 'tfjs_layers';

export function recurrentAdapter<const C extends CellType>(cell: C) {
  const label = cell.toUpperCase();
  return defineAdapter({
    kind: cell,
    label,
    description: `Trains a stacked ${label} forecaster (TensorFlow.js) on the preprocessed training split with early stopping on the validation split, scores it on the held-out split next to naive baselines, and logs everything to MLflow.`,
    parameters: RECURRENT_PARAMETERS,
    options: (values) => {
      const hyper = hyperparametersFrom(cell, values);
      validateHyperparameters(hyper);
      return { hyper, backend: values.backend, intervalWidth: values.interval_width };
    },
    trackedParams: ({ backend: _backend, ...values }) => values,
    fit: async (data, { hyper, backend, intervalWidth }, hooks) => fitRecurrent(data, hyper, backend, intervalWidth, hooks),
    fromFlavors: (flavors) => String((flavors[FLAVOR] as Record<string, unknown> | undefined)?.['cell'] ?? '').toLowerCase() === cell,
    identify: (directory) => (layerClasses(directory) === label ? { source: 'the layers in model.json' } : undefined),
    load: async (directory, options) => {
      const [{ chooseBackend }, recurrent] = await Promise.all([import('../../tf/backend.js'), import('./index.js')]);
      const chosen = await chooseBackend(options.backend ?? 'auto', options.log ? { log: options.log } : {});
      const layers = recurrent.layerKernelReport();
      options.log?.info(`recurrent layers: ${layers.kernel} (${layers.detail})`);
      const model = await recurrent.loadRecurrentModel(directory);
      return asModel(cell, model, { backend: chosen.backend, layer_kernel: layers.kernel }, recurrent, await import('../conformal.js'));
    },
  });
}

type RecurrentLibrary = typeof import('./index.js');

type ConformalLibrary = typeof import('../conformal.js');

function asModel(kind: CellType, model: RecurrentModel, facts: Record<string, string | number>, recurrent: RecurrentLibrary, conformal: ConformalLibrary): Model {
  const calibration = conformal.manifestInterval(model.manifest);
  return {
    kind,
    manifest: model.manifest,
    forecast: recurrent.recurrentForecaster(model),
    readsForecastRows: false,
    ...(calibration && { interval: { width: calibration.width, bounds: conformal.conformalInterval(calibration, model.manifest) } }),
    facts,
    dispose: () => recurrent.disposeRecurrentModel(model),
  };
}

async function fitRecurrent(
  data: FitData,
  hyper: RecurrentHyperparameters,
  backendRequest: string,
  intervalWidth: number,
  hooks: FitHooks,
): Promise<FittedModel> {
  const [tf, { chooseBackend }, recurrent, { section }, { lineChart }, conformal] = await Promise.all([
    import('@tensorflow/tfjs'),
    import('../../tf/backend.js'),
    import('./index.js'),
    import('../../report/html.js'),
    import('../../report/chart.js'),
    import('../conformal.js'),
  ]);
  const { log } = hooks;
  const backend = await chooseBackend(backendRequest, { log });
  const layers = recurrent.layerKernelReport();
  log.info(`recurrent layers: ${layers.kernel} (${layers.detail})`);
  const history: EpochRecord[] = [];
  const result = await recurrent.trainRecurrent({ train: data.train, validation: data.validation }, data.manifest, hyper, {
    onEpoch: async (record, line) => {
      history.push(record);
      log.info(line);
      // By the end of the first epoch the WASM cell loops have started their second thread, or know why not.
      if (record.epoch === 1 && backend.backend === 'wasm' && layers.kernel === 'cell-loop') {
        const status = recurrent.shardWorkerStatus();
        log.info(`WASM recurrent layers: shard worker ${status.state}`, status.state === 'running' ? { requests: status.requests } : { why: status.why });
      }
      await hooks.logEpoch?.(record.epoch, { train_loss: record.loss, val_loss: record.valLoss, learning_rate: record.learningRate, grad_norm: record.gradNorm });
    },
  });
  log.info(result.summaryLine);
  const { summary } = result;
  const share = hyper.linearHighway ? await (await import('./linear-blend.js')).blendWithLinearBaseline(result.model, data, { features: hyper.highwayFeatures }) : undefined;
  if (share) log.info('blended with the linear baseline', { recurrent_share: share.map((a) => a.toFixed(3)).join(',') });
  const calibration = await conformal.calibrateConformal(recurrent.recurrentForecaster(result.model), data, intervalWidth);
  log.info('interval', { method: calibration.method, width: calibration.width, half_widths: calibration.halfWidths.map((q) => Number(q.toPrecision(4))).join(','), origins: calibration.calibrationOrigins });
  const trained = { ...result.model, manifest: { ...result.model.manifest, interval: calibration } };
  const facts = {
    backend: backend.backend,
    layer_kernel: layers.kernel,
    parameter_count: recurrent.parameterCount(result.model.network),
    best_epoch: summary.bestEpoch,
    epochs_run: summary.epochsRun,
    stop_reason: summary.stopReason,
    seconds_per_epoch: summary.secondsPerEpoch,
    best_val_loss: summary.bestValLoss,
    ...(share && { recurrent_share: share.map((a) => a.toFixed(3)).join(',') }),
  };
  return {
    ...asModel(hyper.cell, trained, facts, recurrent, conformal),
    save: async (directory) => {
      await recurrent.saveRecurrentModel(trained, directory);
    },
    params: { backend: backend.backend, layer_kernel: layers.kernel },
    flavor: {
      name: FLAVOR,
      config: { format: 'layers-model', model_file: 'model.json', weights_files: ['weights.bin'], manifest_file: 'manifest.json', tfjs_version: tf.version.tfjs, cell: hyper.cell },
    },
    metrics: { best_epoch: summary.bestEpoch, best_val_loss: summary.bestValLoss, epochs_run: summary.epochsRun, seconds_per_epoch: summary.secondsPerEpoch },
    reportSections: [
      section(
        `Training (backend ${backend.backend}, ${layers.kernel} layers; best epoch ${summary.bestEpoch} of ${summary.epochsRun}, ${summary.stopReason})`,
        await lineChart(
          [
            { label: 'training loss (MSE, scaled)', x: history.map((r) => r.epoch), y: history.map((r) => r.loss) },
            { label: 'validation loss', x: history.map((r) => r.epoch), y: history.map((r) => r.valLoss) },
          ],
          { x: 'integer', xTitle: 'epoch', yTitle: 'loss' },
        ),
      ),
    ],
  };
}

/** "GRU" or "LSTM" when model.json's recurrent layers are all of one class; undefined otherwise (never throws). */
function layerClasses(directory: string): string | undefined {
  const topology = join(directory, 'model.json');
  if (!existsSync(topology)) return undefined;
  try {
    const model = JSON.parse(readFileSync(topology, 'utf8')) as { modelTopology?: { config?: { layers?: { class_name?: unknown }[] } } };
    const classes = new Set((model.modelTopology?.config?.layers ?? []).map((layer) => layer.class_name).filter((name) => name === 'GRU' || name === 'LSTM'));
    return classes.size === 1 ? String([...classes][0]) : undefined;
  } catch {
    return undefined;
  }
}
