/**
 * Parameter groups that several components declare identically: lineage (identifier, config hash) and MLflow
 * tracking. Declared once here and spread into each component's spec.
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
