/**
 * Reads a raw data file, CSV or Parquet (recognised by content, not name), with clear errors for anything else.
 * CSV is streamed (shared/table/csv.ts); Parquet is decoded whole, as its footer and column chunks need.
 */
import { open, readFile } from 'node:fs/promises';
import { DataError } from '../errors.js';
import { readCsv, readCsvFile, type CsvOptions } from './csv.js';
import { readParquet } from './parquet.js';
import type { RawTable } from './raw-table.js';

const PARQUET_MAGIC = 'PAR1';

export interface ReadTable {
  table: RawTable;
  format: 'csv' | 'parquet';
  /** Parquet key/value metadata (empty for CSV). */
  metadata: Map<string, string>;
}

/** The table in the file at `path`; `source` names it in errors; `csv` sets or sniffs the CSV dialect. */
export async function readTableFile(path: string, source = path, csv: CsvOptions = {}): Promise<ReadTable> {
  const head = await fileHead(path, source);
  if (head.length === 0) throw new DataError(`Data file ${source} is empty.`);
  if (isParquet(head)) {
    const { table, metadata } = readParquet(await readFile(path), source);
    return { table, format: 'parquet', metadata };
  }
  checkText(head, source);
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

/** The first 8 KiB of the file, with the errors of a file that cannot be read. */
async function fileHead(path: string, source: string): Promise<Uint8Array> {
  try {
    const file = await open(path);
    try {
      const { buffer, bytesRead } = await file.read(Buffer.alloc(8192), 0, 8192, 0);
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
