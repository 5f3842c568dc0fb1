/**
 * One size of the preprocess benchmark, ours, in a process of its own so that its peak RSS is its own: the
 * component's path (measure the file against the memory limit, read the CSV with Polars when plain, else stream it
 * with the time column parsed while reading, the pipeline, Parquet for train and validation), best of N. Prints one JSON line:
 * {"seconds", "rows", "peakRssBytes"} or {"refused": message} when the memory check refuses the file. The native
 * Parquet writer runs as a child process; its peak (sampled) is added to ours, an upper bound of the two together.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FltsError } from '../shared/errors.js';
import { checkMemory } from '../shared/preprocess/memory.js';
import { preprocessTables, type PreprocessOptions } from '../shared/preprocess/pipeline.js';
import { scaledRows } from '../shared/series/scaler.js';
import { writeParquetFile, writeParquetFiles } from '../shared/table/parquet.js';
import { CHUNK_BYTES, POLARS_MIN_BYTES, readPlainCsvFile } from '../shared/table/csv-polars.js';
import { readTableFile, tableShape } from '../shared/table/read-table.js';
import { childPids, procText } from '../test/helpers/processes.js';

const [input, repeatsText] = process.argv.slice(2);
const options: PreprocessOptions = {
  trainFile: 'lescorts-x.csv', testFile: '', timeColumn: 'time', targetColumn: 'down', featureColumns: [], frequency: '',
  imputation: 'time', outlierMethod: 'none', outlierFactor: 1.5, timeFeatures: true, lags: 0, lagStep: 1, scaler: 'minmax',
  validationFraction: 0.1, testFraction: 0.01, sampleTrainRows: 0, sampleTestRows: 0, sampleStrategy: 'head', hashSalt: '', maxGapSteps: 30,
};
const csv = { timeColumn: 'time' };
let childPeakKb = 0;
const sampler = setInterval(() => {
  for (const pid of childPids()) childPeakKb = Math.max(childPeakKb, Number(/VmHWM:\s+(\d+)/.exec(procText(`/proc/${pid}/status`))?.[1] ?? 0));
}, 10);
const peakRssBytes = () => (process.resourceUsage().maxRSS + childPeakKb) * 1024;
const out = await mkdtemp(join(tmpdir(), 'flts-bench-out-'));
let best = Infinity;
let rows = 0;
try {
  for (let i = 0; i < Number(repeatsText ?? 3); i++) {
    const start = performance.now();
    const { polars } = checkMemory([{ ...(await tableShape(input!, input, csv)), source: input! }], options);
    const { table } = await readTableFile(input!, input, csv, (file, options) => readPlainCsvFile(file, options, POLARS_MIN_BYTES, polars ? Infinity : CHUNK_BYTES));
    rows = table.rows;
    const result = preprocessTables({ train: { table, source: input! }, handOver: true }, options);
    await writeParquetFiles((['train', 'validation'] as const).map((split) => () => writeParquetFile(join(out, `${split}.parquet`), scaledRows(result.scaler, result.unscaled[split]), {})));
    best = Math.min(best, (performance.now() - start) / 1000);
  }
  console.log(JSON.stringify({ seconds: best, rows, peakRssBytes: peakRssBytes() }));
} catch (error) {
  if (!(error instanceof FltsError)) throw error;
  console.log(JSON.stringify({ refused: error.message, peakRssBytes: peakRssBytes() }));
} finally {
  clearInterval(sampler);
  await rm(out, { recursive: true, force: true });
}

