/** The eval leaderboard as an HTML page: every candidate's score and held-out metrics next to the naive baselines. */
import type { TrainedModelMetadata } from '../../shared/models/trained-model.js';
import { barChart } from '../../shared/report/chart.js';
import { idCell, page, paragraph, section, table } from '../../shared/report/html.js';
import { metricName } from '../../shared/series/metric-names.js';
import type { PromotionRecord } from './promotion.js';

export async function evalReport(record: PromotionRecord, candidates: { input: string; metadata: TrainedModelMetadata }[]): Promise<string> {
  const metric = (metadata: Record<string, unknown>, key: string) => (typeof metadata[key] === 'number' ? (metadata[key] as number) : NaN);
  const baseline = (candidates[0]?.metadata ?? {}) as unknown as Record<string, unknown>;
  const baselines = ['persistence', 'seasonal_naive', 'linear'] as const;
  const rmseChart = await barChart(
    [
      ...record.candidates.map((candidate) => ({ label: candidate.model_type, value: candidates.find((c) => c.input === candidate.input)!.metadata.test_rmse_original, color: '#1f77b4' })),
      ...baselines.map((name) => ({ label: `${name} (baseline)`, value: metric(baseline, metricName(name, 'rmse', 'original')), color: '#999' })),
    ],
    { xTitle: 'RMSE on the held-out targets, original units (lower is better)' },
  );
  return page(`Eval: ${record.model_type.toUpperCase()} selected`, [
    section(
      'Leaderboard',
      table(
        ['model', 'score', 'RMSE', 'MAE', 'MSE', 'RMSE (original)', 'MAE (original)', 'skill vs persistence', 'skill vs linear', 'interval score', 'coverage', ...(record.gate ? ['gate'] : []), 'run'],
        record.candidates.map((candidate) => {
          const metadata = candidates.find((c) => c.input === candidate.input)!.metadata;
          const rejected = record.gate?.rejected.find((r) => r.run_id === candidate.run_id && r.model_type === candidate.model_type);
          return [
            candidate.model_type,
            candidate.score,
            metadata.test_rmse,
            metadata.test_mae,
            metadata.test_mse,
            metadata.test_rmse_original,
            metadata.test_mae_original,
            candidate.skill_vs_persistence ?? NaN,
            candidate.skill_vs_linear ?? NaN,
            candidate.interval_score ?? NaN,
            candidate.coverage ?? NaN,
            ...(record.gate ? [rejected ? `not eligible: ${rejected.reason}` : 'passes'] : []),
            idCell(candidate.run_id),
          ];
        }),
      ),
      paragraph(
        record.rank_by === 'interval_score'
          ? `Score = the mean interval (Winkler) score of each model's ${intervalPercent(candidates)} prediction interval on the same held-out (origin, step) targets, scaled units: its width plus 2/α × the distance of every actual outside it; lower is better. Coverage is the share of actuals inside.`
          : `Score = ${record.weights.rmse}·RMSE + ${record.weights.mae}·MAE + ${record.weights.mse}·MSE in ${record.units} units, on the same held-out (origin, step) targets for every model; lower is better. Interval score and coverage describe each model's prediction interval on the same targets.`,
        'muted',
      ),
      rmseChart,
      ...(record.gate
        ? [paragraph(`Promotion gate: ${gateText(record.gate)}; skill = 1 − RMSE / RMSE_baseline on the same targets.`, 'muted')]
        : []),
    ),
    section(
      'Baselines on the same targets',
      table(
        ['baseline', 'RMSE', 'MAE', 'RMSE (original)', 'MAE (original)'],
        baselines.map((name) => [
          name,
          metric(baseline, metricName(name, 'rmse')),
          metric(baseline, metricName(name, 'mae')),
          metric(baseline, metricName(name, 'rmse', 'original')),
          metric(baseline, metricName(name, 'mae', 'original')),
        ]),
      ),
    ),
    section(
      'Promotion',
      table(
        ['field', 'value'],
        [
          ['model_uri', record.model_uri],
          ['config_hash', record.config_hash],
          ['registered model', record.registered_model ? `${record.registered_model.name} ${record.registered_model.version ? `v${record.registered_model.version}` : '(version pending)'} @${record.registered_model.alias}` : '(not registered)'],
          ['time', record.timestamp],
        ],
      ),
    ),
  ]);
}

function gateText(gate: NonNullable<PromotionRecord['gate']>): string {
  return Object.entries(gate)
    .filter(([key]) => key.startsWith('min_skill_vs_'))
    .map(([key, value]) => `${key} = ${String(value)}`)
    .join(', ');
}

/** The candidates' nominal interval width as a percentage, e.g. "80 %". */
function intervalPercent(candidates: { metadata: { interval_width?: number } }[]): string {
  const width = candidates[0]?.metadata.interval_width;
  return width === undefined ? 'nominal' : `${Math.round(width * 1000) / 10} %`;
}
