/**
 * Seasonalities as Fourier features (`fourier_series`, `make_seasonality_features`) and Prophet's rules for
 * switching the built-in yearly, weekly and daily seasonalities on (`set_auto_seasonalities`).
 */
import { InvalidParameterError } from '../../errors.js';
import { DAY_MS, WEEK_MS } from './dates.js';
import type { Mode, Seasonality, SeasonalityArg } from './types.js';

/**
 * Fourier features of `period` days up to `series_order`: columns `sin(2π·i·t/P)`, `cos(2π·i·t/P)` for
 * i = 1..order, where t is absolute days since 1970-01-01 (not the scaled t). Returns 2·order columns.
 */
export function fourierSeries(ds: ArrayLike<number>, period: number, series_order: number): Float64Array[] {
  if (!(series_order >= 1)) throw new InvalidParameterError([{ path: 'series_order', message: 'series_order must be >= 1' }]);
  const n = ds.length;
  const columns = Array.from({ length: 2 * series_order }, () => new Float64Array(n));
  for (let r = 0; r < n; r++) {
    // Same operation order as Prophet: x_T = π·2·t_days, then ((i+1)/period)·x_T.
    const x_T = Math.PI * 2 * (ds[r]! / 1000 / 86400);
    for (let i = 0; i < series_order; i++) {
      const c = ((i + 1) / period) * x_T;
      columns[2 * i]![r] = Math.sin(c);
      columns[2 * i + 1]![r] = Math.cos(c);
    }
  }
  return columns;
}

/** Column names of a seasonality's features: `{prefix}_delim_{1..2·order}`. */
export function seasonalityColumnNames(prefix: string, series_order: number): string[] {
  return Array.from({ length: 2 * series_order }, (_, i) => `${prefix}_delim_${i + 1}`);
}

/** The built-in seasonalities: name, period (days), default order, and when 'auto' switches them off. */
const BUILT_IN = [
  { name: 'yearly', period: 365.25, order: 10, disable: (span: number, _minDt: number) => span < 730 * DAY_MS },
  { name: 'weekly', period: 7, order: 3, disable: (span: number, minDt: number) => span < 2 * WEEK_MS || minDt >= WEEK_MS },
  { name: 'daily', period: 1, order: 4, disable: (span: number, minDt: number) => span < 2 * DAY_MS || minDt >= DAY_MS },
] as const;

/** `parse_seasonality_args`: the Fourier order of a built-in seasonality, 0 when off. */
export function parseSeasonalityArg(
  name: string,
  arg: SeasonalityArg,
  autoDisable: boolean,
  defaultOrder: number,
  custom: ReadonlyMap<string, Seasonality>,
): number {
  if (arg === 'auto') return custom.has(name) || autoDisable ? 0 : defaultOrder;
  if (arg === true) return defaultOrder;
  if (arg === false) return 0;
  return Math.trunc(arg);
}

/** The settings `set_auto_seasonalities` reads. */
export interface AutoSeasonalitySettings {
  yearly_seasonality: SeasonalityArg;
  weekly_seasonality: SeasonalityArg;
  daily_seasonality: SeasonalityArg;
  seasonality_prior_scale: number;
  seasonality_mode: Mode;
}

/**
 * `set_auto_seasonalities`: adds yearly (≥ 2 years of history), weekly (≥ 2 weeks, spacing < 7 days) and
 * daily (≥ 2 days, spacing < 1 day) after any custom ones, unless switched off or overridden by a custom
 * seasonality of the same name. `ds` is the sorted non-NaN history.
 */
export function setAutoSeasonalities(
  ds: Float64Array,
  settings: AutoSeasonalitySettings,
  seasonalities: Map<string, Seasonality>,
): void {
  const first = ds[0]!;
  const last = ds[ds.length - 1]!;
  let minDt = Infinity;
  for (let i = 1; i < ds.length; i++) {
    const dt = ds[i]! - ds[i - 1]!;
    if (dt !== 0 && dt < minDt) minDt = dt;
  }
  // pandas: the min over no non-zero spacing is NaT, and comparisons with NaT are False.
  if (minDt === Infinity) minDt = NaN;
  const args: Record<string, SeasonalityArg> = {
    yearly: settings.yearly_seasonality,
    weekly: settings.weekly_seasonality,
    daily: settings.daily_seasonality,
  };
  for (const builtIn of BUILT_IN) {
    const order = parseSeasonalityArg(builtIn.name, args[builtIn.name]!, builtIn.disable(last - first, minDt), builtIn.order, seasonalities);
    if (order > 0) {
      seasonalities.set(builtIn.name, {
        period: builtIn.period,
        fourier_order: order,
        prior_scale: settings.seasonality_prior_scale,
        mode: settings.seasonality_mode,
        condition_name: null,
      });
    }
  }
}
