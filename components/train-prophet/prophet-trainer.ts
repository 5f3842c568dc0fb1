/**
 * The train-prophet body: Prophet fitted to the scaled target of the training and validation splits (Prophet
 * has no early stopping, so the validation period is simply more history), with optional extra regressors and
 * holidays, handed to the shared trainer flow for the held-out protocol, MLflow and the model directory.
 */
import { DataError, InvalidParameterError } from '../../shared/errors.js';
import type { Executor } from '../../shared/kfp/executor.js';
import { prophetForecaster, saveProphetModel } from '../../shared/models/prophet-model.js';
import { readHolidays } from '../../shared/models/prophet-holidays.js';
import { Prophet, type ProphetOptions, type SeasonalityArg } from '../../shared/models/prophet/index.js';
import { lineChart, section } from '../../shared/report/html.js';
import { concatFrames, type SeriesFrame } from '../../shared/series/frame.js';
import { TIME_FEATURE_NAMES } from '../../shared/series/time-features.js';
import { runTrainer } from '../trainer.js';
import type { trainProphetSpec } from './spec.js';

export async function runProphetTrainer(executor: Executor<typeof trainProphetSpec>): Promise<void> {
  const p = executor.parameters;
  const seasonality = {
    yearly: seasonalityArg('yearly_seasonality', p.yearly_seasonality),
    weekly: seasonalityArg('weekly_seasonality', p.weekly_seasonality),
    daily: seasonalityArg('daily_seasonality', p.daily_seasonality),
  };
  if (p.growth === 'logistic' && p.cap === undefined) {
    throw new InvalidParameterError('Parameter "cap" is required for logistic growth (Prophet: "Capacities must be supplied for logistic growth in column \'cap\'").');
  }
  const regressors = (p.regressors as unknown[]).map((name, i) => {
    if (typeof name !== 'string' || !name) throw new InvalidParameterError(`Parameter "regressors" must list column names; item ${i} is ${JSON.stringify(name)}.`);
    return name;
  });
  const holidays = p.holidays_uri ? await readHolidays(p.holidays_uri) : null;

  const options: ProphetOptions = {
    growth: p.growth,
    n_changepoints: p.n_changepoints,
    changepoint_range: p.changepoint_range,
    changepoint_prior_scale: p.changepoint_prior_scale,
    yearly_seasonality: seasonality.yearly,
    weekly_seasonality: seasonality.weekly,
    daily_seasonality: seasonality.daily,
    seasonality_mode: p.seasonality_mode,
    seasonality_prior_scale: p.seasonality_prior_scale,
    holidays_prior_scale: p.holidays_prior_scale,
    holidays,
    interval_width: p.interval_width,
    uncertainty_samples: p.uncertainty_samples,
    seed: p.seed,
  };

  await runTrainer(
    executor,
    'prophet',
    {
      growth: p.growth,
      n_changepoints: p.n_changepoints,
      changepoint_range: p.changepoint_range,
      changepoint_prior_scale: p.changepoint_prior_scale,
      yearly_seasonality: p.yearly_seasonality,
      weekly_seasonality: p.weekly_seasonality,
      daily_seasonality: p.daily_seasonality,
      seasonality_mode: p.seasonality_mode,
      seasonality_prior_scale: p.seasonality_prior_scale,
      holidays_prior_scale: p.holidays_prior_scale,
      holidays_uri: p.holidays_uri,
      regressors: regressors.join(','),
      interval_width: p.interval_width,
      uncertainty_samples: p.uncertainty_samples,
      seed: p.seed,
    },
    async ({ data, log }) => {
      const manifest = { ...data.manifest, features: [data.manifest.target, ...regressors] };
      const history = concatFrames([data.train.frame, data.validation.frame]);
      const missing = regressors.filter((name) => !(name in history.columns));
      if (missing.length > 0) throw new DataError(`Parameter "regressors" names column(s) the data lacks: ${missing.join(', ')}; it has: ${history.names.join(', ')}.`);
      const observed = regressors.filter((name) => !(TIME_FEATURE_NAMES as readonly string[]).includes(name));
      if (observed.length > 0) {
        // Prophet reads a regressor's value at the forecast time: on the held-out split that is the real, later
        // observation, which a forecast made at the origin would not have.
        log.warn(`regressor(s) ${observed.join(', ')} are observed, not calendar features: the held-out metrics use their actual future values, and forecasting past the data needs them supplied`);
      }
      const model = new Prophet(options);
      for (const name of regressors) model.addRegressor(name);
      const started = performance.now();
      model.fit(fitFrame(history, data.manifest.target, regressors, p.cap, p.floor));
      const seconds = (performance.now() - started) / 1000;
      const enabled = [...model.seasonalities.keys()];
      log.info('fitted', { seconds, changepoints: model.changepoints_t?.length ?? 0, seasonalities: enabled.join(',') || 'none', rows: history.time.length });
      const forecaster = prophetForecaster(model, manifest);
      return {
        forecaster: (frame, origins) => forecaster(withCapFloor(frame, p.cap, p.floor), origins),
        save: (directory) => saveProphetModel(model, manifest, directory),
        flavor: { name: 'prophet', config: { model_file: 'prophet.json', manifest_file: 'manifest.json', format: 'prophet-json (model_to_json)', implementation: 'flts-ts TypeScript port' } },
        facts: { fit_seconds: seconds, seasonalities: enabled.join(',') || 'none', n_changepoints: model.changepoints_t?.length ?? 0 },
        reportSections: [componentsSection(model, history, data.manifest.target, regressors)],
      };
    },
  );
}

/** "auto", "true", "false" or a Fourier order, as Prophet's seasonality arguments. */
function seasonalityArg(name: string, text: string): SeasonalityArg {
  const value = text.trim().toLowerCase();
  if (value === 'auto') return 'auto';
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value) && Number(value) > 0) return Number(value);
  throw new InvalidParameterError(`Parameter "${name}" must be "auto", "true", "false" or a positive Fourier order such as "10"; got ${JSON.stringify(text)}.`);
}

function fitFrame(history: SeriesFrame, target: string, regressors: string[], cap: number | undefined, floor: number | undefined) {
  const df: Record<string, Float64Array> & { ds: Float64Array } = { ds: history.time, y: history.columns[target]! };
  for (const name of regressors) df[name] = history.columns[name]!;
  if (cap !== undefined) df['cap'] = new Float64Array(history.time.length).fill(cap);
  if (floor !== undefined) df['floor'] = new Float64Array(history.time.length).fill(floor);
  return df;
}

/** Logistic growth needs cap (and floor) on every predicted row too: constants from the parameters. */
function withCapFloor(frame: SeriesFrame, cap: number | undefined, floor: number | undefined): SeriesFrame {
  if (cap === undefined && floor === undefined) return frame;
  const columns = { ...frame.columns };
  if (cap !== undefined) columns['cap'] = new Float64Array(frame.time.length).fill(cap);
  if (floor !== undefined) columns['floor'] = new Float64Array(frame.time.length).fill(floor);
  return { ...frame, columns, names: [...frame.names] };
}

/** Trend and seasonal components over the last week of history, as Prophet's components plot shows them. */
function componentsSection(model: Prophet, history: SeriesFrame, target: string, regressors: string[]): string {
  const n = history.time.length;
  const step = n > 1 ? history.time[1]! - history.time[0]! : 1;
  const start = Math.max(0, n - Math.round((7 * 86_400_000) / step));
  const df: Record<string, Float64Array> & { ds: Float64Array } = { ds: history.time.slice(start) };
  for (const name of regressors) df[name] = history.columns[name]!.slice(start);
  const forecast = model.predict(df);
  const names = ['trend', ...model.seasonalities.keys()].filter((name) => forecast[name]);
  return section(
    'Components (last week of history, scaled units)',
    lineChart(names.map((name) => ({ label: name, x: forecast.ds, y: forecast[name]! })), { timeAxis: true, height: 240 }),
    lineChart(
      [
        { label: 'actual', x: history.time.subarray(start), y: history.columns[target]!.subarray(start), color: '#444' },
        { label: 'yhat', x: forecast.ds, y: forecast.yhat },
      ],
      { timeAxis: true, height: 200 },
    ),
  );
}
