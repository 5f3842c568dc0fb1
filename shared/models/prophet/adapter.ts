/**
 * Prophet as a model kind: fitted to the scaled target of the training and validation splits (Prophet has no early
 * stopping, so the validation period is simply more history), with optional extra regressors, holidays and logistic
 * growth. Everything a forecast needs is saved: Prophet's JSON, the regressors in the manifest's features, and the
 * logistic cap and floor as the manifest's constants.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, InvalidParameterError } from '../../errors.js';
import type { InputParameterSpec } from '../../kfp/spec.js';
import { lagDistance } from '../../series/lags.js';
import type { PreprocessingManifest } from '../../series/manifest.js';
import { TIME_FEATURE_NAMES } from '../../series/time-features.js';
import { defineAdapter, type FitData, type FitHooks, type FittedModel, type Model } from '../adapter.js';
import type { HolidaysTable, Prophet, ProphetOptions, SeasonalityArg } from './index.js';

const FLAVOR = 'prophet';

/** The largest Fourier order a seasonality may have: Prophet's defaults are 3 to 10, and each order adds two features per row. */
const MAX_FOURIER_ORDER = 100;
const seasonalityDescription = (name: string, rule: string) => `${name} seasonality: "auto" (on when ${rule}), "true", "false", or a Fourier order such as "10" (at most ${MAX_FOURIER_ORDER}).`;

export const PROPHET_PARAMETERS = {
  growth: { type: 'STRING', description: 'Trend: "linear", "logistic" (needs `cap`) or "flat".', default: 'linear', enum: ['linear', 'logistic', 'flat'] },
  cap: { type: 'NUMBER_DOUBLE', description: 'Logistic growth only: carrying capacity in the units of the scaled target. Saved with the model.', optional: true },
  floor: { type: 'NUMBER_DOUBLE', description: 'Logistic growth only: saturating minimum in scaled target units (below `cap`). Saved with the model.', optional: true },
  n_changepoints: { type: 'NUMBER_INTEGER', description: 'Number of potential trend changepoints.', default: 25, min: 0, max: 1000 },
  changepoint_range: { type: 'NUMBER_DOUBLE', description: 'Fraction of the history in which changepoints are placed.', default: 0.8, greaterThan: 0, max: 1 },
  changepoint_prior_scale: {
    type: 'NUMBER_DOUBLE',
    description: 'Laplace prior scale of the changepoint rate changes: larger makes the trend more flexible.',
    default: 0.05,
    greaterThan: 0,
  },
  yearly_seasonality: { type: 'STRING', description: seasonalityDescription('Yearly', 'the history spans two years'), default: 'auto' },
  weekly_seasonality: { type: 'STRING', description: seasonalityDescription('Weekly', 'the history spans two weeks at sub-weekly resolution'), default: 'auto' },
  daily_seasonality: { type: 'STRING', description: seasonalityDescription('Daily', 'the history spans two days at sub-daily resolution'), default: 'auto' },
  seasonality_mode: {
    type: 'STRING',
    description: 'How seasonalities combine with the trend: "additive" or "multiplicative".',
    default: 'additive',
    enum: ['additive', 'multiplicative'],
  },
  seasonality_prior_scale: { type: 'NUMBER_DOUBLE', description: 'Normal prior scale of the seasonal coefficients.', default: 10, greaterThan: 0 },
  holidays_uri: {
    type: 'STRING',
    description: 'Optional CSV of holidays (columns holiday, ds, and optionally lower_window, upper_window, prior_scale): a local path, file://, s3:// or minio:// URI.',
    default: '',
  },
  holidays_prior_scale: { type: 'NUMBER_DOUBLE', description: 'Normal prior scale of holiday effects.', default: 10, greaterThan: 0 },
  regressors: {
    type: 'LIST',
    description:
      'Columns of the preprocessed data to add as extra regressors. Their future values must be known at forecast time, so only deterministic columns (such as the time features and target lags) are safe; default none.',
    default: [],
  },
  interval_width: { type: 'NUMBER_DOUBLE', description: 'Width of the uncertainty interval (0.8 = 10th to 90th percentile).', default: 0.8, greaterThan: 0, max: 0.999 },
  uncertainty_samples: { type: 'NUMBER_INTEGER', description: 'Monte Carlo draws for the uncertainty interval (0 = no interval).', default: 1000, min: 0, max: 100_000 },
  seed: { type: 'NUMBER_INTEGER', description: 'Seed of the uncertainty simulation.', default: 42, min: 0 },
} as const satisfies Record<string, InputParameterSpec>;

interface ProphetFitOptions {
  prophet: ProphetOptions;
  regressors: string[];
  /** Logistic growth's cap and floor, scaled target units. */
  constants: Record<string, number>;
}

export const prophetAdapter = defineAdapter({
  kind: 'prophet',
  label: 'Prophet',
  description:
    "Fits a Prophet model (TypeScript port: piecewise-linear or logistic trend with changepoints, Fourier seasonalities, holidays, MAP fit with Stan's L-BFGS/Newton) to the target, scores it on the held-out split with the shared evaluation protocol, and logs it to MLflow in Prophet's JSON format.",
  parameters: PROPHET_PARAMETERS,
  options: async (p): Promise<ProphetFitOptions> => {
    const seasonality = {
      yearly: seasonalityArg('yearly_seasonality', p.yearly_seasonality),
      weekly: seasonalityArg('weekly_seasonality', p.weekly_seasonality),
      daily: seasonalityArg('daily_seasonality', p.daily_seasonality),
    };
    const constants: Record<string, number> = {};
    if (p.growth === 'logistic') {
      if (p.cap === undefined) throw new InvalidParameterError('Parameter "cap" is required for logistic growth (Prophet: "Capacities must be supplied for logistic growth in column \'cap\'").');
      if (p.floor !== undefined && !(p.floor < p.cap)) throw new InvalidParameterError(`Parameter "floor" must be below "cap" for logistic growth; got floor ${p.floor}, cap ${p.cap}.`);
      constants['cap'] = p.cap;
      if (p.floor !== undefined) constants['floor'] = p.floor;
    } else if (p.cap !== undefined || p.floor !== undefined) {
      throw new InvalidParameterError(`Parameters "cap" and "floor" apply to logistic growth only; growth is "${p.growth}".`);
    }
    const regressors = p.regressors.map((name, i) => {
      if (typeof name !== 'string' || !name) throw new InvalidParameterError(`Parameter "regressors" must list column names; item ${i} is ${JSON.stringify(name)}.`);
      return name;
    });
    let holidays: HolidaysTable | null = null;
    if (p.holidays_uri) holidays = await (await import('./holidays-file.js')).readHolidays(p.holidays_uri);
    return {
      prophet: {
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
      },
      regressors,
      constants,
    };
  },
  trackedParams: ({ regressors, cap, floor, ...values }) => ({ ...values, regressors: regressors.join(','), ...(cap !== undefined && { cap }), ...(floor !== undefined && { floor }) }),
  fit: fitProphet,
  fromFlavors: (flavors) => FLAVOR in flavors,
  identify: (directory) => (existsSync(join(directory, 'prophet.json')) ? { source: 'prophet.json' } : undefined),
  load: async (directory) => {
    const { loadProphetModel } = await import('./model-directory.js');
    const { model, manifest } = await loadProphetModel(directory);
    return await asModel(model, manifest);
  },
});

async function asModel(model: Prophet, manifest: PreprocessingManifest): Promise<Model> {
  const { forecastRows, predictionInterval, prophetForecaster } = await import('./model-directory.js');
  return {
    kind: 'prophet',
    manifest,
    forecast: prophetForecaster(model, manifest),
    readsForecastRows: true,
    // Prophet's own interval (simulated trend changes and noise) at each forecast time; with no draws, none.
    ...(model.uncertainty_samples > 0 && {
      interval: { width: model.interval_width, bounds: (frame, origins) => predictionInterval(model, manifest, frame, forecastRows(origins, manifest.horizon)) },
    }),
    facts: { interval_width: model.interval_width, uncertainty_samples: model.uncertainty_samples },
    dispose: () => undefined,
  };
}

async function fitProphet(data: FitData, options: ProphetFitOptions, { log }: FitHooks): Promise<FittedModel> {
  const [{ Prophet }, { concatFrames }, { saveProphetModel, predictionFrame }, { section }, { lineChart }] = await Promise.all([
    import('./index.js'),
    import('../../series/frame.js'),
    import('./model-directory.js'),
    import('../../report/html.js'),
    import('../../report/chart.js'),
  ]);
  const { target } = data.manifest;
  const { regressors, constants } = options;
  const manifest: PreprocessingManifest = {
    ...data.manifest,
    features: [target, ...regressors],
    ...(Object.keys(constants).length > 0 && { constants }),
    seed: options.prophet.seed ?? 0,
  };
  const history = concatFrames([data.train, data.validation]);
  const missing = regressors.filter((name) => !(name in history.columns));
  if (missing.length > 0) throw new DataError(`Parameter "regressors" names column(s) the data lacks: ${missing.join(', ')}; it has: ${history.names.join(', ')}.`);
  const observed = regressors.filter((name) => !(TIME_FEATURE_NAMES as readonly string[]).includes(name) && lagDistance(name, target) === undefined);
  if (observed.length > 0) {
    // Prophet reads a regressor's value at the forecast time: on the held-out split that is the real, later
    // observation, which a forecast made at the origin would not have.
    log.warn(`regressor(s) ${observed.join(', ')} are observed, not calendar features or target lags: the held-out metrics use their actual future values, and forecasting past the data holds their last value`);
  }
  const model = new Prophet(options.prophet);
  for (const name of regressors) model.addRegressor(name);
  const rows = Array.from({ length: history.time.length }, (_, i) => i);
  const started = performance.now();
  model.fit({ ...predictionFrame(manifest, history, rows), y: history.columns[target]! });
  const seconds = (performance.now() - started) / 1000;
  const enabled = [...model.seasonalities.keys()];
  log.info('fitted', { seconds, changepoints: model.changepoints_t?.length ?? 0, seasonalities: enabled.join(',') || 'none', rows: history.time.length });

  // Trend and seasonal components over the last week of history, as Prophet's components plot shows them.
  const step = history.time.length > 1 ? history.time[1]! - history.time[0]! : 1;
  const start = Math.max(0, history.time.length - Math.round((7 * 86_400_000) / step));
  const components = model.predict(predictionFrame(manifest, history, rows.slice(start)));
  const names = ['trend', ...model.seasonalities.keys()].filter((name) => components[name]);
  return {
    ...(await asModel(model, manifest)),
    facts: { fit_seconds: seconds, seasonalities: enabled.join(',') || 'none', n_changepoints: model.changepoints_t?.length ?? 0 },
    save: (directory) => saveProphetModel(model, manifest, directory),
    params: {},
    metrics: { fit_seconds: seconds },
    flavor: { name: FLAVOR, config: { model_file: 'prophet.json', manifest_file: 'manifest.json', format: 'prophet-json (model_to_json)', implementation: 'flts-ts TypeScript port' } },
    reportSections: [
      section(
        'Components (last week of history, scaled units)',
        await lineChart(names.map((name) => ({ label: name, x: components.ds, y: components[name]! })), { x: 'time', height: 240 }),
        await lineChart(
          [
            { label: 'actual', x: history.time.subarray(start), y: history.columns[target]!.subarray(start), color: '#444' },
            { label: 'yhat', x: components.ds, y: components.yhat },
          ],
          { x: 'time', height: 200 },
        ),
      ),
    ],
  };
}

/** "auto", "true", "false" or a Fourier order, as Prophet's seasonality arguments. */
function seasonalityArg(name: string, text: string): SeasonalityArg {
  const value = text.trim().toLowerCase();
  if (value === 'auto') return 'auto';
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value) && Number(value) > 0 && Number(value) <= MAX_FOURIER_ORDER) return Number(value);
  throw new InvalidParameterError(
    `Parameter "${name}" must be "auto", "true", "false" or a Fourier order from 1 to ${MAX_FOURIER_ORDER} such as "10"; got ${JSON.stringify(text)}.`,
  );
}
