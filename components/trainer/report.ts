/** A trainer's HTML report: held-out metrics next to the baselines, error per step, forecast against actual. */
import { columnUnit, lineChart } from '../../shared/report/chart.js';
import { page, paragraph, section, table } from '../../shared/report/html.js';
import type { EvaluationReport, ForecastScores } from '../../shared/series/evaluation.js';

export async function trainerReport(modelType: string, report: EvaluationReport, extraSections: string[], lineage: { runId: string; configHash: string }): Promise<string> {
  const { task } = report;
  const rows: [string, ForecastScores | null][] = [
    [modelType.toUpperCase(), report.model],
    ['persistence', report.baselines.persistence],
    ['seasonal naive (1 day)', report.baselines.seasonalNaive],
    ['linear autoregression', report.baselines.linear],
  ];
  const step = (h: number) => seriesAtStep(report, h);
  const first = step(1);
  const last = step(task.horizon);
  return page(`${modelType.toUpperCase()}: held-out evaluation`, [
    section(
      'Held-out metrics',
      table(
        ['model', 'RMSE', 'MAE', 'MSE', 'RMSE (original)', 'MAE (original)', 'MAPE %', 'sMAPE %'],
        rows
          .filter((row): row is [string, ForecastScores] => row[1] !== null)
          .map(([name, scores]) => [name, scores.scaled.rmse, scores.scaled.mae, scores.scaled.mse, scores.original.rmse, scores.original.mae, scores.original.mape ?? NaN, scores.original.smape ?? NaN]),
      ),
      paragraph(
        `${task.origins} origins × ${task.horizon} steps = ${task.targets} targets in the held-out split (input length ${task.inputLength}). ` +
          `Skill vs persistence: ${report.skill.vsPersistence.toFixed(3)}${report.skill.vsSeasonalNaive !== null ? `; vs seasonal naive: ${report.skill.vsSeasonalNaive.toFixed(3)}` : ''}${report.skill.vsLinear !== null ? `; vs linear autoregression: ${report.skill.vsLinear.toFixed(3)}` : ''} (1 − RMSE ratio; > 0 is better than the baseline).`,
        'muted',
      ),
    ),
    section(
      'Error by horizon step (scaled RMSE)',
      table(
        ['step', modelType.toUpperCase(), 'persistence', 'seasonal naive', 'linear'],
        report.model.perStep.map((s, i) => [
          s.step,
          s.scaled.rmse,
          report.baselines.persistence.perStep[i]!.scaled.rmse,
          report.baselines.seasonalNaive?.perStep[i]?.scaled.rmse ?? NaN,
          report.baselines.linear?.perStep[i]?.scaled.rmse ?? NaN,
        ]),
      ),
    ),
    section(
      `Forecast against actual, ${task.horizon > 1 ? `steps 1 and ${task.horizon}` : 'step 1'} (original units)`,
      await lineChart(
        [
          { label: 'actual', x: first.time, y: first.actual, color: '#444' },
          { label: 'forecast, step 1', x: first.time, y: first.forecast },
          ...(task.horizon > 1 ? [{ label: `forecast, step ${task.horizon}`, x: last.time, y: last.forecast, dashed: true }] : []),
        ],
        { x: 'time', yTitle: task.target, unit: columnUnit(task.target) },
      ),
    ),
    ...(report.interval
      ? [
          section(
            `Prediction interval (${Math.round(report.interval.width * 100)} % nominal)`,
            table(
              ['step', 'coverage %', 'Winkler score (scaled)'],
              [
                ...report.interval.perStep.map((s) => [s.step, s.coverage * 100, s.winkler]),
                ['all', report.interval.coverage * 100, report.interval.winkler],
              ],
            ),
            paragraph('Coverage: share of held-out actuals inside the interval. Winkler score: width plus 2/α times any miss, lower is better.', 'muted'),
          ),
        ]
      : []),
    ...extraSections,
    section('Lineage', table(['field', 'value'], [['MLflow run', lineage.runId], ['config_hash', lineage.configHash]])),
  ]);
}

/** The targets at horizon step h: their times, actuals and forecasts (original units). */
function seriesAtStep(report: EvaluationReport, h: number): { time: Float64Array; actual: Float64Array; forecast: Float64Array } {
  const { series, task } = report;
  const n = series.originTime.length;
  const time = new Float64Array(n);
  const actual = new Float64Array(n);
  const forecast = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    time[i] = series.originTime[i]! + h * task.frequencyMs;
    actual[i] = series.actual[i * task.horizon + h - 1]!;
    forecast[i] = series.forecast[i * task.horizon + h - 1]!;
  }
  return { time, actual, forecast };
}
