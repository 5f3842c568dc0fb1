/**
 * Linear probe (issue 16): what ridge regressions on various inputs (the target's lags, the measured features, the
 * time features) reach per step on the held-out split of a site preprocessed with preprocess's defaults, against
 * persistence and the linear baseline. Each model is fitted on the training split, one direct model per step, on
 * the change from the origin's value. Findings: bench/results/rnn-highway-notes.md §5.
 *
 *   npx tsx bench/linear-probe.ts ElBorn [horizon]
 */
import { Matrix, CholeskyDecomposition } from 'ml-matrix';
import { planEvaluation } from '../shared/series/evaluation.js';
import { preprocessSpec } from '../components/preprocess/spec.js';
import { preprocessTables, type PreprocessOptions, type PreprocessResult } from '../shared/preprocess/pipeline.js';
import { readTableFile } from '../shared/table/read-table.js';
import { sharedPath } from '../test/helpers/shared-data.js';
async function preprocessSiteDefault(site: string, overrides: Partial<PreprocessOptions> = {}): Promise<PreprocessResult> {
  const parameters = preprocessSpec.inputs.parameters as Record<string, { default?: unknown }>;
  const p = (name: string): never => parameters[name]!.default as never;
  const train = await readTableFile(sharedPath(`data/flts/${site}.csv`)!);
  const test = await readTableFile(sharedPath(`data/flts/${site}_test.csv`)!);
  const options: PreprocessOptions = {
    trainFile: `${site}.csv`, testFile: `${site}_test.csv`, timeColumn: p('time_column'), targetColumn: p('target_column'), featureColumns: [],
    frequency: p('frequency'), imputation: p('imputation'), outlierMethod: p('outlier_method'), outlierFactor: p('outlier_factor'),
    timeFeatures: p('time_features'), lags: p('lags'), lagStep: p('lag_step'), scaler: p('scaler'), validationFraction: p('validation_fraction'),
    testFraction: p('test_fraction'), sampleTrainRows: 0, sampleTestRows: 0, sampleStrategy: p('sample_strategy'), hashSalt: '', maxGapSteps: p('max_gap_steps'), ...overrides,
  };
  return preprocessTables({ train: { table: train.table, source: `${site}.csv` }, test: { table: test.table, source: `${site}_test.csv` } }, options);
}


const site = process.argv[2] ?? 'ElBorn';
const H = Number(process.argv[3] ?? 6);
const L = 30;
const data = await preprocessSiteDefault(site);
const target = data.target;
const names = [...data.columns];
const plan = planEvaluation({ context: [data.splits.train, data.splits.validation], heldOut: data.splits.test, target, inputLength: L, horizon: H, frequencyMs: data.frequencyMs, scaler: data.scaler });
const rmse = (f: (i: number, h: number) => number) => Array.from({ length: H }, (_, h) => { let s = 0; for (let i = 0; i < plan.origins.length; i++) { const d = f(i, h) - plan.actual[i * H + h]!; s += d * d; } return Math.sqrt(s / plan.origins.length); });
const pers = rmse((i) => plan.persistence[i * H]!);
const lin = rmse((i, h) => plan.linear![i * H + h]!);
console.log(site, 'persistence', pers.map((x) => x.toFixed(4)).join(' '));
console.log(site, 'linear10   ', lin.map((x) => x.toFixed(4)).join(' '), 'skill h1', (1 - lin[0]! / pers[0]!).toFixed(3));

type Feat = (cols: Record<string, Float64Array>, t: number) => number[];
function probe(label: string, feat: Feat, lags: number, ridge = 1e-4, trainFrames = [data.splits.train]) {
  const rows: { x: number[]; y: number[] }[] = [];
  for (const fr of trainFrames) {
    const y = fr.columns[target]!;
    for (let t = lags; t + H < y.length; t++) rows.push({ x: [...feat(fr.columns, t), 1], y: Array.from({ length: H }, (_, h) => y[t + h + 1]! - y[t]!) });
  }
  const w = rows[0]!.x.length;
  const X = new Matrix(rows.map((r) => r.x));
  const Y = new Matrix(rows.map((r) => r.y));
  const G = X.transpose().mmul(X);
  let tr = 0; for (let i = 0; i < w; i++) tr += G.get(i, i);
  for (let i = 0; i < w; i++) G.set(i, i, G.get(i, i) + (ridge * tr) / w);
  const B = new CholeskyDecomposition(G).solve(X.transpose().mmul(Y));
  const cols = plan.frame.columns;
  const yT = cols[target]!;
  const fc = Array.from(plan.origins, (o) => { const x = [...feat(cols, o), 1]; return Array.from({ length: H }, (_, h) => { let s = yT[o]!; for (let k = 0; k < w; k++) s += x[k]! * B.get(k, h); return s; }); });
  const r = rmse((i, h) => fc[i]![h]!);
  const beats = r.map((v, h) => (v < lin[h]! ? '+' : '-')).join('');
  console.log(site, label.padEnd(28), r.map((x) => x.toFixed(4)).join(' '), 'skill h1', (1 - r[0]! / pers[0]!).toFixed(3), beats, 'mean', (r.reduce((a, b) => a + b * b, 0) / H) ** 0.5);
}
const tl = (k: number): Feat => (c, t) => Array.from({ length: k }, (_, j) => c[target]![t - j]!);
const fl = (k: number, which = names): Feat => (c, t) => which.flatMap((n) => Array.from({ length: k }, (_, j) => c[n]![t - j]!));
probe('target 10', tl(10), 10);
probe('target 30', tl(30), 30);
probe('target 10 + feats@t', (c, t) => [...tl(10)(c, t), ...fl(1)(c, t)], 10);
probe('all feats x 3', fl(3), 3);
probe('all feats x 10', fl(10), 10);
probe('all feats x 30', fl(30), 30, 1e-3);
probe('target10 + feats x3', (c, t) => [...tl(10)(c, t), ...fl(3)(c, t)], 10);
probe('target 10 train+val', tl(10), 10, 1e-4, [data.splits.train, data.splits.validation]);
console.log(names.join(','));
const net = names.filter((n) => !n.includes('_of_') || n.startsWith('min_of_day'));
const noTime = names.filter((n) => !n.includes('_of_'));
probe('net+minofday x1 + t10', (c, t) => [...tl(10)(c, t), ...fl(1, net)(c, t)], 10);
probe('noTime x1 + t10', (c, t) => [...tl(10)(c, t), ...fl(1, noTime)(c, t)], 10);
probe('noTime x3 + t10', (c, t) => [...tl(10)(c, t), ...fl(3, noTime)(c, t)], 10);
probe('minofday + t10', (c, t) => [...tl(10)(c, t), ...fl(1, ['min_of_day_sin','min_of_day_cos'])(c, t)], 10);
for (const n of noTime) if (n !== target) probe(`t10 + ${n}@t`, (c, t) => [...tl(10)(c, t), c[n]![t]!], 10);
// feature ranges train vs test
for (const n of names) { const a = data.splits.train.columns[n]!, b = data.splits.test.columns[n]!; const mm = (v: Float64Array) => [Math.min(...v), Math.max(...v)].map((x) => x.toFixed(2)).join('..'); console.log(n.padEnd(18), 'train', mm(a), 'test', mm(b)); }
