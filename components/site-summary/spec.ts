/**
 * The site-summary component's interface: the fan-in of the multi-site pipeline. It runs in the eval image
 * (`node /app/dist/eval.js site-summary`), so the cross-site summary costs no image of its own.
 */
import { defineComponent } from '../../shared/kfp/spec.js';

export const siteSummarySpec = defineComponent({
  name: 'site-summary',
  host: { component: 'eval', subcommand: 'site-summary' },
  description:
    'Summarises a multi-site run: per site, the champion eval promoted, its composite score and skill against the persistence and linear baselines, the backtest error of inference, and the forecast past the end of the data. Takes the per-site outputs as collected lists (dsl.Collected over a dsl.ParallelFor), in site order, and checks that the two lists pair up.',
  inputs: {
    artifacts: {
      promotions: {
        type: 'system.Artifact',
        description: "Each site's eval `promotion_metadata` (the promotion record JSON), in site order.",
        list: true,
      },
      predictions: {
        type: 'system.Dataset',
        description: "Each site's inference `predictions` (Parquet), in the same order as `promotions`.",
        list: true,
      },
    },
    parameters: {
      forecast_steps: {
        type: 'NUMBER_INTEGER',
        description: 'How many future steps of each site’s forecast the summary keeps (0 = all of them).',
        default: 0,
        min: 0,
      },
    },
  },
  outputs: {
    artifacts: {
      summary: {
        type: 'system.Artifact',
        description:
          'JSON: `{"sites": [{identifier, config_hash, champion, run_id, score, skill_vs_persistence, skill_vs_linear, candidates, backtest_rmse, forecast: {time, forecast, lower, upper}}]}`, one entry per site in site order; skills are null where a baseline is missing, times are ISO 8601 UTC.',
      },
      report: { type: 'system.HTML', description: 'The same as tables: one row per site, then each site’s forecast.' },
    },
    parameters: {
      sites: { type: 'NUMBER_INTEGER', description: 'How many sites the summary covers.' },
    },
  },
});
