/** Reads a raw data file, CSV or Parquet (recognised by content, not name), with clear errors for anything else. */
import { readFile } from 'node:fs/promises';
import { DataError } from '../errors.js';
import { readCsv } from './csv.js';
import { readParquet } from './parquet.js';
import type { RawTable } from './raw-table.js';

const PARQUET_MAGIC = 'PAR1';

export interface ReadTable {
  table: RawTable;
  format: 'csv' | 'parquet';
  /** Parquet key/value metadata (empty for CSV). */
  metadata: Map<string, string>;
  bytes: Uint8Array;
}

export async function readTableFile(path: string, source = path): Promise<ReadTable> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DataError(`Data file ${source} does not exist.`);
    if (code === 'EISDIR') throw new DataError(`Data file ${source} is a directory, not a file.`);
    throw new DataError(`Cannot read data file ${source}: ${(cause as Error).message}`, { cause });
  }
  return parseTable(bytes, source);
}

export function parseTable(bytes: Uint8Array, source: string): ReadTable {
  if (bytes.length === 0) throw new DataError(`Data file ${source} is empty.`);
  const head = Buffer.from(bytes.subarray(0, 4)).toString('latin1');
  if (head === PARQUET_MAGIC) {
    const { table, metadata } = readParquet(bytes, source);
    return { table, format: 'parquet', metadata, bytes };
  }
  if (!looksLikeText(bytes)) {
    throw new DataError(`Data file ${source} is neither CSV nor Parquet (binary content without the Parquet "PAR1" signature).`);
  }
  return { table: readCsv(Buffer.from(bytes).toString('utf8'), source), format: 'csv', metadata: new Map(), bytes };
}

/** No NUL bytes in the first 8 KiB: the usual test for text. */
function looksLikeText(bytes: Uint8Array): boolean {
  const sample = bytes.subarray(0, 8192);
  return !sample.includes(0);
}
