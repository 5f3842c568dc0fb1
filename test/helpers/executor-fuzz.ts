/**
 * A seeded fuzz of the ExecutorInput: a valid input per component (built from real data and real models), then one
 * to three random mutations (parameters of the wrong type or beyond their bounds, unknown parameters, input
 * artifacts missing or malformed or pointing at the wrong thing, their metadata lying, outputs aliasing inputs,
 * a relative or missing outputFile), run through the same entry function as the bundles (`runComponent`), in this
 * process or as a real process. Each case must end in one of two ways: exit 0 with every output present and listed
 * in the ExecutorOutput, or one stderr line, exit 1 or 2, nothing written, and no MLflow run left RUNNING.
 * Used by test/kfp/fuzz.test.ts (CI-sized) and bench/fuzz.ts (≥ 10 000 cases per component, on demand).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { runEval } from '../../components/eval/evaluate.js';
import { runInference } from '../../components/inference/inference.js';
import { runPreprocess } from '../../components/preprocess/preprocess.js';
import { componentSpecs } from '../../components/specs.js';
import { runTrainer } from '../../components/trainer/run.js';
import { localExecutorInput } from '../../shared/kfp/local-input.js';
import { runComponent, type ComponentBody } from '../../shared/kfp/run.js';
import type { ComponentSpec } from '../../shared/kfp/spec.js';
import { createRandom } from '../../shared/models/recurrent/random.js';
import { MODEL_ADAPTERS } from '../../shared/models/registry.js';
import { repoRoot } from './python.js';
import { sampleData } from './sample-data.js';
import { trainedModels } from './trained-models.js';

export type ComponentName = (typeof componentSpecs)[number]['name'];

/** A mutable ExecutorInput document. */
type Doc = {
  inputs: { parameterValues: Record<string, unknown>; artifacts: Record<string, unknown> };
  outputs: { artifacts: Record<string, { artifacts: { uri: string }[] }>; parameters: Record<string, unknown>; outputFile?: unknown };
};

export interface CaseResult {
  component: string;
  seed: number;
  mutations: string[];
  code: number;
  /** Empty when the case ended as it must; else what was wrong. */
  violations: string[];
}

const pick = <T>(rng: () => number, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

/** Values that are wrong for most parameters: other types, negatives, fractions, beyond every documented bound. */
const ODD_VALUES: unknown[] = [-1, -0.5, 1.5, 1e308, 2 ** 53, 0, 'abc', '', '1e9', 'Infinity', null, true, false, [], {}, ['x'], { a: 1 }, '-3', ' 7 '];

/** Fixtures shared by every case: the data, the models, the tracking store. */
export interface Fixtures {
  csv: string;
  mlruns: string;
  base: Record<ComponentName, { parameters: Record<string, unknown>; artifacts: Record<string, { uri: string; metadata?: Record<string, unknown> }> }>;
}

let fixtures: Promise<Fixtures> | undefined;

export function fuzzFixtures(): Promise<Fixtures> {
  fixtures ??= (async () => {
    const sample = await sampleData();
    const trained = await trainedModels();
    // Bare bucket names (eval's promotion records, inference logs) go to a scratch directory, not the working one.
    process.env['FLTS_LOCAL_STORE'] ??= await mkdtemp(join(tmpdir(), 'flts-fuzz-store-'));
    const task = { input_length: 12, horizon: 3, mlflow_tracking_uri: trained.mlruns };
    const rnn = { ...task, epochs: 1, hidden_size: 4, batch_size: 256 };
    return {
      csv: sample.train,
      mlruns: trained.mlruns,
      base: {
        preprocess: { parameters: { data_uri: sample.train, sample_train_rows: 600 }, artifacts: {} },
        'train-gru': { parameters: rnn, artifacts: trained.splits },
        'train-lstm': { parameters: rnn, artifacts: trained.splits },
        'train-prophet': { parameters: { ...task, uncertainty_samples: 10 }, artifacts: trained.splits },
        eval: { parameters: { mlflow_tracking_uri: trained.mlruns }, artifacts: { gru_model: trained.models.gru, prophet_model: trained.models.prophet } },
        inference: { parameters: { mlflow_tracking_uri: trained.mlruns, inference_length: 5 }, artifacts: { selected_model: trained.models.prophet, inference_data: trained.splits.inference_data } },
      },
    };
  })();
  return fixtures;
}

const BODIES: Record<ComponentName, ComponentBody<ComponentSpec>> = {
  preprocess: runPreprocess as never,
  'train-gru': ((executor) => runTrainer(MODEL_ADAPTERS.gru as never, executor as never)) as ComponentBody<ComponentSpec>,
  'train-lstm': ((executor) => runTrainer(MODEL_ADAPTERS.lstm as never, executor as never)) as ComponentBody<ComponentSpec>,
  'train-prophet': ((executor) => runTrainer(MODEL_ADAPTERS.prophet as never, executor as never)) as ComponentBody<ComponentSpec>,
  eval: runEval as never,
  inference: runInference as never,
};

export function specOf(name: ComponentName): ComponentSpec {
  return componentSpecs.find((spec) => spec.name === name)!;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The mutations, each changing `doc` and saying what it did (an earlier one may have broken a whole section). */
function mutate(doc: Doc, spec: ComponentSpec, rng: () => number, fx: Fixtures): string {
  if (!isObject(doc.inputs.parameterValues) || !isObject(doc.inputs.artifacts) || !isObject(doc.outputs.artifacts)) return 'nothing more (a section is already broken)';
  const parameters = Object.keys(spec.inputs.parameters);
  const inputs = Object.keys(spec.inputs.artifacts);
  const outputs = Object.keys(doc.outputs.artifacts);
  const kind = Math.floor(rng() * 10);
  switch (kind) {
    case 0:
    case 1:
    case 2: {
      const name = pick(rng, parameters);
      const value = pick(rng, ODD_VALUES);
      doc.inputs.parameterValues[name] = value;
      return `parameter ${name} = ${JSON.stringify(value)}`;
    }
    case 3:
      doc.inputs.parameterValues[`no_such_${Math.floor(rng() * 100)}`] = 1;
      return 'an unknown parameter';
    case 4: {
      if (inputs.length === 0) return mutate(doc, spec, rng, fx);
      const name = pick(rng, inputs);
      const shape = pick(rng, ['absent', 'scalar', '[]', '{}', 'no uri', 'missing path', 'the csv', 'a directory'] as const);
      const entry = (uri: string) => ({ artifacts: [{ name, uri, metadata: (doc.inputs.artifacts[name] as { artifacts?: { metadata?: unknown }[] } | undefined)?.artifacts?.[0]?.metadata ?? {} }] });
      if (shape === 'absent') delete doc.inputs.artifacts[name];
      else if (shape === 'scalar') doc.inputs.artifacts[name] = 5;
      else if (shape === '[]') doc.inputs.artifacts[name] = [];
      else if (shape === '{}') doc.inputs.artifacts[name] = {};
      else if (shape === 'no uri') doc.inputs.artifacts[name] = { artifacts: [{ name }] };
      else if (shape === 'missing path') doc.inputs.artifacts[name] = entry('/nonexistent/fuzz');
      else if (shape === 'the csv') doc.inputs.artifacts[name] = entry(fx.csv);
      else doc.inputs.artifacts[name] = entry(tmpdir());
      return `input artifact ${name}: ${shape}`;
    }
    case 5: {
      const names = Object.keys(doc.inputs.artifacts);
      if (names.length === 0) return mutate(doc, spec, rng, fx);
      const name = pick(rng, names);
      const list = (doc.inputs.artifacts[name] as { artifacts?: { metadata?: Record<string, unknown> }[] })?.artifacts;
      const metadata = list?.[0]?.metadata;
      if (!metadata) return mutate(doc, spec, rng, fx);
      const keys = Object.keys(metadata);
      const key = keys.length > 0 && rng() < 0.8 ? pick(rng, keys) : 'model_type';
      const value = pick(rng, [...ODD_VALUES, 'lstm', 'prophet', -1e-9, 'runs:/0123456789abcdef/model']);
      metadata[key] = value;
      return `metadata ${name}.${key} = ${JSON.stringify(value)}`;
    }
    case 6: {
      const name = pick(rng, outputs);
      const target = pick(rng, ['an input', 'another output', 'the outputFile', 'nothing'] as const);
      const firstInput = Object.values(doc.inputs.artifacts)[0] as { artifacts?: { uri?: string }[] } | undefined;
      if (target === 'nothing') delete doc.outputs.artifacts[name];
      else if (target === 'an input') doc.outputs.artifacts[name]!.artifacts[0]!.uri = firstInput?.artifacts?.[0]?.uri ?? fx.csv;
      else if (target === 'another output') doc.outputs.artifacts[name]!.artifacts[0]!.uri = doc.outputs.artifacts[pick(rng, outputs)]!.artifacts[0]!.uri;
      else doc.outputs.artifacts[name]!.artifacts[0]!.uri = String(doc.outputs.outputFile);
      return `output ${name} at ${target}`;
    }
    case 7: {
      const shape = pick(rng, ['relative', 'absent', 'a directory', 'a number'] as const);
      if (shape === 'relative') doc.outputs.outputFile = 'executor_output.json';
      else if (shape === 'absent') delete doc.outputs.outputFile;
      else if (shape === 'a directory') doc.outputs.outputFile = tmpdir();
      else doc.outputs.outputFile = 7;
      return `outputFile ${shape}`;
    }
    case 8: {
      const name = pick(rng, parameters);
      delete doc.inputs.parameterValues[name];
      return `parameter ${name} left to its default`;
    }
    default: {
      const section = pick(rng, ['inputs.parameterValues', 'inputs.artifacts', 'outputs.parameters'] as const);
      const value = pick(rng, [null, 3, 'x', []]);
      if (section === 'inputs.parameterValues') (doc.inputs as Record<string, unknown>)['parameterValues'] = value;
      else if (section === 'inputs.artifacts') (doc.inputs as Record<string, unknown>)['artifacts'] = value;
      else (doc.outputs as Record<string, unknown>)['parameters'] = value;
      return `${section} = ${JSON.stringify(value)}`;
    }
  }
}

/** The input of case `seed` of `component`, under `taskRoot`: the valid base with 1 to 3 mutations. */
export async function fuzzCase(component: ComponentName, seed: number, taskRoot: string): Promise<{ input: Doc; mutations: string[] }> {
  const fx = await fuzzFixtures();
  const spec = specOf(component);
  const base = fx.base[component];
  const input = JSON.parse(JSON.stringify(localExecutorInput(spec, taskRoot, base.parameters as never, base.artifacts as never))) as Doc;
  // Seeded, so that a failing case can be replayed from its seed.
  const rng = createRandom(seed);
  const count = 1 + Math.floor(rng() * 3);
  const mutations = Array.from({ length: count }, () => mutate(input, spec, rng, fx));
  return { input, mutations };
}

/** Runs case `seed` in this process (`runComponent`) or as a real process, and checks how it ended. */
export async function runFuzzCase(component: ComponentName, seed: number, mode: 'in-process' | 'process'): Promise<CaseResult> {
  const fx = await fuzzFixtures();
  const root = await mkdtemp(join(tmpdir(), 'flts-fuzz-'));
  const taskRoot = join(root, 'task');
  try {
    const { input, mutations } = await fuzzCase(component, seed, taskRoot);
    const text = JSON.stringify(input);
    const before = runningRuns(fx.mlruns);
    const { code, stderr } = mode === 'in-process' ? await inProcess(component, text, root) : await asProcess(component, text, root);
    const violations = await check(specOf(component), input, taskRoot, code, stderr);
    const leftRunning = runningRuns(fx.mlruns).filter((run) => !before.includes(run));
    if (leftRunning.length > 0) violations.push(`MLflow run(s) left RUNNING: ${leftRunning.join(', ')}`);
    return { component, seed, mutations, code, violations };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function inProcess(component: ComponentName, text: string, cwd: string): Promise<{ code: number; stderr: string }> {
  const lines: string[] = [];
  // Relative paths a mutation puts in (a tracking URI "abc") land in the case's scratch directory, as in a process.
  const previousCwd = process.cwd();
  process.chdir(cwd);
  const write = process.stderr.write.bind(process.stderr);
  const quiet = process.env['FLTS_QUIET'];
  process.env['FLTS_QUIET'] = '1';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await runComponent(specOf(component), BODIES[component], ['--executor-input', text]);
    return { code, stderr: lines.join('') };
  } finally {
    process.chdir(previousCwd);
    process.stderr.write = write;
    if (quiet === undefined) delete process.env['FLTS_QUIET'];
    else process.env['FLTS_QUIET'] = quiet;
  }
}

function asProcess(component: ComponentName, text: string, cwd: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'dist', `${component}.js`), '--executor-input', text],
      { cwd, env: { ...process.env, FLTS_QUIET: '1' }, maxBuffer: 16 * 1024 * 1024 },
      (error, _stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr }),
    );
  });
}

async function check(spec: ComponentSpec, input: Doc, taskRoot: string, code: number, stderr: string): Promise<string[]> {
  const violations: string[] = [];
  const failures = stderr.split('\n').filter((line) => line.trim() !== '' && !line.includes(' WARNING '));
  if (code === 0) {
    const outputFile = typeof input.outputs.outputFile === 'string' ? input.outputs.outputFile : '';
    if (!existsSync(outputFile)) return [`exit 0 without an ExecutorOutput at ${outputFile}`];
    const output = JSON.parse(readFileSync(outputFile, 'utf8')) as { artifacts?: Record<string, { artifacts: { uri: string }[] }>; parameterValues?: Record<string, unknown> };
    for (const name of Object.keys(spec.outputs.artifacts)) {
      const uri = output.artifacts?.[name]?.artifacts[0]?.uri;
      if (!uri) violations.push(`exit 0, but output artifact ${name} is not in the ExecutorOutput`);
      else if (!existsSync(uri)) violations.push(`exit 0, but output artifact ${name} is not at ${uri}`);
    }
    for (const name of Object.keys(spec.outputs.parameters)) {
      if (output.parameterValues?.[name] === undefined) violations.push(`exit 0, but output parameter ${name} is not in the ExecutorOutput`);
    }
    if (failures.length > 0) violations.push(`exit 0 with error lines: ${failures[0]}`);
    return violations;
  }
  if (code !== 1 && code !== 2) violations.push(`exit ${code}, expected 1 or 2`);
  if (failures.length !== 1) violations.push(`${failures.length} stderr lines, expected 1: ${failures.slice(0, 3).join(' | ')}`);
  else if (!failures[0]!.startsWith(`flts ${spec.name}: `)) violations.push(`the stderr line does not name the component: ${failures[0]}`);
  const left = existsSync(taskRoot) ? (await readdir(taskRoot, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()) : [];
  if (left.length > 0) violations.push(`left behind: ${left.map((entry) => relative(taskRoot, join(entry.parentPath, entry.name))).join(', ')}`);
  return violations;
}

/** The runs of an offline store whose meta.yaml says RUNNING (status 1). */
function runningRuns(mlruns: string): string[] {
  const found: string[] = [];
  if (!existsSync(mlruns)) return found;
  for (const experiment of readdirSync(mlruns)) {
    const dir = join(mlruns, experiment);
    if (!/^\d+$/.test(experiment)) continue;
    for (const run of readdirSync(dir)) {
      const meta = join(dir, run, 'meta.yaml');
      if (existsSync(meta) && /^status: 1$/m.test(readFileSync(meta, 'utf8'))) found.push(run);
    }
  }
  return found;
}

/** Writes a case's input to a file, to replay it by hand: `node dist/<component>.js --executor-input "$(cat file)"`. */
export async function saveCase(component: ComponentName, seed: number, path: string): Promise<void> {
  const { input } = await fuzzCase(component, seed, join(tmpdir(), `flts-fuzz-replay-${seed}`, 'task'));
  await writeFile(path, JSON.stringify(input, null, 2));
}
