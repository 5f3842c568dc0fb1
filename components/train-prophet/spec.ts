/** The train-prophet component's interface: Prophet's own parameters plus the shared task and tracking ones. */
import { lineageParameters, taskParameters, trackingParameters } from '../../shared/kfp/common-parameters.js';
import { defineComponent } from '../../shared/kfp/spec.js';
import { trainerArtifacts } from '../trainer-artifacts.js';

const seasonalityDescription = (name: string, rule: string) =>
  `${name} seasonality: "auto" (on when ${rule}), "true", "false", or a Fourier order such as "10".`;

export const trainProphetSpec = defineComponent({
  name: 'train-prophet',
  description:
    'Fits a Prophet model (TypeScript port: piecewise-linear or logistic trend with changepoints, Fourier seasonalities, holidays, MAP fit with Stan\'s L-BFGS/Newton) to the target, scores it on the held-out split with the shared evaluation protocol, and logs it to MLflow in Prophet\'s JSON format.',
  inputs: {
    artifacts: trainerArtifacts.inputs,
    parameters: {
      ...taskParameters,
      growth: {
        type: 'STRING',
        description: 'Trend: "linear", "logistic" (needs `cap`) or "flat".',
        default: 'linear',
        enum: ['linear', 'logistic', 'flat'],
      },
      cap: {
        type: 'NUMBER_DOUBLE',
        description: 'Logistic growth only: carrying capacity in the units of the scaled target.',
        optional: true,
      },
      floor: {
        type: 'NUMBER_DOUBLE',
        description: 'Logistic growth only: saturating minimum in scaled target units.',
        optional: true,
      },
      n_changepoints: { type: 'NUMBER_INTEGER', description: 'Number of potential trend changepoints.', default: 25, min: 0 },
      changepoint_range: {
        type: 'NUMBER_DOUBLE',
        description: 'Fraction of the history in which changepoints are placed.',
        default: 0.8,
        greaterThan: 0,
        max: 1,
      },
      changepoint_prior_scale: {
        type: 'NUMBER_DOUBLE',
        description: 'Laplace prior scale of the changepoint rate changes: larger makes the trend more flexible.',
        default: 0.05,
        greaterThan: 0,
      },
      yearly_seasonality: { type: 'STRING', description: seasonalityDescription('Yearly', 'the history spans two years'), default: 'auto' },
      weekly_seasonality: {
        type: 'STRING',
        description: seasonalityDescription('Weekly', 'the history spans two weeks at sub-weekly resolution'),
        default: 'auto',
      },
      daily_seasonality: {
        type: 'STRING',
        description: seasonalityDescription('Daily', 'the history spans two days at sub-daily resolution'),
        default: 'auto',
      },
      seasonality_mode: {
        type: 'STRING',
        description: 'How seasonalities combine with the trend: "additive" or "multiplicative".',
        default: 'additive',
        enum: ['additive', 'multiplicative'],
      },
      seasonality_prior_scale: {
        type: 'NUMBER_DOUBLE',
        description: 'Normal prior scale of the seasonal coefficients.',
        default: 10,
        greaterThan: 0,
      },
      holidays_uri: {
        type: 'STRING',
        description:
          'Optional CSV of holidays (columns holiday, ds, and optionally lower_window, upper_window, prior_scale): a local path, file://, s3:// or minio:// URI.',
        default: '',
      },
      holidays_prior_scale: { type: 'NUMBER_DOUBLE', description: 'Normal prior scale of holiday effects.', default: 10, greaterThan: 0 },
      regressors: {
        type: 'LIST',
        description:
          'Columns of the preprocessed data to add as extra regressors. Their future values must be known at forecast time, so only deterministic columns (such as the time features) are safe; default none.',
        default: [],
      },
      interval_width: {
        type: 'NUMBER_DOUBLE',
        description: 'Width of the uncertainty interval (0.8 = 10th to 90th percentile).',
        default: 0.8,
        greaterThan: 0,
        max: 0.999,
      },
      uncertainty_samples: {
        type: 'NUMBER_INTEGER',
        description: 'Monte Carlo draws for the uncertainty interval (0 = no interval).',
        default: 1000,
        min: 0,
      },
      seed: { type: 'NUMBER_INTEGER', description: 'Seed of the uncertainty simulation.', default: 42, min: 0 },
      ...lineageParameters,
      ...trackingParameters('flts-prophet'),
    },
  },
  outputs: trainerArtifacts.outputs,
});
