/**
 * Preprocess throughput: our pipeline (read CSV → grid → impute → time features → train-only scaling → Parquet)
 * against pandas doing the same steps on the same file, in one run, reported as rows/s and a ratio. The input is
 * LesCorts.csv repeated (shifted in time) to a size where per-call overhead does not dominate.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preprocessTables, type PreprocessOptions } from '../shared/preprocess/pipeline.js';
import { writeParquet } from '../shared/table/parquet.js';
import { readTableFile } from '../shared/table/read-table.js';
import { sharedPath } from '../test/helpers/shared-data.js';
import { python } from '../test/helpers/python.js';
import { recordResult } from './record.js';

const COPIES = Number(process.env['BENCH_PREPROCESS_COPIES'] ?? 25);
const REPEATS = 3;

const source = sharedPath('data/flts/LesCorts.csv');
if (!source) {
  console.log('bench/preprocess: skipped, ../shared/data/flts/LesCorts.csv is absent');
  process.exit(0);
}
const dir = await mkdtemp(join(tmpdir(), 'flts-bench-'));
const input = join(dir, 'lescorts-x.csv');
await writeFile(input, await replicate(source, COPIES));

const options: PreprocessOptions = {
  trainFile: 'lescorts-x.csv', testFile: '', timeColumn: 'time', targetColumn: 'down', featureColumns: [], frequency: '',
  imputation: 'time', outlierMethod: 'none', outlierFactor: 1.5, timeFeatures: true, lags: 0, lagStep: 1, scaler: 'minmax',
  validationFraction: 0.1, testFraction: 0.01, sampleTrainRows: 0, sampleTestRows: 0, sampleStrategy: 'head', hashSalt: '', maxGapSteps: 30,
};

let best = Infinity;
let rows = 0;
for (let i = 0; i < REPEATS; i++) {
  const start = performance.now();
  const { table } = await readTableFile(input);
  const result = preprocessTables({ train: { table, source: input } }, options);
  for (const split of ['train', 'validation'] as const) await writeFile(join(dir, `${split}.parquet`), writeParquet(result.splits[split], {}));
  best = Math.min(best, (performance.now() - start) / 1000);
  rows = table.rows;
}
const peer = JSON.parse(execFileSync(python, [new URL('./preprocess_peer.py', import.meta.url).pathname, input, String(REPEATS)], { encoding: 'utf8' })) as {
  seconds: number;
  rows: number;
};
await recordResult('preprocess', {
  description: `LesCorts.csv ×${COPIES} (${rows} rows, 12 columns): read CSV → grid → time interpolation → time features → scale → Parquet; best of ${REPEATS}`,
  ours: { seconds: best, rowsPerSecond: rows / best },
  pandas: { seconds: peer.seconds, rowsPerSecond: peer.rows / peer.seconds },
  ratio: peer.seconds / best,
  ratioMeaning: 'pandas time / our time (> 1: we are faster)',
});

/** The CSV repeated `copies` times, each copy shifted past the previous one so timestamps stay unique. */
async function replicate(path: string, copies: number): Promise<string> {
  const [header, ...lines] = (await readFile(path, 'utf8')).trim().split('\n');
  const first = Date.parse(`${lines[0]!.slice(0, 19).replace(' ', 'T')}Z`);
  const last = Date.parse(`${lines[lines.length - 1]!.slice(0, 19).replace(' ', 'T')}Z`);
  const span = last - first + 120_000;
  const out = [header];
  for (let c = 0; c < copies; c++) {
    for (const line of lines) {
      const t = new Date(Date.parse(`${line.slice(0, 19).replace(' ', 'T')}Z`) + c * span).toISOString().slice(0, 19).replace('T', ' ');
      out.push(t + line.slice(19));
    }
  }
  return `${out.join('\n')}\n`;
}
