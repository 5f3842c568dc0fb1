/**
 * Reads a raw data file, CSV or Parquet (recognised by content, not name), with clear errors for anything else.
 * CSV is streamed (shared/table/csv.ts), or read by a given fast path where it accepts the file; Parquet is decoded whole, as its footer and column chunks need.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { DataError } from '../errors.js';
import { csvShape, readCsv, readCsvFile, type CsvOptions } from './csv.js';
import { parquetShape, readParquet } from './parquet.js';
import type { RawTable } from './raw-table.js';

const PARQUET_MAGIC = 'PAR1';

export interface ReadTable {
  table: RawTable;
  format: 'csv' | 'parquet';
  /** Parquet key/value metadata (empty for CSV). */
  metadata: Map<string, string>;
  /** True when the fast CSV path read the file. */
  fast?: boolean;
}

/**
 * A faster reader for the CSV files it accepts, undefined for the others (which the streamed reader then reads):
 * preprocess passes Polars' (shared/table/csv-polars.ts), so that only its bundle and image carry Polars.
 */
export type CsvFastPath = (path: string, csv: CsvOptions) => Promise<RawTable | undefined>;

/** The table in the file at `path`; `source` names it in errors; `csv` sets or sniffs the CSV dialect. */
export async function readTableFile(path: string, source = path, csv: CsvOptions = {}, fastCsv?: CsvFastPath): Promise<ReadTable> {
  const head = await fileHead(path, source);
  if (head.length === 0) throw new DataError(`Data file ${source} is empty.`);
  if (isParquet(head)) {
    const { table, metadata } = readParquet(await readFile(path), source);
    return { table, format: 'parquet', metadata };
  }
  checkText(head, source);
  const fast = await fastCsv?.(path, csv);
  if (fast) return { table: fast, format: 'csv', metadata: new Map(), fast: true };
  return { table: await readCsvFile(path, source, csv), format: 'csv', metadata: new Map() };
}

/** The table in `bytes` (a whole file in memory). */
export function parseTable(bytes: Uint8Array, source: string, csv: CsvOptions = {}): ReadTable {
  if (bytes.length === 0) throw new DataError(`Data file ${source} is empty.`);
  if (isParquet(bytes)) {
    const { table, metadata } = readParquet(bytes, source);
    return { table, format: 'parquet', metadata };
  }
  checkText(bytes, source);
  return { table: readCsv(Buffer.from(bytes).toString('utf8'), source, csv), format: 'csv', metadata: new Map() };
}

export interface TableShape {
  format: 'csv' | 'parquet';
  /** Bytes on disk. */
  bytes: number;
  columns: number;
  /** Exact for Parquet (from its footer); for CSV estimated from the length of the first lines. */
  rows: number;
}

/** The size of the table in the file at `path`, found without reading it all; unreadable files fail as in `readTableFile`. */
export async function tableShape(path: string, source = path, csv: CsvOptions = {}): Promise<TableShape> {
  const head = await fileHead(path, source, 64 * 1024);
  const { size } = await stat(path);
  if (head.length === 0) throw new DataError(`Data file ${source} is empty.`);
  if (isParquet(head)) {
    const tail = await fileHead(path, source, 8, Math.max(0, size - 8));
    const length = Buffer.from(tail).readUInt32LE(0);
    try {
      return { format: 'parquet', bytes: size, ...parquetShape(await fileHead(path, source, length, size - 8 - length)) };
    } catch (cause) {
      throw new DataError(`${source} is not a readable Parquet file: its footer cannot be read (${(cause as Error).message}).`, { cause });
    }
  }
  checkText(head, source);
  // Whole lines only: the sample's last line may be cut, and a character with it.
  const text = Buffer.from(head).toString('utf8');
  const sample = head.length < size ? text.slice(0, text.lastIndexOf('\n') + 1) : text;
  return { format: 'csv', bytes: size, ...csvShape(sample, size, csv) };
}

/** `length` bytes of the file from `position` (fewer at its end), with the errors of a file that cannot be read. */
async function fileHead(path: string, source: string, length = 8192, position = 0): Promise<Uint8Array> {
  try {
    const file = await open(path);
    try {
      const { buffer, bytesRead } = await file.read(Buffer.alloc(length), 0, length, position);
      return buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(`Data file ${source} does not exist.`);
    if (code === 'EISDIR') throw new DataError(`Data file ${source} is a directory, not a file.`);
    throw new DataError(`Cannot read data file ${source}: ${(cause as Error).message}`, { cause });
  }
}

function isParquet(head: Uint8Array): boolean {
  return Buffer.from(head.subarray(0, 4)).toString('latin1') === PARQUET_MAGIC;
}

/** No NUL bytes in the first 8 KiB: the usual test for text. */
function checkText(head: Uint8Array, source: string): void {
  if (head.subarray(0, 8192).includes(0)) {
    throw new DataError(`Data file ${source} is neither CSV nor Parquet (binary content without the Parquet "PAR1" signature).`);
  }
}
