/**
 * Whether preprocessing a file fits in the memory this process may use, decided before reading it, so that a
 * file too large is refused with a clear error (exit 2) instead of ending in an out-of-memory kill; and whether
 * Polars' reader, faster but holding its own copy of the data until V8 collects it, fits as well. The data is held
 * as float64 columns about once (CSV is streamed, so the text is never whole in memory; no step copies a column it
 * does not change), plus the time features, the columns imputation changes, and one row group in the Parquet writer.
 */
import { totalmem } from 'node:os';
import { DataError, InvalidParameterError } from '../errors.js';
import { ROW_GROUP_ROWS } from '../table/parquet.js';
import type { TableShape } from '../table/read-table.js';

/**
 * Peak resident bytes per output cell (row × column, time features and lags included) besides the process and the
 * Parquet writer, with the streamed CSV reader or a Parquet file: measured 12.7 at 20 M rows of LesCorts (5.4 GiB
 * peak RSS for 20 M × 18 cells, bench/results/preprocess.md); 16 leaves a margin.
 */
export const PEAK_BYTES_PER_CELL = 16;
/**
 * What reading a Parquet file holds besides, per input cell: the file's bytes, parquet-wasm's decoded copy (its
 * memory never shrinks) and the Arrow IPC copy, beside the float64 columns. Measured 12.7 at 6 M rows × 12 columns
 * (3.5 GiB peak); 24 leaves a margin.
 */
export const PARQUET_BYTES_PER_CELL = 24;
/**
 * What Polars' reader holds besides when it reads a file whole, per input cell (its own columns, and a copy of those
 * with nulls made NaN): measured 14–16 when it read the time column as text too; a file beyond this is read a 64 MiB
 * chunk at a time instead (shared/table/csv-polars.ts).
 */
export const POLARS_BYTES_PER_CELL = 20;
/**
 * The Parquet writer per cell of the row group it holds: parquet-wasm's WebAssembly memory (it grows, never shrinks),
 * measured 22–48; or the native writers' processes, one per split, written side by side (11 per cell each: 199 MiB
 * for 1.78 M × 18 cells; at most three row groups, 33), which scale the rows themselves: no scaled copy here.
 */
export const WRITER_BYTES_PER_CELL = 48;
/** The process itself: Node and the bundle. */
export const BASE_BYTES = 200 * 2 ** 20;
/** Columns preprocess adds when `time_features` is on (shared/series/time-features.ts). */
const TIME_FEATURE_COLUMNS = 6;

export interface MemoryLimit {
  bytes: number;
  /** Where the limit comes from, for the error. */
  from: string;
}

/**
 * The memory this process may use: FLTS_MEMORY_LIMIT when set (bytes, or with a K/M/G/T suffix, powers of 1024),
 * else the container's limit (cgroup) when there is one, else the machine's memory.
 */
export function memoryLimit(env: NodeJS.ProcessEnv = process.env): MemoryLimit {
  const set = env['FLTS_MEMORY_LIMIT']?.trim();
  if (set) {
    const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(set);
    if (!match) throw new InvalidParameterError(`FLTS_MEMORY_LIMIT must be a size such as "512M", "4G" or a number of bytes; got ${JSON.stringify(set)}.`);
    const power = ' KMGT'.indexOf((match[2] || ' ').toUpperCase());
    return { bytes: Number(match[1]) * 1024 ** power, from: 'FLTS_MEMORY_LIMIT' };
  }
  const machine = totalmem();
  // Node reports "no limit" as a huge number (2^64) outside a memory cgroup.
  const container = process.constrainedMemory?.() ?? 0;
  if (container > 0 && container < machine) return { bytes: container, from: "the container's memory limit" };
  return { bytes: machine, from: "this machine's memory" };
}

/** Peak bytes preprocessing `tables` needs with these settings, read by the streamed reader (`polars`: by Polars'). */
export function memoryNeeded(
  tables: readonly (Pick<TableShape, 'rows' | 'columns'> & Partial<Pick<TableShape, 'format'>>)[],
  options: { timeFeatures: boolean; lags: number },
  polars = false,
): number {
  const added = (options.timeFeatures ? TIME_FEATURE_COLUMNS : 0) + options.lags;
  const cells = tables.reduce((sum, table) => sum + table.rows * (table.columns + added), 0);
  const csvCells = tables.reduce((sum, table) => sum + (table.format === 'parquet' ? 0 : table.rows * table.columns), 0);
  const parquetCells = tables.reduce((sum, table) => sum + (table.format === 'parquet' ? table.rows * table.columns : 0), 0);
  const rowGroup = Math.min(ROW_GROUP_ROWS, tables.reduce((sum, table) => sum + table.rows, 0)) * Math.max(0, ...tables.map((table) => table.columns + added));
  return BASE_BYTES + cells * PEAK_BYTES_PER_CELL + rowGroup * WRITER_BYTES_PER_CELL + parquetCells * PARQUET_BYTES_PER_CELL + (polars ? csvCells * POLARS_BYTES_PER_CELL : 0);
}

/**
 * Throws a DataError when `tables` (named by `sources`) need more memory than `limit`; else says whether Polars'
 * copy of a whole file fits too (preprocess then reads a plain CSV with Polars at once; else a chunk at a time, which
 * holds a few chunks of 64 MiB beside the data, within the margin of PEAK_BYTES_PER_CELL).
 */
export function checkMemory(
  tables: readonly (Pick<TableShape, 'rows' | 'columns'> & Partial<Pick<TableShape, 'format'>> & { source: string })[],
  options: { timeFeatures: boolean; lags: number },
  limit: MemoryLimit = memoryLimit(),
): { polars: boolean } {
  const needed = memoryNeeded(tables, options);
  if (needed <= limit.bytes) return { polars: memoryNeeded(tables, options, true) <= limit.bytes };
  const described = tables.map((table) => `${table.source} (about ${table.rows.toLocaleString('en')} rows × ${table.columns} columns)`).join(' and ');
  throw new DataError(
    `Too much data for the memory available: ${described} need about ${gib(needed)} to preprocess, more than ${limit.from} allows (${gib(limit.bytes)}). ` +
      'Give the process more memory (a larger container limit, or FLTS_MEMORY_LIMIT where the limit is known otherwise), or split the file by time.',
  );
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(bytes < 2 ** 30 ? 2 : 1)} GiB`;
}
