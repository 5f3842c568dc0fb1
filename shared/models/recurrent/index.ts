/**
 * GRU and LSTM forecasters on TensorFlow.js: build, train, forecast, save and load. Free of KFP and MLflow; the
 * train-gru/train-lstm components wire it to artifacts and tracking.
 */
export { forecast, recurrentForecaster, type ForecastOptions } from './forecast.js';
export { validateHyperparameters, type CellType, type RecurrentHyperparameters } from './hyperparameters.js';
export { checkNetworkMatchesManifest, disposeRecurrentModel, type RecurrentModel } from './model.js';
export { loadRecurrentModel, MODEL_FILES, saveRecurrentModel } from './model-directory.js';
export { buildNetwork, networkFromModel, parameterCount, type NetworkShape, type RecurrentNetwork } from './network.js';
export { formatEpochLine, formatSummary, type EpochRecord, type StopReason, type TrainingSummary } from './progress.js';
export { layerKernelReport, type KernelReport, type LayerKernel } from './recurrent-layer.js';
export { shardWorkerStatus, type ShardWorkerStatus } from './shard-worker.js';
export { trainRecurrent, type TrainingResult, type TrainOptions } from './train.js';
export type { TrainingFrames } from './training-data.js';
