/**
 * The prototype measurement behind issue 17's engine choice: each hot step of preprocess timed on its own, today's
 * code (streamed CSV reader, typed-array series steps, Arrow + parquet-wasm writer) against the same step in
 * Polars (nodejs-polars), on LesCorts.csv repeated. Usage: tsx bench/preprocess-steps.ts FILE.csv [repeats].
 * Prints one JSON line per side and step: best of `repeats` milliseconds.
 */
import pl from 'nodejs-polars';
import { preprocessTables, type PreprocessOptions } from '../shared/preprocess/pipeline.js';
import { parquetBytes } from '../shared/table/parquet.js';
import { readTableFile } from '../shared/table/read-table.js';

const [input, repeatsText] = process.argv.slice(2);
if (!input) {
  // Run by hand on a file bench/preprocess.ts can make (LesCorts repeated); `npm run bench` passes none.
  console.log('bench/preprocess-steps: skipped; usage: tsx bench/preprocess-steps.ts FILE.csv [repeats]');
  process.exit(0);
}
const repeats = Number(repeatsText ?? 3);
const options: PreprocessOptions = {
  trainFile: 'x.csv', testFile: '', timeColumn: 'time', targetColumn: 'down', featureColumns: [], frequency: '',
  imputation: 'time', outlierMethod: 'none', outlierFactor: 1.5, timeFeatures: true, lags: 0, lagStep: 1, scaler: 'minmax',
  validationFraction: 0.1, testFraction: 0.01, sampleTrainRows: 0, sampleTestRows: 0, sampleStrategy: 'head', hashSalt: '', maxGapSteps: 30,
};

const best: Record<string, number> = {};
const time = <T>(name: string, fn: () => T): T => {
  const start = performance.now();
  const result = fn();
  best[name] = Math.min(best[name] ?? Infinity, performance.now() - start);
  return result;
};

for (let r = 0; r < repeats; r++) {
  const startRead = performance.now();
  const { table } = await readTableFile(input, input, { timeColumn: 'time' }); // today's streamed reader
  best['ours: read CSV'] = Math.min(best['ours: read CSV'] ?? Infinity, performance.now() - startRead);
  const result = time('ours: pipeline (grid, interpolate, features, split, scale)', () => {
    const preprocessed = preprocessTables({ train: { table, source: input } }, options);
    void preprocessed.splits; // scaled on first use
    return preprocessed;
  });
  const startWrite = performance.now();
  for (const split of ['train', 'validation'] as const) await parquetBytes(result.splits[split], {});
  best['ours: write Parquet (train + validation)'] = Math.min(best['ours: write Parquet (train + validation)'] ?? Infinity, performance.now() - startWrite);

  const df = time('polars: read CSV + parse time', () =>
    pl.readCSV(input).withColumns(pl.col('time').str.strptime(pl.Datetime('ms'), '%Y-%m-%d %H:%M:%S').cast(pl.Datetime('ms')).cast(pl.Int64).cast(pl.Float64)));
  const out = time('polars: pipeline (grid, interpolate, features, split, scale)', () => polarsPipeline(df));
  time('polars: to Float64Arrays', () => out.map((frame) => frame.getColumns().map((s) => s.toTypedArray())));
}
for (const [step, ms] of Object.entries(best)) console.log(JSON.stringify({ step, ms: Math.round(ms) }));

function polarsPipeline(df: pl.DataFrame): pl.DataFrame[] {
  const sorted = df.sort('time').unique({ subset: ['time'], keep: 'first', maintainOrder: true });
  const t = sorted.getColumn('time');
  const t0 = t.min() as number;
  const step = 120_000;
  const last = t.max() as number;
  const n = Math.round((last - t0) / step) + 1;
  const grid = pl.DataFrame({ time: pl.Series('time', Float64Array.from({ length: n }, (_, k) => t0 + k * step)) });
  const values = sorted.columns.filter((c) => c !== 'time');
  let frame = grid.join(sorted.withColumns(...values.map((c) => pl.col(c).cast(pl.Float64))), { on: 'time', how: 'left' });
  const cut = n - Math.round(n * 0.01);
  const vcut = cut - Math.round(cut * 0.1);
  const slices = [frame.slice(0, vcut), frame.slice(vcut, cut - vcut), frame.slice(cut, n - cut)];
  const filled = slices.map((s) => s.withColumns(...values.map((c) => pl.col(c).interpolate().forwardFill().backwardFill())));
  const day = 86_400_000;
  const tau = 2 * Math.PI;
  const feats = (s: pl.DataFrame) => s.withColumns(
    pl.col('time').modulo(day).div(60_000).floor().mul(tau / 1440).sin().alias('min_of_day_sin'),
    pl.col('time').modulo(day).div(60_000).floor().mul(tau / 1440).cos().alias('min_of_day_cos'),
    pl.col('time').div(day).floor().add(3).modulo(7).mul(tau / 7).sin().alias('day_of_week_sin'),
    pl.col('time').div(day).floor().add(3).modulo(7).mul(tau / 7).cos().alias('day_of_week_cos'),
    pl.col('time').cast(pl.Int64).cast(pl.Datetime('ms')).dt.ordinalDay().cast(pl.Float64).mul(tau / 365.25).sin().alias('day_of_year_sin'),
    pl.col('time').cast(pl.Int64).cast(pl.Datetime('ms')).dt.ordinalDay().cast(pl.Float64).mul(tau / 365.25).cos().alias('day_of_year_cos'),
  );
  const withFeatures = filled.map(feats);
  const cols = withFeatures[0]!.columns.filter((c) => c !== 'time');
  const mins = withFeatures[0]!.select(...cols.map((c) => pl.col(c).min()));
  const maxs = withFeatures[0]!.select(...cols.map((c) => pl.col(c).max()));
  const scale = (s: pl.DataFrame) => s.withColumns(...cols.map((c) => {
    const lo = mins.getColumn(c).get(0) as number;
    const span = (maxs.getColumn(c).get(0) as number) - lo || 1;
    return pl.col(c).sub(lo).div(span);
  }));
  return withFeatures.map(scale);
}
