/**
 * Parquet through Apache Arrow and parquet-wasm: reading files that pandas/pyarrow write (snappy, zstd, …)
 * into a RawTable, and writing a SeriesFrame as Parquet that pandas reads back with the same values and
 * dtypes. Metadata goes both into the Arrow schema (what pyarrow/pandas show as `schema.metadata`) and into
 * Parquet's own key/value metadata (what any Parquet tool shows), as pyarrow itself does.
 */
import * as arrow from 'apache-arrow';
import * as parquet from 'parquet-wasm';
import { DataError } from '../errors.js';
import type { SeriesFrame } from '../series/frame.js';
import type { RawColumn, RawTable } from './raw-table.js';

/** The name of the timestamp column in every file we write. */
export const TIME_COLUMN = 'time';

export function readParquet(bytes: Uint8Array, source: string): { table: RawTable; metadata: Map<string, string> } {
  let table: arrow.Table;
  try {
    table = arrow.tableFromIPC(parquet.readParquet(bytes).intoIPCStream());
  } catch (cause) {
    throw new DataError(`${source} is not a readable Parquet file: ${(cause as Error).message}`, { cause });
  }
  const names = table.schema.fields.map((field) => field.name);
  const columns: Record<string, RawColumn> = {};
  for (const field of table.schema.fields) {
    if (columns[field.name]) throw new DataError(`${source}: the column name "${field.name}" appears more than once.`);
    columns[field.name] = rawColumn(table.getChild(field.name)!, field.type);
  }
  return { table: { names, columns, rows: table.numRows }, metadata: new Map(table.schema.metadata) };
}

function rawColumn(vector: arrow.Vector, type: arrow.DataType): RawColumn {
  const n = vector.length;
  if (arrow.DataType.isTimestamp(type) || arrow.DataType.isDate(type)) {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const value = vector.get(i) as number | bigint | Date | null;
      values[i] = value === null ? NaN : value instanceof Date ? value.getTime() : Number(value);
    }
    return { kind: 'time', values };
  }
  if (arrow.DataType.isInt(type) || arrow.DataType.isFloat(type) || arrow.DataType.isDecimal(type) || arrow.DataType.isBool(type)) {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const value = vector.get(i) as number | bigint | boolean | null;
      values[i] = value === null ? NaN : Number(value);
    }
    return { kind: 'number', values };
  }
  const values = new Array<string | null>(n);
  for (let i = 0; i < n; i++) {
    const value = vector.get(i) as unknown;
    values[i] = value === null || value === undefined ? null : String(value);
  }
  return { kind: 'text', values };
}

export interface WriteParquetOptions {
  /** @default "snappy" */
  compression?: 'snappy' | 'zstd';
  /** Frame columns (epoch ms) to write as timestamp[ms, UTC] rather than float64. */
  timestampColumns?: readonly string[];
  /** Frame columns of whole numbers to write as int32 (a non-integer or out-of-range value is an error). */
  int32Columns?: readonly string[];
  /** Frame columns of 0/1 to write as bool (any other value is an error). */
  boolColumns?: readonly string[];
}

/**
 * `frame` as Parquet bytes: `time` (timestamp[ms, UTC]) first, then the columns in frame order (float64, or the
 * type `options` gives them).
 */
export function writeParquet(frame: SeriesFrame, metadata: Record<string, string>, options: WriteParquetOptions = {}): Uint8Array {
  const compression = options.compression ?? 'snappy';
  const timestamps = new Set(options.timestampColumns ?? []);
  const int32 = new Set(options.int32Columns ?? []);
  const bool = new Set(options.boolColumns ?? []);
  const columnVector = (name: string): arrow.Vector => {
    const values = frame.columns[name]!;
    if (timestamps.has(name)) return timestampVector(values);
    if (int32.has(name)) return arrow.makeVector(Int32Array.from(values, (value, row) => checkedValue(name, row, value, Number.isInteger(value) && value === (value | 0))));
    if (bool.has(name)) return arrow.vectorFromArray(Array.from(values, (value, row) => checkedValue(name, row, value, value === 0 || value === 1) === 1), new arrow.Bool());
    return arrow.makeVector(values);
  };
  const vectors: arrow.Vector[] = [timestampVector(frame.time), ...frame.names.map(columnVector)];
  const fields = [TIME_COLUMN, ...frame.names].map((name, i) => new arrow.Field(name, vectors[i]!.type, true));
  const schema = new arrow.Schema(fields, new Map(Object.entries(metadata)));
  const data = arrow.makeData({
    type: new arrow.Struct(schema.fields),
    length: frame.time.length,
    children: vectors.map((vector) => vector.data[0]!),
  });
  const table = new arrow.Table(schema, new arrow.RecordBatch(schema, data));
  const properties = new parquet.WriterPropertiesBuilder()
    .setCompression(compression === 'zstd' ? parquet.Compression.ZSTD : parquet.Compression.SNAPPY)
    .setKeyValueMetadata(new Map(Object.entries(metadata)))
    .build();
  return parquet.writeParquet(parquet.Table.fromIPCStream(arrow.tableToIPC(table, 'stream')), properties);
}

function checkedValue(name: string, row: number, value: number, ok: boolean): number {
  if (!ok) throw new DataError(`Column "${name}" holds ${value} at row ${row}, which its Parquet type cannot hold.`);
  return value;
}

function timestampVector(ms: Float64Array): arrow.Vector {
  return arrow.makeVector(
    arrow.makeData({
      type: new arrow.TimestampMillisecond('UTC'),
      data: BigInt64Array.from(ms, (value) => BigInt(Math.round(value))),
      length: ms.length,
    }),
  );
}
