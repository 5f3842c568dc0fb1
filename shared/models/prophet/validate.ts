/**
 * Prophet's checks on its settings and on component names (`validate_inputs`, `validate_column_name`),
 * with Prophet's messages, raised as `InvalidParameterError`.
 */
import { InvalidParameterError, type ParameterIssue } from '../../errors.js';
import type { Growth, HolidaysTable, Mode, Scaling } from './types.js';

const RESERVED_BASE = [
  'trend', 'additive_terms', 'daily', 'weekly', 'yearly', 'holidays', 'zeros', 'extra_regressors_additive', 'yhat',
  'extra_regressors_multiplicative', 'multiplicative_terms',
];
const RESERVED = new Set([
  ...RESERVED_BASE,
  ...RESERVED_BASE.map((n) => `${n}_lower`),
  ...RESERVED_BASE.map((n) => `${n}_upper`),
  'ds', 'y', 'cap', 'floor', 'y_scaled', 'cap_scaled',
]);

/** The settings `validate_inputs` looks at. */
export interface ValidatedSettings {
  growth: Growth;
  changepoint_range: number;
  seasonality_mode: Mode;
  holidays_mode: Mode;
  scaling: Scaling;
  holidays: HolidaysTable | null;
  n_changepoints: number;
  interval_width: number;
  uncertainty_samples: number;
  seasonality_prior_scale: number;
  holidays_prior_scale: number;
  changepoint_prior_scale: number;
}

/** Prophet's `validate_inputs`: every problem, reported together. */
export function validateInputs(settings: ValidatedSettings): void {
  const issues: ParameterIssue[] = [];
  if (!['linear', 'logistic', 'flat'].includes(settings.growth)) {
    issues.push({ path: 'growth', message: 'Parameter "growth" should be "linear", "logistic" or "flat".' });
  }
  if (typeof settings.changepoint_range !== 'number' || !(settings.changepoint_range >= 0 && settings.changepoint_range <= 1)) {
    issues.push({ path: 'changepoint_range', message: 'Parameter "changepoint_range" must be in [0, 1]' });
  }
  if (settings.holidays) issues.push(...holidayIssues(settings.holidays));
  if (!['additive', 'multiplicative'].includes(settings.seasonality_mode)) {
    issues.push({ path: 'seasonality_mode', message: 'seasonality_mode must be "additive" or "multiplicative"' });
  }
  // A bad holidays_mode inherited from seasonality_mode is reported once.
  if (!['additive', 'multiplicative'].includes(settings.holidays_mode) && settings.holidays_mode !== settings.seasonality_mode) {
    issues.push({ path: 'holidays_mode', message: 'holidays_mode must be "additive" or "multiplicative"' });
  }
  if (!['absmax', 'minmax'].includes(settings.scaling)) {
    issues.push({ path: 'scaling', message: "scaling must be one of 'absmax' or 'minmax'" });
  }
  // Porting note: Prophet leaves the checks below to Stan or numpy, which fail later and less clearly.
  const positive = ['seasonality_prior_scale', 'holidays_prior_scale', 'changepoint_prior_scale'] as const;
  for (const name of positive) {
    if (!(settings[name] > 0)) issues.push({ path: name, message: `Parameter "${name}" must be > 0; got ${settings[name]}.` });
  }
  if (!(settings.interval_width > 0 && settings.interval_width < 1)) {
    issues.push({ path: 'interval_width', message: `Parameter "interval_width" must be in (0, 1); got ${settings.interval_width}.` });
  }
  for (const name of ['n_changepoints', 'uncertainty_samples'] as const) {
    if (!(Number.isInteger(settings[name]) && settings[name] >= 0)) {
      issues.push({ path: name, message: `Parameter "${name}" must be a non-negative integer; got ${settings[name]}.` });
    }
  }
  if (issues.length > 0) throw new InvalidParameterError(issues);
}

function holidayIssues(holidays: HolidaysTable): ParameterIssue[] {
  const issues: ParameterIssue[] = [];
  if (!holidays.ds || !holidays.holiday) {
    return [{ path: 'holidays', message: 'holidays must be a DataFrame with "ds" and "holiday" columns.' }];
  }
  for (let i = 0; i < holidays.ds.length; i++) {
    if (!Number.isFinite(holidays.ds[i]!) || holidays.holiday[i] === undefined || holidays.holiday[i] === null) {
      issues.push({ path: `holidays[${i}]`, message: 'Found a NaN in holidays dataframe.' });
      break;
    }
  }
  const hasLower = holidays.lower_window !== undefined;
  const hasUpper = holidays.upper_window !== undefined;
  if (hasLower !== hasUpper) {
    issues.push({ path: 'holidays', message: 'Holidays must have both lower_window and upper_window, or neither' });
  } else if (hasLower && hasUpper) {
    if (Math.max(...Array.from(holidays.lower_window!)) > 0) {
      issues.push({ path: 'holidays.lower_window', message: 'Holiday lower_window should be <= 0' });
    }
    if (Math.min(...Array.from(holidays.upper_window!)) < 0) {
      issues.push({ path: 'holidays.upper_window', message: 'Holiday upper_window should be >= 0' });
    }
  }
  for (const name of new Set(holidays.holiday)) {
    try {
      validateColumnName(name, emptyNames, { checkHolidays: false });
    } catch (error) {
      if (error instanceof InvalidParameterError) issues.push(...error.issues.map((i) => ({ ...i, path: 'holidays.holiday' })));
      else throw error;
    }
  }
  return issues;
}

/** The names already taken in a model, which a new seasonality, regressor or condition must not reuse. */
export interface TakenNames {
  holidays: ReadonlySet<string>;
  seasonalities: ReadonlySet<string>;
  regressors: ReadonlySet<string>;
}

const emptyNames: TakenNames = { holidays: new Set(), seasonalities: new Set(), regressors: new Set() };

/** Prophet's `validate_column_name`. */
export function validateColumnName(
  name: string,
  taken: TakenNames,
  checks: { checkHolidays?: boolean; checkSeasonalities?: boolean; checkRegressors?: boolean } = {},
): void {
  const fail = (message: string): never => {
    throw new InvalidParameterError([{ path: 'name', message }]);
  };
  if (name.includes('_delim_')) fail('Name cannot contain "_delim_"');
  if (RESERVED.has(name)) fail(`Name ${pyRepr(name)} is reserved.`);
  if ((checks.checkHolidays ?? true) && taken.holidays.has(name)) fail(`Name ${pyRepr(name)} already used for a holiday.`);
  if ((checks.checkSeasonalities ?? true) && taken.seasonalities.has(name)) fail(`Name ${pyRepr(name)} already used for a seasonality.`);
  if ((checks.checkRegressors ?? true) && taken.regressors.has(name)) fail(`Name ${pyRepr(name)} already used for an added regressor.`);
}

/** Python's `repr` of a plain string, as Prophet's messages print names ('x'). */
export function pyRepr(name: string): string {
  return name.includes("'") && !name.includes('"') ? `"${name}"` : `'${name.replace(/'/g, "\\'")}'`;
}

/** Checks a mode argument of `add_seasonality` / `add_regressor`. */
export function checkMode(mode: string, message: string): Mode {
  if (mode !== 'additive' && mode !== 'multiplicative') throw new InvalidParameterError([{ path: 'mode', message }]);
  return mode;
}
