/**
 * Turning a client's series into a forecast request the model can take, or a 400 naming the field that is
 * wrong. Both protocols end here: `/predict` (upstream FLTS's columnar `data` object) and the Open Inference
 * Protocol (one tensor per column), each naming fields in its own terms.
 *
 * The rules, checked in this order:
 *   - columns are matched by name, never by position: every column the model reads must be there, and a column
 *     that is not in the model's data is refused (upstream fed columns in JSON key order into a model trained on
 *     another); columns of the preprocessed dataset that this model happens not to read are accepted and ignored,
 *     so that a client keeps working when the champion changes from a GRU (all columns) to a Prophet (target);
 *   - the time features (min_of_day_sin, …) are computed from the timestamps, as preprocess did; a client may
 *     send them, but the server's own values are used;
 *   - every column has one value per timestamp, each a finite number (JSON has no NaN; null, strings and
 *     booleans are refused);
 *   - timestamps are ISO 8601 text (naive = UTC) or epoch milliseconds, strictly increasing, exactly one model
 *     frequency apart (no gaps, no duplicates);
 *   - at least one input window of rows (input_length);
 *   - 1 ≤ inference_length ≤ the server's limit.
 */
import { parseTimestamp } from '../../../shared/series/timestamps.js';
import { formatFrequency } from '../../../shared/series/frequency.js';
import { BadRequestError } from './errors.js';
import type { ForecastRequest, ModelDescription } from './model.js';

/** A client's series before validation, with the names its protocol uses for each field. */
export interface RawSeries {
  timestamps: unknown;
  /** The timestamp field's name in messages, e.g. `data.ts` or `inputs[0] (ts)`. */
  timestampField: string;
  columns: Map<string, unknown>;
  /** The name of column `name` in messages. */
  columnField(name: string): string;
  /** Where the column set lives, for missing/extra column messages. */
  columnsField: string;
  steps: unknown;
  stepsField: string;
}

export function validateSeries(raw: RawSeries, model: ModelDescription, maxSteps: number): ForecastRequest {
  checkColumnSet(raw, model);
  const time = timestamps(raw.timestamps, raw.timestampField);
  const columns: Record<string, Float64Array> = {};
  for (const name of model.requiredColumns) columns[name] = numbers(raw.columns.get(name), raw.columnField(name), time.length);
  for (const name of [...model.timeFeatureColumns, ...model.ignoredColumns]) {
    if (raw.columns.has(name)) numbers(raw.columns.get(name), raw.columnField(name), time.length);
  }
  checkSpacing(time, raw.timestampField, model);
  if (time.length < model.inputLength) {
    throw new BadRequestError(raw.timestampField, `${raw.timestampField} has ${time.length} rows; the model reads input_length = ${model.inputLength} rows per forecast.`);
  }
  return { time, columns, steps: steps(raw.steps, raw.stepsField, model.horizon, maxSteps) };
}

function checkColumnSet(raw: RawSeries, model: ModelDescription): void {
  const missing = model.requiredColumns.filter((name) => !raw.columns.has(name));
  if (missing.length > 0) {
    throw new BadRequestError(
      raw.columnField(missing[0]!),
      `${raw.columnsField} lacks column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} that the model reads; it needs ${model.requiredColumns.map((m) => `"${m}"`).join(', ')}.`,
    );
  }
  const known = new Set([...model.requiredColumns, ...model.timeFeatureColumns, ...model.ignoredColumns]);
  const extra = [...raw.columns.keys()].filter((name) => !known.has(name));
  if (extra.length > 0) {
    throw new BadRequestError(
      raw.columnField(extra[0]!),
      `${raw.columnsField} has column${extra.length > 1 ? 's' : ''} ${extra.map((m) => `"${m}"`).join(', ')} that is not in the model's data; it accepts ${[...known].map((m) => `"${m}"`).join(', ')}.`,
    );
  }
}

function timestamps(values: unknown, field: string): Float64Array {
  if (!Array.isArray(values) || values.length === 0) throw new BadRequestError(field, `${field} must be a non-empty array of timestamps.`);
  const time = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value: unknown = values[i];
    const ms = typeof value === 'string' ? parseTimestamp(value) : typeof value === 'number' && Number.isSafeInteger(value) ? value : NaN;
    if (!Number.isFinite(ms)) {
      throw new BadRequestError(`${field}[${i}]`, `${field}[${i}] is ${JSON.stringify(value)}; expected an ISO 8601 timestamp (e.g. "2018-03-26 00:00:00", naive = UTC) or epoch milliseconds.`);
    }
    time[i] = ms;
  }
  return time;
}

function numbers(values: unknown, field: string, rows: number): Float64Array {
  if (!Array.isArray(values)) throw new BadRequestError(field, `${field} must be an array of numbers.`);
  if (values.length !== rows) throw new BadRequestError(field, `${field} has ${values.length} values for ${rows} timestamps; every column needs one value per timestamp.`);
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const value: unknown = values[i];
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new BadRequestError(`${field}[${i}]`, `${field}[${i}] is ${JSON.stringify(value) ?? String(value)}; expected a finite number.`);
    }
    out[i] = value;
  }
  return out;
}

function checkSpacing(time: Float64Array, field: string, model: ModelDescription): void {
  for (let i = 1; i < time.length; i++) {
    const step = time[i]! - time[i - 1]!;
    if (step === model.frequencyMs) continue;
    const at = `${field}[${i}]`;
    const what = new Date(time[i]!).toISOString();
    if (step === 0) throw new BadRequestError(at, `${at} (${what}) repeats the timestamp before it; timestamps must be unique.`);
    if (step < 0) throw new BadRequestError(at, `${at} (${what}) is earlier than the timestamp before it; timestamps must be sorted in increasing order.`);
    throw new BadRequestError(
      at,
      `${at} (${what}) is ${formatFrequency(step)} after the timestamp before it; the model's frequency is ${model.frequency}, and every step must be exactly one interval (no gaps).`,
    );
  }
}

function steps(value: unknown, field: string, horizon: number, max: number): number {
  if (value === undefined || value === null || value === '') return horizon;
  const number = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > max) {
    throw new BadRequestError(field, `${field} must be an integer from 1 to ${max} (max-inference-length); got ${JSON.stringify(value)}.`);
  }
  return number;
}
