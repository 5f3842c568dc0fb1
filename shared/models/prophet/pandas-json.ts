/**
 * The two pandas JSON layouts inside Prophet's saved models: a Series as `to_json(orient='split')`
 * (`{"name", "index", "data"}`) and a DataFrame as `to_json(orient='table', index=False)`
 * (`{"schema": {"fields", "pandas_version"}, "data": [records]}`), both ways.
 */
import { ModelStateError } from '../../errors.js';
import { formatIso, toEpochMs } from './dates.js';

/** A JSON Table Schema field type as pandas writes it. */
export type FieldType = 'datetime' | 'number' | 'integer' | 'boolean' | 'string';

/** One column of a table-orient frame. */
export interface TableColumn {
  name: string;
  type: FieldType;
  /** Epoch ms for datetime, 0/1 for boolean, numbers, or strings. */
  values: ArrayLike<number> | readonly string[];
}

/** `Series.to_json(orient='split', date_format='iso')`; datetimes are given as epoch ms. */
export function seriesToSplitJson(name: string | null, index: readonly number[], data: ArrayLike<number> | readonly string[], datetime: boolean): string {
  const values = Array.from(data as ArrayLike<number | string>, (v) => (datetime ? formatIso(v as number) : v));
  return JSON.stringify({ name, index, data: values });
}

/** Parses a split-orient Series; `datetime` turns ISO strings into epoch ms. */
export function seriesFromSplitJson(json: string, datetime: boolean): { name: string | null; index: number[]; data: (number | string)[] } {
  const parsed = JSON.parse(json) as { name?: string | null; index?: number[]; data?: (number | string)[] };
  if (!Array.isArray(parsed.data)) throw new ModelStateError('A saved Series is not in pandas split orient (no "data" list).');
  const data = datetime ? parsed.data.map((v) => toEpochMs(v as string)) : parsed.data;
  return { name: parsed.name ?? null, index: parsed.index ?? data.map((_, i) => i), data };
}

/** `DataFrame.to_json(orient='table', index=False)` for the given columns. */
export function frameToTableJson(columns: readonly TableColumn[]): string {
  const n = columns.length > 0 ? columns[0]!.values.length : 0;
  const data: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const record: Record<string, unknown> = {};
    for (const column of columns) {
      const v = column.values[i]!;
      record[column.name] = cell(column.type, v);
    }
    data.push(record);
  }
  const fields = columns.map((c) => ({ name: c.name, type: c.type }));
  return JSON.stringify({ schema: { fields, pandas_version: '1.4.0' }, data });
}

function cell(type: FieldType, v: number | string): unknown {
  if (type === 'datetime') return Number.isFinite(v as number) ? formatIso(v as number) : null;
  if (type === 'boolean') return Boolean(v);
  if (typeof v === 'number' && !Number.isFinite(v)) return null;
  return v;
}

/**
 * Parses a table-orient frame into columns: datetimes (and the `dateColumns`, as pandas' `convert_dates`) as
 * epoch ms, booleans as 0/1, numbers (null → NaN), strings.
 */
export function frameFromTableJson(json: string, dateColumns: readonly string[] = []): Map<string, { type: FieldType; values: Float64Array | string[] }> {
  const parsed = JSON.parse(json) as { schema?: { fields?: { name: string; type: string }[] }; data?: Record<string, unknown>[] };
  const fields = parsed.schema?.fields;
  const records = parsed.data;
  if (!fields || !Array.isArray(records)) throw new ModelStateError('A saved DataFrame is not in pandas table orient (no schema fields or data).');
  const out = new Map<string, { type: FieldType; values: Float64Array | string[] }>();
  for (const field of fields) {
    if (field.name === 'index' || field.name === 'level_0') continue;
    const raw = records.map((r) => r[field.name]);
    const type = (dateColumns.includes(field.name) ? 'datetime' : field.type) as FieldType;
    if (type === 'string' || raw.some((v) => typeof v === 'string' && type !== 'datetime')) {
      out.set(field.name, { type: 'string', values: raw.map((v) => String(v)) });
    } else if (type === 'datetime') {
      out.set(field.name, { type, values: Float64Array.from(raw, (v) => (v === null ? NaN : toEpochMs(v as string))) });
    } else {
      out.set(field.name, { type, values: Float64Array.from(raw, (v) => (v === null || v === undefined ? NaN : Number(v))) });
    }
  }
  return out;
}
