/**
 * Held-out accuracy against training time of the GRU/LSTM forecaster for a few settings, on ElBorn and LesCorts
 * preprocessed with preprocess's defaults, scored with the shared evaluation protocol (horizon 6) next to the
 * naive baselines. Writes bench/results/<out>.json and a table in bench/results/<out>.md; the conclusions are in
 * bench/results/rnn-defaults.md.
 *
 *   npx tsx bench/rnn-defaults.ts                 the train-gru/train-lstm defaults only (what `npm run bench` runs) → rnn-check
 *   npx tsx bench/rnn-defaults.ts --grid --out rnn-grid --backend wasm     every setting below (about 40 min on 2 busy cores)
 *   npx tsx bench/rnn-defaults.ts --only gru-L30-h64-l1,gru-L30-h64-l1-b128 --seeds 1,2 --out rnn-seeds --backend wasm
 *   npx tsx bench/rnn-defaults.ts --seeds 42,1,2 --betas 0.6,0.75 --out rnn-defaults-accuracy     the issue-16 defaults run
 *   npx tsx bench/rnn-defaults.ts --horizon 30 --seeds 42 --out rnn-defaults-h30
 *   npx tsx bench/rnn-defaults.ts --cells gru --sites ElBorn --hyper calendarFeatures=all,stepLossWeights=false --out x
 *     (--hyper sets library hyperparameters over the defaults; --validation-fraction and --input-length change the
 *     preprocessing / task; --betas also reports the interval's coverage recalibrated at other volatility exponents)
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { preprocessSpec } from '../components/preprocess/spec.js';
import { parameterDefaults } from '../shared/kfp/parameters.js';
import { hyperparametersFrom, RECURRENT_PARAMETERS } from '../shared/models/recurrent/hyperparameters.js';
import { Logger } from '../shared/log.js';
import type { RecurrentHyperparameters } from '../shared/models/recurrent/index.js';
import { calibrateConformal, conformalInterval } from '../shared/models/conformal.js';
import { MODEL_ADAPTERS } from '../shared/models/registry.js';
import { preprocessTables, type PreprocessOptions, type PreprocessResult } from '../shared/preprocess/pipeline.js';
import { evaluateForecaster, type EvaluationReport } from '../shared/series/evaluation.js';
import { MANIFEST_FORMAT, type PreprocessingManifest } from '../shared/series/manifest.js';
import { taskParameters } from '../shared/series/task-parameters.js';
import { readTableFile } from '../shared/table/read-table.js';
import { chooseBackend } from '../shared/tf/backend.js';
import type { BackendRequest } from '../shared/tf/backend-requests.js';
import { sharedPath } from '../test/helpers/shared-data.js';
import { recordResult } from './record.js';

/** One setting: the task's input length plus the hyperparameters that differ from the component defaults. */
interface Setting {
  name: string;
  inputLength: number;
  hyper: Partial<RecurrentHyperparameters>;
}


const GRID: Setting[] = [
  { name: 'gru-L30-h64-l1', inputLength: 30, hyper: { cell: 'gru', hiddenSize: 64, numLayers: 1 } },
  { name: 'gru-L12-h32-l1', inputLength: 12, hyper: { cell: 'gru', hiddenSize: 32, numLayers: 1 } },
  { name: 'gru-L60-h64-l1', inputLength: 60, hyper: { cell: 'gru', hiddenSize: 64, numLayers: 1 } },
  { name: 'gru-L30-h128-l1', inputLength: 30, hyper: { cell: 'gru', hiddenSize: 128, numLayers: 1 } },
  { name: 'gru-L30-h64-l2', inputLength: 30, hyper: { cell: 'gru', hiddenSize: 64, numLayers: 2 } },
  { name: 'gru-L30-h32-l1', inputLength: 30, hyper: { cell: 'gru', hiddenSize: 32, numLayers: 1 } },
  { name: 'gru-L30-h64-l1-b128', inputLength: 30, hyper: { cell: 'gru', hiddenSize: 64, numLayers: 1, batchSize: 128, learningRate: 0.002 } },
  { name: 'lstm-L30-h64-l1', inputLength: 30, hyper: { cell: 'lstm', hiddenSize: 64, numLayers: 1 } },
  // Patience 10 and halving the rate after 3 flat epochs: less at the mercy of a small, noisy validation split.
  { name: 'gru-L30-h64-l1-p10-decay', inputLength: 30, hyper: { cell: 'gru', hiddenSize: 64, numLayers: 1, patience: 10, lrDecayFactor: 0.5, lrDecayPatience: 3 } },
  {
    name: 'gru-L30-h64-l1-b128-p10-decay',
    inputLength: 30,
    hyper: { cell: 'gru', hiddenSize: 64, numLayers: 1, batchSize: 128, learningRate: 0.002, patience: 10, lrDecayFactor: 0.5, lrDecayPatience: 3 },
  },
  {
    name: 'lstm-L30-h64-l1-b128-p10-decay',
    inputLength: 30,
    hyper: { cell: 'lstm', hiddenSize: 64, numLayers: 1, batchSize: 128, learningRate: 0.002, patience: 10, lrDecayFactor: 0.5, lrDecayPatience: 3 },
  },
];

const { values: args } = parseArgs({
  options: {
    grid: { type: 'boolean', default: false },
    only: { type: 'string' },
    sites: { type: 'string', default: 'ElBorn,LesCorts' },
    backend: { type: 'string', default: 'auto' },
    seeds: { type: 'string' },
    out: { type: 'string', default: 'rnn-check' },
    /** Which cells the defaults run covers. */
    cells: { type: 'string', default: 'gru,lstm' },
    horizon: { type: 'string', default: '6' },
    /** Hyperparameters over the defaults, e.g. `epochs=60,hiddenSize=96` (library names). */
    hyper: { type: 'string' },
    'input-length': { type: 'string' },
    /** Also the interval's per-step coverage recalibrated with these volatility exponents β (conformal.ts). */
    betas: { type: 'string' },
    /** Preprocess's validation_fraction (default: the component's). */
    'validation-fraction': { type: 'string' },
    /** Also the defaults without the linear highway, to measure what it does. */
    ablation: { type: 'boolean', default: false },
  },
});

const HORIZON = Number(args.horizon);
const cells = args.cells.split(',');
const sites = args.sites.split(',');
const missing = sites.filter((site) => !sharedPath(`data/flts/${site}.csv`));
if (missing.length > 0) {
  console.log(`bench/rnn-defaults: skipped, ../shared/data/flts/${missing[0]}.csv is absent`);
  process.exit(0);
}

const defaults = componentDefaults();
if (args['input-length']) defaults.inputLength = Number(args['input-length']);
for (const pair of args.hyper ? args.hyper.split(',') : []) {
  const [key, value] = pair.split('=') as [keyof RecurrentHyperparameters, string];
  (defaults.hyper as unknown as Record<string, unknown>)[key] = value === 'true' ? true : value === 'false' ? false : Number.isNaN(Number(value)) ? value : Number(value);
}
const settings = args.only
  ? GRID.filter((setting) => args.only!.split(',').includes(setting.name))
  : args.grid
    ? GRID
    : [
        ...(['gru', 'lstm'] as const).filter((cell) => cells.includes(cell)).map((cell) => ({ name: `${cell}-defaults`, inputLength: defaults.inputLength, hyper: { cell } })),
        ...(args.ablation
          ? [
              { name: 'gru-no-highway', inputLength: defaults.inputLength, hyper: { cell: 'gru' as const, linearHighway: false } },
              { name: 'lstm-no-highway', inputLength: defaults.inputLength, hyper: { cell: 'lstm' as const, linearHighway: false } },
            ]
          : []),
      ];
const seeds = args.seeds ? args.seeds.split(',').map(Number) : [defaults.hyper.seed];
const backend = await chooseBackend(args.backend);
console.log(`backend ${backend.backend} (${backend.reason}); ${settings.length} settings × ${sites.length} sites`);

const rows: Row[] = [];
for (const site of sites) {
  const data = await preprocessSite(site);
  console.log(`${site}: train ${data.splits.train.time.length}, validation ${data.splits.validation.time.length}, test ${data.splits.test.time.length} rows, ${data.columns.length} features`);
  for (const setting of settings) {
    for (const seed of seeds) {
      const row = await runSetting(site, data, { ...setting, hyper: { ...setting.hyper, seed } });
      rows.push(row);
      console.log(
        `${site} ${setting.name} seed ${seed}: rmse ${row.rmse.toFixed(5)} vs persistence ${row.persistenceRmse.toFixed(5)} (skill ${row.skill.toFixed(3)}), linear ${row.linearRmse?.toFixed(5)}, coverage ${row.coverage?.toFixed(3)}, ${row.trainSeconds.toFixed(0)} s, ${row.secondsPerEpoch.toFixed(1)} s/epoch`,
      );
    }
  }
}

await recordResult(args.out, { backend: backend.backend, horizon: HORIZON, defaults: defaults.hyper, inputLengthDefault: defaults.inputLength, rows });
await writeFile(new URL(`./results/${args.out}.md`, import.meta.url), markdown(rows, backend.backend));

interface Row {
  site: string;
  setting: string;
  seed: number;
  cell: string;
  inputLength: number;
  hiddenSize: number;
  numLayers: number;
  parameters: number;
  epochsRun: number;
  bestEpoch: number;
  stopReason: string;
  trainSeconds: number;
  secondsPerEpoch: number;
  rmse: number;
  mae: number;
  rmseOriginal: number;
  persistenceRmse: number;
  seasonalRmse: number | null;
  skill: number;
  skillSeasonal: number | null;
  skillStep1: number;
  skillStep6: number;
  targets: number;
  linearRmse: number | null;
  skillLinear: number | null;
  /** Scaled RMSE per horizon step: the model, persistence, linear baseline. */
  perStep: { step: number; rmse: number; persistence: number; linear: number | null; coverage: number | null }[];
  coverage: number | null;
  /** Per-step coverage recalibrated with other volatility exponents (--betas). */
  betaCoverage: Record<string, number[]>;
}

async function runSetting(site: string, data: PreprocessResult, setting: Setting): Promise<Row> {
  const hyper: RecurrentHyperparameters = { ...defaults.hyper, ...setting.hyper };
  const manifest: PreprocessingManifest = {
    format: MANIFEST_FORMAT,
    target: data.target,
    features: [...data.columns],
    inputLength: setting.inputLength,
    horizon: HORIZON,
    frequencyMs: data.frequencyMs,
    frequency: data.frequency,
    scaler: data.scaler,
    configHash: 'bench',
  };
  const started = performance.now();
  // Through the model adapter, as train-gru/train-lstm fit: training, then the interval's calibration.
  const model = await MODEL_ADAPTERS[hyper.cell].fit(
    { train: data.splits.train, validation: data.splits.validation, manifest },
    { hyper, backend: args.backend as BackendRequest, intervalWidth: 0.8 },
    { log: new Logger('bench') },
  );
  const trainSeconds = (performance.now() - started) / 1000;
  const summary = { parameterCount: model.facts['parameter_count'] as number, epochsRun: model.facts['epochs_run'] as number, bestEpoch: model.facts['best_epoch'] as number };
  console.log(`  ${summary.epochsRun} epochs (best ${summary.bestEpoch}), ${trainSeconds.toFixed(1)} s`);
  const report = await evaluateForecaster(
    { context: [data.splits.train, data.splits.validation], heldOut: data.splits.test, target: data.target, inputLength: setting.inputLength, horizon: HORIZON, frequencyMs: data.frequencyMs, scaler: data.scaler },
    model.forecast,
    model.interval ? { interval: model.interval } : {},
  );
  const betaCoverage: Record<string, number[]> = {};
  for (const beta of args.betas ? args.betas.split(',').map(Number) : []) {
    const calibration = await calibrateConformal(model.forecast, { train: data.splits.train, validation: data.splits.validation, manifest: model.manifest }, 0.8, beta);
    const scored = await evaluateForecaster(
      { context: [data.splits.train, data.splits.validation], heldOut: data.splits.test, target: data.target, inputLength: setting.inputLength, horizon: HORIZON, frequencyMs: data.frequencyMs, scaler: data.scaler },
      model.forecast,
      { interval: { width: 0.8, bounds: conformalInterval(calibration, model.manifest) } },
    );
    betaCoverage[String(beta)] = scored.interval!.perStep.map((step) => step.coverage);
    console.log(`  β ${beta}: coverage by step ${betaCoverage[String(beta)]!.map((c) => (c * 100).toFixed(0)).join(' ')}`);
  }
  model.dispose();
  return {
    betaCoverage,
    site,
    setting: setting.name,
    seed: hyper.seed,
    cell: hyper.cell,
    inputLength: setting.inputLength,
    hiddenSize: hyper.hiddenSize,
    numLayers: hyper.numLayers,
    parameters: summary.parameterCount,
    epochsRun: summary.epochsRun,
    bestEpoch: summary.bestEpoch,
    stopReason: String(model.facts['stop_reason']),
    trainSeconds,
    secondsPerEpoch: model.facts['seconds_per_epoch'] as number,
    rmse: report.model.scaled.rmse,
    mae: report.model.scaled.mae,
    rmseOriginal: report.model.original.rmse,
    persistenceRmse: report.baselines.persistence.scaled.rmse,
    seasonalRmse: report.baselines.seasonalNaive?.scaled.rmse ?? null,
    skill: report.skill.vsPersistence,
    skillSeasonal: report.skill.vsSeasonalNaive,
    skillStep1: stepSkill(report, 1),
    skillStep6: stepSkill(report, HORIZON),
    targets: report.task.targets,
    linearRmse: report.baselines.linear?.scaled.rmse ?? null,
    skillLinear: report.skill.vsLinear,
    perStep: report.model.perStep.map((step, i) => ({
      step: step.step,
      rmse: step.scaled.rmse,
      persistence: report.baselines.persistence.perStep[i]!.scaled.rmse,
      linear: report.baselines.linear?.perStep[i]!.scaled.rmse ?? null,
      coverage: report.interval?.perStep[i]!.coverage ?? null,
    })),
    coverage: report.interval?.coverage ?? null,
  };
}

/** Skill against persistence at one horizon step. */
function stepSkill(report: EvaluationReport, step: number): number {
  return 1 - report.model.perStep[step - 1]!.scaled.rmse / report.baselines.persistence.perStep[step - 1]!.scaled.rmse;
}

/** The split of `site` as the preprocess component makes it with its default parameters. */
async function preprocessSite(site: string): Promise<PreprocessResult> {
  const parameters = preprocessSpec.inputs.parameters as Record<string, { default?: unknown }>;
  const p = (name: string): never => parameters[name]!.default as never;
  const train = await readTableFile(sharedPath(`data/flts/${site}.csv`)!);
  const test = await readTableFile(sharedPath(`data/flts/${site}_test.csv`)!);
  const options: PreprocessOptions = {
    trainFile: `${site}.csv`,
    testFile: `${site}_test.csv`,
    timeColumn: p('time_column'),
    targetColumn: p('target_column'),
    featureColumns: [],
    frequency: p('frequency'),
    imputation: p('imputation'),
    outlierMethod: p('outlier_method'),
    outlierFactor: p('outlier_factor'),
    timeFeatures: p('time_features'),
    lags: p('lags'),
    lagStep: p('lag_step'),
    scaler: p('scaler'),
    validationFraction: args['validation-fraction'] ? Number(args['validation-fraction']) : p('validation_fraction'),
    testFraction: p('test_fraction'),
    sampleTrainRows: 0,
    sampleTestRows: 0,
    sampleStrategy: p('sample_strategy'),
    hashSalt: '',
    maxGapSteps: p('max_gap_steps'),
  };
  return preprocessTables({ train: { table: train.table, source: `${site}.csv` }, test: { table: test.table, source: `${site}_test.csv` } }, options);
}

/** The train-gru parameter defaults (the single source of truth) as library hyperparameters. */
function componentDefaults(): { inputLength: number; hyper: RecurrentHyperparameters } {
  return { inputLength: taskParameters.input_length.default, hyper: hyperparametersFrom('gru', parameterDefaults(RECURRENT_PARAMETERS)) };
}

function markdown(rows: Row[], backendName: string): string {
  const header =
    '| site | setting | seed | params | epochs (best) | s/epoch | train s | RMSE | MAE | RMSE (bits) | persistence RMSE | seasonal RMSE | skill vs persistence | skill step 1 / 6 | skill vs seasonal |\n' +
    '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n';
  const body = rows
    .map((r) =>
      [
        r.site,
        r.setting,
        r.seed,
        r.parameters,
        `${r.epochsRun} (${r.bestEpoch})`,
        r.secondsPerEpoch.toFixed(1),
        r.trainSeconds.toFixed(0),
        r.rmse.toFixed(4),
        r.mae.toFixed(4),
        r.rmseOriginal.toExponential(3),
        r.persistenceRmse.toFixed(4),
        r.seasonalRmse?.toFixed(4) ?? '–',
        r.skill.toFixed(3),
        `${r.skillStep1.toFixed(3)} / ${r.skillStep6.toFixed(3)}`,
        r.skillSeasonal?.toFixed(3) ?? '–',
      ].join(' | '),
    )
    .map((line) => `| ${line} |`)
    .join('\n');
  return (
    `# GRU/LSTM settings: held-out accuracy against training time\n\n` +
    `Generated by \`npx tsx bench/rnn-defaults.ts ${process.argv.slice(2).join(' ')}\` on ${new Date().toISOString().slice(0, 10)}, backend ${backendName}. ` +
    `Horizon ${HORIZON}; RMSE/MAE in scaled (min-max) units on every (origin, step) target of the held-out split (shared/series/evaluation.ts); ` +
    `skill = 1 − RMSE / RMSE_baseline. Hyperparameters not named in the setting are the train-gru defaults.\n\n` +
    header +
    body +
    '\n\n## Per horizon step: RMSE (scaled) of the model / linear baseline / persistence, and the 80 % interval\'s coverage\n\n' +
    stepTable(rows) +
    '\n'
  );
}

function stepTable(rows: Row[]): string {
  const steps = rows[0]?.perStep.map((s) => s.step) ?? [];
  const head = `| site | setting | seed | ${steps.map((h) => `h${h}`).join(' | ')} | beats linear at every step | coverage by step (%) |\n|---|---|---:|${steps.map(() => '---').join('|')}|---|---|\n`;
  return (
    head +
    rows
      .map((r) => {
        const cells = r.perStep.map((s) => `${s.rmse.toFixed(4)} / ${s.linear?.toFixed(4) ?? '–'} / ${s.persistence.toFixed(4)}`);
        const beats = r.perStep.every((s) => s.linear !== null && s.rmse < s.linear);
        const coverage = r.perStep.map((s) => (s.coverage === null ? '–' : (s.coverage * 100).toFixed(0))).join(' ');
        return `| ${r.site} | ${r.setting} | ${r.seed} | ${cells.join(' | ')} | ${beats ? 'yes' : 'no'} | ${coverage} |`;
      })
      .join('\n')
  );
}
