/**
 * Parameter groups that several components declare identically: lineage (identifier, config hash), MLflow
 * tracking, and the forecasting task every trainer and the evaluation share. Declared once here and spread
 * into each component's spec.
 */
import type { InputParameterSpec } from './spec.js';

/** Lineage: which pipeline run and which preprocessing configuration a component works for. */
export const lineageParameters = {
  identifier: {
    type: 'STRING',
    description:
      'Free-form run identifier (e.g. a site or a campaign). Recorded in MLflow tags, promotion records, inference logs and object keys (empty: "global" in keys, as upstream FLTS); not part of the config hash (as upstream FLTS).',
    default: '',
  },
  config_hash: {
    type: 'STRING',
    description:
      "sha256 of the preprocessing config (preprocess's `config_hash` output). Used to check that the data matches, and tagged on every MLflow run. Empty: taken from the input data's metadata.",
    default: '',
  },
} as const satisfies Record<string, InputParameterSpec>;

/** MLflow tracking: where runs go. Credentials come from the environment only and are never logged. */
export function trackingParameters<const E extends string>(defaultExperiment: E) {
  return {
    mlflow_tracking_uri: {
      type: 'STRING',
      description:
        'MLflow tracking URI. An http(s) URI uses the REST API (auth from MLFLOW_TRACKING_USERNAME/PASSWORD or MLFLOW_TRACKING_TOKEN); a path or file: URI writes an offline mlruns/ store. Empty: the MLFLOW_TRACKING_URI environment variable, else ./mlruns.',
      default: '',
    },
    mlflow_experiment: {
      type: 'STRING',
      description: 'MLflow experiment name; created when missing.',
      default: defaultExperiment,
    },
  } as const satisfies Record<string, InputParameterSpec>;
}

/** The forecasting task: every trainer is scored on the same (origin, horizon step) targets of the held-out split. */
export const taskParameters = {
  input_length: {
    type: 'NUMBER_INTEGER',
    description:
      'Input window: how many past time steps a forecast may look at. Also decides which held-out origins are scored (those with a full window of real history), so give every trainer the same value.',
    default: 30,
    min: 1,
  },
  horizon: {
    type: 'NUMBER_INTEGER',
    description: 'Forecast horizon in time steps: each origin is forecast 1..horizon steps ahead (direct multi-step).',
    default: 6,
    min: 1,
  },
} as const satisfies Record<string, InputParameterSpec>;
