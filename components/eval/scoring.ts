/**
 * Ranking the candidates: upstream FLTS's composite score, 0.5·RMSE + 0.3·MAE + 0.2·MSE by default (lower is
 * better), now with the weights actually configurable and computed on the same held-out targets for every
 * model. Porting note: upstream mixed in-sample and held-out numbers and broke ties differently per mode;
 * here candidates must share the config hash and the task (window, horizon, targets), and ties go to the
 * first candidate in the order GRU, LSTM, Prophet. `rank_by: interval_score` ranks by the mean interval (Winkler)
 * score instead, which rewards a narrow interval that still holds the actuals.
 */
import { DataError } from '../../shared/errors.js';
import type { ModelType } from '../../shared/models/registry.js';
import type { TrainedModelMetadata } from '../../shared/models/trained-model.js';
import { intervalMetricName, metricName, SKILL_METRICS, type Units } from '../../shared/series/metric-names.js';

/** What the candidates are ranked by: the composite error score, or the interval score of their prediction intervals. */
export type RankBy = 'composite' | 'interval_score';

export interface Weights {
  rmse: number;
  mae: number;
  mse: number;
}

export interface ScoredCandidate {
  /** The input artifact it came from (gru_model, …). */
  input: string;
  model_type: ModelType;
  run_id: string;
  model_uri: string;
  rmse: number;
  mae: number;
  mse: number;
  score: number;
  /**
   * 1 − RMSE / RMSE_baseline on the same held-out targets (unit-free: the same in scaled and original units), for
   * the persistence and the linear baseline; null when the candidate's metadata has no such baseline.
   */
  skill_vs_persistence: number | null;
  skill_vs_linear: number | null;
  /** Mean interval (Winkler) score and coverage of its prediction interval on the held-out targets (scaled); null without one. */
  interval_score: number | null;
  coverage: number | null;
}

export function compositeScore(metrics: { rmse: number; mae: number; mse: number }, weights: Weights): number {
  return weights.rmse * metrics.rmse + weights.mae * metrics.mae + weights.mse * metrics.mse;
}

/** Scores every candidate and sorts them best first; throws when they were not trained on the same task. */
export function rankCandidates(
  candidates: { input: string; metadata: TrainedModelMetadata }[],
  weights: Weights,
  units: Units,
  rankBy: RankBy = 'composite',
): ScoredCandidate[] {
  checkComparable(candidates);
  if (rankBy === 'interval_score') checkIntervals(candidates);
  const scored = candidates.map(({ input, metadata }, order) => {
    const rmse = metadata[metricName('test', 'rmse', units)];
    const mae = metadata[metricName('test', 'mae', units)];
    const mse = metadata[metricName('test', 'mse', units)];
    return {
      order,
      candidate: {
        input,
        model_type: metadata.model_type,
        run_id: metadata.run_id,
        model_uri: metadata.model_uri,
        rmse,
        mae,
        mse,
        score: rankBy === 'interval_score' ? intervalScore(metadata)! : compositeScore({ rmse, mae, mse }, weights),
        skill_vs_persistence: skillVs(metadata, 'persistence'),
        skill_vs_linear: skillVs(metadata, 'linear'),
        interval_score: intervalScore(metadata),
        coverage: finiteOrNull(metadata.test_coverage),
      },
    };
  });
  const valid = scored.filter(({ candidate }) => Number.isFinite(candidate.score));
  if (valid.length === 0) throw new DataError('No candidate has a finite score; every trainer reported non-finite held-out metrics.');
  return valid.sort((a, b) => a.candidate.score - b.candidate.score || a.order - b.order).map(({ candidate }) => candidate);
}

/** The trainer's skill against `baseline`, else computed from `test_rmse` and the baseline's RMSE; null when neither is there. */
export function skillVs(metadata: TrainedModelMetadata, baseline: 'persistence' | 'linear'): number | null {
  const reported = metadata[SKILL_METRICS[baseline]];
  if (typeof reported === 'number' && !Number.isNaN(reported)) return reported;
  const baselineRmse = metadata[metricName(baseline, 'rmse')];
  const rmse = metadata[metricName('test', 'rmse')];
  if (typeof baselineRmse === 'number' && baselineRmse > 0 && Number.isFinite(rmse)) return 1 - rmse / baselineRmse;
  return null;
}

function intervalScore(metadata: TrainedModelMetadata): number | null {
  return finiteOrNull(metadata.test_winkler);
}

function finiteOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Interval scores rank fairly only between intervals of one nominal width, and every candidate must have one. */
function checkIntervals(candidates: { input: string; metadata: TrainedModelMetadata }[]): void {
  const without = candidates.filter(({ metadata }) => intervalScore(metadata) === null);
  if (without.length > 0) {
    throw new DataError(
      `rank_by is "interval_score", but ${without.map(({ input }) => `"${input}"`).join(', ')} report no finite ${intervalMetricName('test', 'winkler')} (a model trained before intervals were scored); retrain it or rank by "composite".`,
    );
  }
  const widths = new Set(candidates.map(({ metadata }) => metadata.interval_width));
  if (widths.size > 1) {
    const detail = candidates.map(({ input, metadata }) => `${input}: ${String(metadata.interval_width)}`).join(', ');
    throw new DataError(`rank_by is "interval_score", but the candidates' intervals have different nominal widths (interval_width ${detail}); train them with the same interval_width.`);
  }
}

function checkComparable(candidates: { input: string; metadata: TrainedModelMetadata }[]): void {
  for (const key of ['config_hash', 'input_length', 'horizon', 'targets'] as const) {
    const values = new Set(candidates.map(({ metadata }) => metadata[key]));
    if (values.size > 1) {
      const detail = candidates.map(({ input, metadata }) => `${input}: ${metadata[key]}`).join(', ');
      throw new DataError(`The candidates were not evaluated on the same task: their ${key} differ (${detail}); train them on the same preprocess output with the same input_length and horizon.`);
    }
  }
}
