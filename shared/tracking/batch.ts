/**
 * MLflow's rules for logged keys and values, and the split of many metrics, params and tags into `log-batch`
 * requests within its limits (reference/mlflow.md §1.3 "Log-batch limits", "Key and value rules").
 */
import { TrackingError } from '../errors.js';
import type { MetricPoint, ParamValue } from './types.js';

/** Per-request limits of `POST /runs/log-batch` (mlflow/utils/validation.py). */
export const BATCH_LIMITS = { metrics: 1000, params: 100, tags: 100, total: 1000 } as const;

/** Longest param value a ≥ 2.8 server stores. */
export const MAX_PARAM_VALUE_LENGTH = 6000;
/** Longest run tag value a ≥ 2.17 server stores. */
export const MAX_TAG_VALUE_LENGTH = 8000;
const MAX_KEY_LENGTH = 250;

export interface KeyValue {
  key: string;
  value: string;
}

export interface BatchRequest {
  metrics: MetricPoint[];
  params: KeyValue[];
  tags: KeyValue[];
}

/**
 * Throws a TrackingError unless `key` is a valid metric, param or tag key: at most 250 characters of letters,
 * digits, `_ - . / : ` and space; no leading "/", no ".." and no empty or "." segment (the server stores keys
 * as file paths in its FileStore, so it requires a normalised path).
 */
export function validateKey(kind: 'metric' | 'param' | 'tag', key: string): void {
  const problem =
    key.length === 0
      ? 'it is empty'
      : key.length > MAX_KEY_LENGTH
        ? `it has ${key.length} characters (at most ${MAX_KEY_LENGTH})`
        : !/^[/\w.\- :]*$/.test(key)
          ? 'it may contain only letters, digits, "_", "-", ".", "/", ":" and spaces'
          : key.startsWith('/') || key.endsWith('/') || key.split('/').some((part) => part === '' || part === '.' || part === '..')
            ? 'it must be a normalised relative path (no leading or trailing "/", no "//", "." or ".." segments)'
            : undefined;
  if (problem) throw new TrackingError(`Invalid ${kind} key ${JSON.stringify(key)}: ${problem}.`);
}

/**
 * A param value as text. Porting note: booleans are written as Python's `str(bool)` ("True"/"False") so that
 * runs logged by this client compare equal to those the Python FLTS logged.
 */
export function paramText(value: ParamValue): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

/** Cuts a value to `limit` characters, as MLflow servers ≥ 2.11 do silently; we do it on the client so that every server (and the offline store) agrees. */
export function truncate(value: string, limit: number): string {
  return value.length <= limit ? value : value.slice(0, limit);
}

/** Validated params, values truncated to the server's limit. */
export function paramEntries(params: Record<string, ParamValue>): KeyValue[] {
  return Object.entries(params).map(([key, value]) => {
    validateKey('param', key);
    return { key, value: truncate(paramText(value), MAX_PARAM_VALUE_LENGTH) };
  });
}

/** Validated tags, values truncated to the server's limit. */
export function tagEntries(tags: Record<string, string>): KeyValue[] {
  return Object.entries(tags).map(([key, value]) => {
    validateKey('tag', key);
    return { key, value: truncate(String(value), MAX_TAG_VALUE_LENGTH) };
  });
}

/** Validated metric points; values must be numbers (NaN and ±Infinity allowed), steps and timestamps integers. */
export function metricPoints(metrics: Record<string, number>, step: number, timestamp: number): MetricPoint[] {
  return Object.entries(metrics).map(([key, value]) => checkedPoint({ key, value, step, timestamp }));
}

export function checkedPoint(point: MetricPoint): MetricPoint {
  validateKey('metric', point.key);
  if (typeof point.value !== 'number') {
    throw new TrackingError(`Metric "${point.key}" must be a number; got ${typeof point.value} ${JSON.stringify(point.value)}.`);
  }
  if (!Number.isSafeInteger(point.step)) throw new TrackingError(`Metric "${point.key}": step must be an integer; got ${point.step}.`);
  if (!Number.isSafeInteger(point.timestamp) || point.timestamp < 0) {
    throw new TrackingError(`Metric "${point.key}": timestamp must be a non-negative integer of milliseconds; got ${point.timestamp}.`);
  }
  return point;
}

/**
 * Splits entities into log-batch requests: each with at most 100 params, 100 tags and 1000 entities in all,
 * params and tags first, metrics filling the rest (the order of MLflow's Python client), order kept within each
 * kind. A param key appears at most once per request (the server rejects duplicates).
 */
export function splitBatches(input: BatchRequest): BatchRequest[] {
  const params = uniqueLast(input.params);
  const batches: BatchRequest[] = [];
  let p = 0;
  let t = 0;
  let m = 0;
  while (p < params.length || t < input.tags.length || m < input.metrics.length) {
    const batchParams = params.slice(p, p + BATCH_LIMITS.params);
    const batchTags = input.tags.slice(t, t + BATCH_LIMITS.tags);
    const room = Math.min(BATCH_LIMITS.metrics, BATCH_LIMITS.total - batchParams.length - batchTags.length);
    const batchMetrics = input.metrics.slice(m, m + room);
    batches.push({ metrics: batchMetrics, params: batchParams, tags: batchTags });
    p += batchParams.length;
    t += batchTags.length;
    m += batchMetrics.length;
  }
  return batches;
}

/** Keeps the last value of each key, in first-seen order. */
function uniqueLast(entries: KeyValue[]): KeyValue[] {
  const byKey = new Map<string, string>();
  for (const entry of entries) byKey.set(entry.key, entry.value);
  return [...byKey].map(([key, value]) => ({ key, value }));
}
