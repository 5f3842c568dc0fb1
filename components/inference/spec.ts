/** The inference component's interface: windowed forecasts from the promoted model over the held-out data. */
import { lineageParameters, trackingParameters } from '../../shared/kfp/common-parameters.js';
import { defineComponent } from '../../shared/kfp/spec.js';

export const inferenceSpec = defineComponent({
  name: 'inference',
  description:
    'Loads the selected model with its preprocessing manifest and forecasts over the inference data: a rolling backtest over every origin with a full input window, and a forecast past the last timestamp. Predictions are written in original units, with errors where actuals exist.',
  inputs: {
    artifacts: {
      inference_data: { type: 'system.Dataset', description: "Preprocess's held-out split (or any data with the model's features)." },
      selected_model: { type: 'system.Model', description: "Eval's `selected_model` (or any trainer's `model`)." },
    },
    parameters: {
      mode: {
        type: 'STRING',
        description:
          '"backtest": forecast from every origin inside the data that has a full input window, scored against the actuals; "forecast": only from the last timestamp into the future; "both".',
        default: 'both',
        enum: ['backtest', 'forecast', 'both'],
      },
      inference_length: {
        type: 'NUMBER_INTEGER',
        description: 'Forecast mode: steps to forecast past the end of the data (recursively beyond the model horizon). 0 = the model horizon.',
        default: 0,
        min: 0,
        max: 100_000,
      },
      log_bucket: {
        type: 'STRING',
        description: 'Where the JSONL inference log goes: <identifier>/<YYYYMMDD>/<time>-<run>.jsonl, one object per call (no read-modify-write of a shared file). A bucket name (S3/MinIO when MINIO_ENDPOINT / AWS_* are set, else a directory under FLTS_LOCAL_STORE, default ./object-store) or a URI prefix; empty: no log.',
        default: 'inference-logs',
      },
      ...lineageParameters,
      ...trackingParameters('flts-inference'),
    },
  },
  outputs: {
    artifacts: {
      predictions: {
        type: 'system.Dataset',
        description:
          'Parquet, one row per forecast value, backtest rows first, then future rows. Columns: `time` (timestamp[ms, UTC]): the time forecast; `origin_time` (timestamp[ms, UTC]): the last time the model saw; `step` (int32): steps ahead of the origin, 1 … horizon (up to `inference_length` for future rows); `forecast` (float64): the forecast in original units; `lower`, `upper` (float64): the model\'s prediction interval (Prophet\'s own; for GRU/LSTM split-conformal, calibrated on the validation split and widened by √(round + 1) in later recursive rounds), NaN only for a model saved without one; `actual` (float64): the actual value, NaN for future rows; `error` (float64): forecast − actual, NaN for future rows; `is_future` (bool): true for rows past the end of the data (mode "forecast"/"both"), false for backtest rows.',
      },
      metrics: { type: 'system.Metrics', description: 'Backtest errors per horizon step and overall, in original and scaled units.' },
      report: { type: 'system.HTML', description: 'Forecast against actual over the inference period.' },
    },
    parameters: {},
  },
});
