/**
 * `POST /predict` in upstream FLTS's request shape (reference/upstream-flts.md §6.5), with its bugs fixed:
 *
 *   request:  {"data": {"ts": [...], "<column>": [...], ...}, "index_col": "ts", "inference_length": 12}
 *             (?inference_length= in the query wins over the body, as upstream)
 *   response: {"status": "SUCCESS", "model_name", "model_version", "run_id", "model_type", "target",
 *              "predictions": [{"ts": "<ISO>", "<target>": v, "<target>_lower": v, "<target>_upper": v}, ...]}
 *
 * The index column is `index_col`, else the first of ts, timestamp, time, date that is present. Predictions are
 * the `inference_length` steps after the last timestamp (default: one model horizon), in the target's original
 * units; `_lower`/`_upper` appear where the model has intervals.
 */
import { formatTimestamp } from '../../../shared/series/timestamps.js';
import { BadRequestError } from './errors.js';
import type { ModelSlot } from './holder.js';
import type { ForecastAnswer, ForecastRequest } from './model.js';
import { validateSeries } from './request.js';

const INDEX_CANDIDATES = ['ts', 'timestamp', 'time', 'date'];
const BODY_KEYS = new Set(['data', 'index_col', 'inference_length']);

export interface PredictContext {
  indexColumn: string;
}

/** The forecast request in a `/predict` body, validated against the served model. */
export function parsePredict(body: unknown, query: Record<string, unknown>, slot: ModelSlot, maxSteps: number): { request: ForecastRequest; context: PredictContext } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('body', 'The body must be a JSON object: {"data": {...}, "index_col": "ts", "inference_length": N}.');
  const record = body as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !BODY_KEYS.has(key));
  if (unknown.length > 0) throw new BadRequestError(unknown[0]!, `Unknown field "${unknown[0]}" in the body; the fields are data, index_col and inference_length.`);
  const data = record['data'];
  if (typeof data !== 'object' || data === null || Array.isArray(data) || Object.keys(data).length === 0) {
    throw new BadRequestError('data', '"data" must be a non-empty object of columns: {"ts": [...], "<column>": [...]}.');
  }
  const columns = new Map(Object.entries(data as Record<string, unknown>));
  const indexColumn = indexOf(record['index_col'], columns);
  const timestamps = columns.get(indexColumn);
  columns.delete(indexColumn);
  const stepsFromQuery = query['inference_length'];
  const request = validateSeries(
    {
      timestamps,
      timestampField: `data.${indexColumn}`,
      columns,
      columnField: (name) => `data.${name}`,
      columnsField: '"data"',
      steps: stepsFromQuery ?? record['inference_length'],
      stepsField: stepsFromQuery === undefined ? 'inference_length' : 'query inference_length',
    },
    slot.model.description,
    maxSteps,
  );
  return { request, context: { indexColumn } };
}

function indexOf(indexCol: unknown, columns: Map<string, unknown>): string {
  if (indexCol !== undefined && indexCol !== null) {
    if (typeof indexCol !== 'string' || !columns.has(indexCol)) {
      throw new BadRequestError('index_col', `"index_col" is ${JSON.stringify(indexCol)}, which is not a column of "data"; columns: ${[...columns.keys()].join(', ')}.`);
    }
    return indexCol;
  }
  const found = INDEX_CANDIDATES.find((name) => columns.has(name));
  if (!found) throw new BadRequestError('index_col', `"data" has no timestamp column: set "index_col", or name it one of ${INDEX_CANDIDATES.join(', ')}.`);
  return found;
}

/** The `/predict` answer. */
export function predictResponse(slot: ModelSlot, modelName: string, answer: ForecastAnswer, context: PredictContext) {
  const { target } = slot.model.description;
  const predictions = Array.from(answer.time, (time, k) => {
    const row: Record<string, string | number> = { [context.indexColumn]: formatTimestamp(time), [target]: answer.forecast[k]! };
    if (answer.lower && answer.upper) {
      row[`${target}_lower`] = answer.lower[k]!;
      row[`${target}_upper`] = answer.upper[k]!;
    }
    return row;
  });
  return {
    status: 'SUCCESS',
    model_name: modelName,
    model_version: slot.version,
    run_id: slot.runId ?? null,
    model_type: slot.model.description.modelType,
    target,
    predictions,
  };
}
