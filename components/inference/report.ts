/** The inference report: backtest forecasts against actuals and the forecast past the data, in original units. */
import type { EvaluationReport } from '../../shared/series/evaluation.js';
import type { SeriesFrame } from '../../shared/series/frame.js';
import type { PreprocessingManifest } from '../../shared/series/manifest.js';
import { columnScale, unscaleValues } from '../../shared/series/scaler.js';
import { columnUnit, lineChart, type ChartOptions } from '../../shared/report/chart.js';
import { page, paragraph, section, table } from '../../shared/report/html.js';
import type { FutureForecast } from '../../shared/models/future.js';

export async function inferenceReport(modelType: string, data: SeriesFrame, manifest: PreprocessingManifest, backtest: EvaluationReport | undefined, future: FutureForecast | undefined): Promise<string> {
  const axes: ChartOptions = { x: 'time', yTitle: manifest.target, unit: columnUnit(manifest.target) };
  const scale = columnScale(manifest.scaler, manifest.target);
  const actual = unscaleValues(data.columns[manifest.target]!, scale);
  const sections: string[] = [];
  if (backtest) {
    const { series, task } = backtest;
    const time = Float64Array.from(series.originTime, (t) => t + task.frequencyMs);
    const atStep1 = (values: Float64Array) => Float64Array.from(series.originTime, (_, i) => values[i * task.horizon]!);
    const step1 = atStep1(series.forecast);
    const band = series.lower && series.upper ? intervalLines(time, atStep1(series.lower), atStep1(series.upper), backtest.interval?.width) : [];
    sections.push(
      section(
        'Backtest',
        table(
          ['', 'RMSE', 'MAE', 'MAPE %'],
          [
            [modelType.toUpperCase(), backtest.model.original.rmse, backtest.model.original.mae, backtest.model.original.mape ?? NaN],
            ['persistence', backtest.baselines.persistence.original.rmse, backtest.baselines.persistence.original.mae, backtest.baselines.persistence.original.mape ?? NaN],
          ],
        ),
        paragraph(
          `${task.origins} origins × ${task.horizon} steps, original units (${manifest.target}).` +
            (backtest.interval ? ` Interval (${Math.round(backtest.interval.width * 100)} % nominal): ${(backtest.interval.coverage * 100).toFixed(1)} % of actuals inside.` : ''),
          'muted',
        ),
        await lineChart([{ label: 'actual', x: data.time, y: actual, color: '#444' }, { label: 'forecast, step 1', x: time, y: step1, color: '#1f77b4' }, ...band], axes),
      ),
    );
  }
  if (future) {
    const values = unscaleValues(future.scaled, scale);
    const lower = future.lower && unscaleValues(future.lower, scale);
    const upper = future.upper && unscaleValues(future.upper, scale);
    const tail = Math.max(0, data.time.length - 5 * values.length);
    sections.push(
      section(
        `Forecast past the data (${values.length} steps)`,
        await lineChart(
          [
            { label: 'actual', x: data.time.subarray(tail), y: actual.subarray(tail), color: '#444' },
            { label: 'forecast', x: future.time, y: values, color: '#1f77b4' },
            ...(lower && upper ? intervalLines(future.time, lower, upper, undefined) : []),
          ],
          axes,
        ),
        table(
          ['time', 'forecast', 'lower', 'upper'],
          Array.from(future.time, (t, i) => [new Date(t).toISOString(), values[i]!, lower?.[i] ?? NaN, upper?.[i] ?? NaN]),
        ),
      ),
    );
  }
  return page(`Inference with ${modelType.toUpperCase()}`, sections);
}

/** The interval's bounds as two dashed lines in the forecast's colour. */
function intervalLines(x: Float64Array, lower: Float64Array, upper: Float64Array, width: number | undefined) {
  const label = width === undefined ? 'interval' : `${Math.round(width * 100)} % interval`;
  return [
    { label: `${label}, lower`, x, y: lower, color: '#1f77b4', dashed: true },
    { label: `${label}, upper`, x, y: upper, color: '#1f77b4', dashed: true },
  ];
}
