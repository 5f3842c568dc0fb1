/** The inference report: backtest forecasts against actuals and the forecast past the data, in original units. */
import type { EvaluationReport } from '../../shared/series/evaluation.js';
import type { SeriesFrame } from '../../shared/series/frame.js';
import type { PreprocessingManifest } from '../../shared/series/manifest.js';
import { columnScale, unscaleValues } from '../../shared/series/scaler.js';
import { lineChart, page, paragraph, section, table } from '../../shared/report/html.js';
import type { FutureForecast } from '../../shared/models/future.js';

export function inferenceReport(modelType: string, data: SeriesFrame, manifest: PreprocessingManifest, backtest: EvaluationReport | undefined, future: FutureForecast | undefined): string {
  const scale = columnScale(manifest.scaler, manifest.target);
  const actual = unscaleValues(data.columns[manifest.target]!, scale);
  const sections: string[] = [];
  if (backtest) {
    const { series, task } = backtest;
    const time = Float64Array.from(series.originTime, (t) => t + task.frequencyMs);
    const step1 = Float64Array.from(series.originTime, (_, i) => series.forecast[i * task.horizon]!);
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
        paragraph(`${task.origins} origins × ${task.horizon} steps, original units (${manifest.target}).`, 'muted'),
        lineChart([{ label: 'actual', x: data.time, y: actual, color: '#444' }, { label: 'forecast, step 1', x: time, y: step1 }], { timeAxis: true }),
      ),
    );
  }
  if (future) {
    const values = unscaleValues(future.scaled, scale);
    const tail = Math.max(0, data.time.length - 5 * values.length);
    sections.push(
      section(
        `Forecast past the data (${values.length} steps)`,
        lineChart(
          [
            { label: 'actual', x: data.time.subarray(tail), y: actual.subarray(tail), color: '#444' },
            { label: 'forecast', x: future.time, y: values },
          ],
          { timeAxis: true },
        ),
        table(['time', 'forecast'], Array.from(future.time, (t, i) => [new Date(t).toISOString(), values[i]!])),
      ),
    );
  }
  return page(`Inference with ${modelType.toUpperCase()}`, sections);
}
