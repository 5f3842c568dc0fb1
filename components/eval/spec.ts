/** The eval component's interface: rank the trained models on the shared held-out task and promote the best. */
import { lineageParameters, trackingParameters } from '../../shared/kfp/common-parameters.js';
import { defineComponent } from '../../shared/kfp/spec.js';

const candidate = (label: string) =>
  ({
    type: 'system.Model',
    description: `The ${label} trainer's \`model\` output; its metadata carries the held-out metrics.`,
    optional: true,
  }) as const;

export const evalSpec = defineComponent({
  name: 'eval',
  description:
    'Compares the trained models on the same held-out targets with a weighted composite score, promotes the best one (MLflow registry alias and a promotion record), and passes it on as `selected_model`. Optionally gated: with `min_skill_vs_persistence` set, only a model that beats the persistence baseline by that much can be promoted, and eval fails (nothing promoted) when none does. Moving the alias and then writing the current.json promotion pointers are the last steps: a failed eval leaves the alias, the promotion records and the winner\'s training run as they were, and re-running eval for the same winning run reuses its registered version.',
  inputs: {
    artifacts: {
      gru_model: candidate('GRU'),
      lstm_model: candidate('LSTM'),
      prophet_model: candidate('Prophet'),
    },
    parameters: {
      rmse_weight: { type: 'NUMBER_DOUBLE', description: 'Weight of RMSE in the composite score (lower is better).', default: 0.5, min: 0 },
      mae_weight: { type: 'NUMBER_DOUBLE', description: 'Weight of MAE in the composite score.', default: 0.3, min: 0 },
      mse_weight: { type: 'NUMBER_DOUBLE', description: 'Weight of MSE in the composite score.', default: 0.2, min: 0 },
      score_units: {
        type: 'STRING',
        description: 'Which metrics the score uses: "scaled" (as upstream FLTS) or "original" (the target\'s own units).',
        default: 'scaled',
        enum: ['scaled', 'original'],
      },
      rank_by: {
        type: 'STRING',
        description:
          'What the candidates are ranked by: "composite" (the weighted error score above) or "interval_score" (the mean interval (Winkler) score of each model\'s prediction interval on the held-out targets, scaled units: the interval\'s width plus a penalty for every actual outside it; lower is better). "interval_score" needs every candidate to report one, at the same interval_width. The gates apply either way.',
        default: 'composite',
        enum: ['composite', 'interval_score'],
      },
      min_models: {
        type: 'NUMBER_INTEGER',
        description: 'Fail unless at least this many candidate models were given (and passed verification).',
        default: 1,
        min: 1,
        max: 3,
      },
      min_skill_vs_persistence: {
        type: 'NUMBER_DOUBLE',
        description:
          'Promotion gate; unset = no gate. Only candidates whose skill vs persistence (1 − RMSE / RMSE of repeating the last observed value, on the same held-out targets; unit-free, 0 = no better than persistence, 1 = perfect) is at least this value may be selected, and the best-scoring of those wins. When none passes, eval fails (exit 2) naming this parameter and promotes nothing: the registry alias and the promotion records keep the previous champion, and inference does not run. 0 is the usual setting; a candidate without a persistence baseline in its metadata never passes.',
        optional: true,
        max: 1,
      },
      min_skill_vs_linear: {
        type: 'NUMBER_DOUBLE',
        description:
          'Promotion gate against the linear autoregressive baseline (ridge regression on the last min(10, input_length) target values, one direct model per step, fitted on the training split); unset = no gate. Only candidates whose skill vs linear (1 − RMSE / RMSE_linear on the same held-out targets) is at least this value may be selected; when none passes, eval fails (exit 2) and promotes nothing. Unset or not, eval warns when every candidate loses to the linear baseline.',
        optional: true,
        max: 1,
      },
      registered_model_name: {
        type: 'STRING',
        description: 'MLflow Model Registry name the winner is registered under (empty = do not register).',
        default: 'flts-forecaster',
      },
      alias: {
        type: 'STRING',
        description: 'Registry alias pointed at the winning version, near the end of a promotion: only the current.json pointers are written after it, and if that fails the alias moves back. A version already registered for the winning run is reused, never duplicated.',
        default: 'champion',
      },
      promotion_bucket: {
        type: 'STRING',
        description:
          'Where promotion records go, as upstream FLTS: <identifier>/<config_hash>/promotion-<time>.json, <identifier>/current.json and current.json. A bucket name (S3/MinIO when MINIO_ENDPOINT / AWS_* are set, else a directory under FLTS_LOCAL_STORE, default ./object-store) or a URI prefix; empty: only the artifact.',
        default: 'model-promotion',
      },
      ...lineageParameters,
      ...trackingParameters('flts-eval'),
    },
  },
  outputs: {
    artifacts: {
      selected_model: { type: 'system.Model', description: 'A copy of the winning model directory, with its metadata.' },
      promotion_metadata: {
        type: 'system.Artifact',
        description: 'The promotion record (JSON): winner, run id, model URI, scores of every candidate, weights, config hash.',
      },
      report: { type: 'system.HTML', description: 'Leaderboard of the candidates and the naive baselines.' },
    },
    parameters: {
      selected_model_type: { type: 'STRING', description: 'gru, lstm or prophet.' },
      selected_run_id: { type: 'STRING', description: 'MLflow run id of the winner.' },
    },
  },
});
