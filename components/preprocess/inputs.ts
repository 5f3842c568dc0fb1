/**
 * Where preprocess finds its raw files: an input artifact (KFP-native bytes or a claim check) or a URI
 * parameter (local path, file://, s3://, minio://), read into a table with its name for the config hash.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Logger } from '../../shared/log.js';
import type { InputArtifact } from '../../shared/kfp/executor.js';
import { defaultObjectStore, parseLocation, resolveClaim } from '../../shared/store/index.js';
import type { CsvOptions } from '../../shared/table/csv.js';
import { CHUNK_BYTES, POLARS_MIN_BYTES, readPlainCsvFile } from '../../shared/table/csv-polars.js';
import { readTableFile, type ReadTable } from '../../shared/table/read-table.js';

export interface RawInput extends ReadTable {
  /** Base name recorded in the config (`train_file` / `test_file`). */
  fileName: string;
  /** What errors call it: the artifact or parameter and where it points. */
  source: string;
  /** The local file it was read from (for the data digest). */
  path: string;
}

export interface ReadOptions {
  /** The CSV dialect and time column (shared/table/csv.ts). */
  csv?: CsvOptions;
  /**
   * Called with the local file before it is read: may refuse it (a file too large for memory), and says whether
   * Polars' reader, which needs more memory than the streamed one, may read it.
   */
  check?: (path: string, source: string) => Promise<{ polars: boolean }>;
}

/** The raw file from `artifact` if given, else from `uri`; undefined when neither is set. */
export async function loadRawInput(
  artifact: InputArtifact | undefined,
  uri: string,
  names: { artifact: string; parameter: string },
  log: Logger,
  read: ReadOptions = {},
): Promise<RawInput | undefined> {
  if (artifact) {
    if (uri) log.warn(`Both the "${names.artifact}" artifact and "${names.parameter}" are set; using the artifact.`);
    const path = await resolveClaim(artifact);
    const source = `input artifact "${names.artifact}" (${artifact.uri})`;
    const table = await readInput(path, source, read, log);
    return { ...table, fileName: basename(artifact.uri), source: `input artifact "${names.artifact}"`, path };
  }
  if (!uri) return undefined;
  const location = parseLocation(uri);
  let path: string;
  if (location.kind === 'local') {
    path = location.path;
  } else {
    path = join(await mkdtemp(join(tmpdir(), 'flts-raw-')), basename(location.key) || 'data');
    await defaultObjectStore().download(uri, path);
  }
  const source = `${names.parameter} ${uri}`;
  const table = await readInput(path, source, read, log);
  return { ...table, fileName: basename(uri), source, path };
}

/**
 * The table, through Polars when the CSV is plain (shared/table/csv-polars.ts): the whole file at once where its
 * copy fits in memory too, else a chunk at a time; the reader used is logged.
 */
async function readInput(path: string, source: string, read: ReadOptions, log: Logger): Promise<ReadTable> {
  const { polars } = (await read.check?.(path, source)) ?? { polars: true };
  const table = await readTableFile(path, source, read.csv, (file, csv) => readPlainCsvFile(file, csv, POLARS_MIN_BYTES, polars ? Infinity : CHUNK_BYTES));
  log.info('read', { source, format: table.format, rows: table.table.rows, reader: table.fast ? 'polars' : table.format === 'csv' ? 'streamed' : 'parquet-wasm' });
  return table;
}
