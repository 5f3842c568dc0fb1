/**
 * `npm start`: the whole FLTS pipeline on this machine — preprocess, GRU ∥ LSTM ∥ Prophet, eval, inference —
 * from the compiled KFP pipeline, with embedded defaults: the built-in sample data, outputs under
 * ./local_outputs, tracking in ./mlruns (or MLFLOW_TRACKING_URI), storage on the local disk.
 *
 *   npm start -- [--data <path|uri> [--test-data <path|uri>]] [--out <dir>] [--param name=value …]
 *
 * Every mistake on the command line — an unknown option, an unknown pipeline parameter, a value not of the
 * parameter's type in the compiled IR — is reported in a few lines, before any task runs, with exit code 2.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { FltsError, InvalidParameterError, StorageError, messageOf } from '../shared/errors.js';
import type { JsonValue } from '../shared/kfp/spec.js';
import { parseLocation, requireObjectEndpoint, s3ConfigFromEnv, type S3Config } from '../shared/store/index.js';
import { isHttpUri, redactUri, trackingUriFrom } from '../shared/tracking/config.js';
import {
  describePipelineParameters,
  loadPipelineIr,
  parseParameterAssignments,
  pipelineParameters,
  resolvePipelineParameters,
  runPipelineIr,
  type PipelineIr,
  type TaskResult,
} from './local-runner.js';
import { writeSampleData } from './sample-data.js';

export const USAGE = 'npm start -- [--data <path|uri> [--test-data <path|uri>]] [--out <dir>] [--param name=value ...]';

/** The compiled pipeline that `npm start` runs. */
export const PIPELINE_IR = fileURLToPath(new URL('./flts_pipeline.yaml', import.meta.url));

/** A command-line mistake: reported as one line plus the usage, exit code 2. */
export class UsageError extends FltsError {
  override name = 'UsageError';
  override readonly exitCode = 2;
}

export interface CommandLine {
  data: string | undefined;
  testData: string | undefined;
  out: string;
  params: string[];
  help: boolean;
}

/** Parses the arguments after `npm start --`; throws UsageError for unknown options and missing values. */
export function parseCommandLine(argv: readonly string[], parameterNames: readonly string[] = []): CommandLine {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        data: { type: 'string' },
        'test-data': { type: 'string' },
        out: { type: 'string', default: 'local_outputs' },
        param: { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(parseArgsMessage(error, parameterNames), { cause: error });
  }
  if (values.help) return { data: undefined, testData: undefined, out: values.out!, params: values.param!, help: true };
  const data = nonEmpty(values.data, '--data');
  const testData = nonEmpty(values['test-data'], '--test-data');
  if (testData !== undefined && data === undefined) {
    throw new UsageError('--test-data needs --data: without --data the run uses the built-in sample data, which has its own test period.');
  }
  return { data, testData, out: nonEmpty(values.out, '--out') ?? 'local_outputs', params: values.param!, help: false };
}

function nonEmpty(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '') throw new UsageError(`${flag} needs a non-empty value.`);
  return value;
}

/** One line for a parseArgs failure, in place of Node's ERR_PARSE_ARGS_* message and stack. */
function parseArgsMessage(error: unknown, parameterNames: readonly string[]): string {
  const code = (error as { code?: string }).code;
  const message = messageOf(error);
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const option = /'([^']+)'/.exec(message)?.[1] ?? message;
    const name = option.replace(/^-+/, '').replace(/-/g, '_');
    const hint = parameterNames.includes(name)
      ? ` ("${name}" is a pipeline parameter: use --param ${name}=<value>)`
      : ' (pipeline parameters are set with --param name=value)';
    return `unknown option ${option}${hint}.`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const argument = /'([^']*)'/.exec(message)?.[1] ?? '';
    return `unexpected argument ${JSON.stringify(argument)}: every value follows its option (--data <path>, --param name=value).`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = /'(--[a-z-]+)/.exec(message)?.[1];
    return option ? `${option} needs a value.` : message.split('\n')[0]!;
  }
  return message.split('\n')[0]!;
}

/** The text of `--help`: usage, options and the pipeline parameters with their types and defaults. */
export function helpText(ir: PipelineIr): string {
  return [
    `Usage: ${USAGE}`,
    '',
    'Runs the compiled FLTS pipeline (pipelines/flts_pipeline.yaml) on this machine.',
    '',
    'Options:',
    '  --data <path|uri>       training data (CSV/Parquet: a path, file://, s3:// or minio:// URI); default: built-in sample data',
    '  --test-data <path|uri>  held-out data for --data (only with --data)',
    '  --out <dir>             where each run writes its outputs, as <dir>/flts-<timestamp>/ (default: local_outputs)',
    '  --param name=value      set a pipeline parameter (repeatable); the value is read as the parameter\'s type',
    '  -h, --help              this text',
    '',
    'Pipeline parameters:',
    describePipelineParameters(ir),
    '',
    'MLflow tracking: --param mlflow_tracking_uri=…, else MLFLOW_TRACKING_URI, else ./mlruns (offline store).',
  ].join('\n');
}

/**
 * Where the MLflow runs of a run with `trackingUri` (the `mlflow_tracking_uri` parameter) go, and how to look
 * at them: the server's URL, or the offline directory and the `mlflow ui` command that reads it.
 */
export function trackingHint(trackingUri: string, env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string {
  const uri = trackingUriFrom(trackingUri, env);
  if (isHttpUri(uri)) {
    const url = withoutCredentials(uri).replace(/\/+$/, '');
    return `MLflow runs: on the MLflow server ${url} — open ${url} in a browser to see them.`;
  }
  let dir: string;
  if (uri === '') dir = resolve(cwd, 'mlruns');
  else if (uri.startsWith('file:')) dir = fileURLToPath(uri);
  else dir = resolve(cwd, uri);
  const venvMlflow = resolve(cwd, '.venv/bin/mlflow');
  const mlflow = existsSync(venvMlflow) ? shellQuote(venvMlflow) : 'mlflow';
  const lines = [
    `MLflow runs: ${dir} (offline store${uri === '' ? '; set MLFLOW_TRACKING_URI or --param mlflow_tracking_uri=… to log elsewhere' : ''}).`,
    `View them with: MLFLOW_ALLOW_FILE_STORE=true ${mlflow} ui --backend-store-uri ${shellQuote(dir)}`,
    '  (MLflow 3 reads a file store only with MLFLOW_ALLOW_FILE_STORE=true set' +
      (mlflow === 'mlflow' ? '; no mlflow here? `pip install mlflow`, or tools/python-env.sh builds .venv/bin/mlflow)' : ')'),
  ];
  return lines.join('\n');
}

/** An http(s) URI with its user-info dropped, for printing and opening in a browser. */
function withoutCredentials(uri: string): string {
  try {
    const url = new URL(uri);
    url.username = '';
    url.password = '';
    return url.href;
  } catch {
    return redactUri(uri);
  }
}

function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Runs `npm start` with `argv`; returns the exit code (0 done, 1 failed at run time, 2 a command-line mistake). */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let ir: PipelineIr;
  let command: CommandLine;
  let given: Record<string, JsonValue>;
  try {
    ir = await loadPipelineIr(PIPELINE_IR);
    command = parseCommandLine(argv, Object.keys(pipelineParameters(ir)));
    if (command.help) {
      console.log(helpText(ir));
      return 0;
    }
    given = parseParameterAssignments(ir, command.params);
    for (const [flag, name, value] of [['--data', 'data_uri', command.data], ['--test-data', 'test_data_uri', command.testData]] as const) {
      if (value !== undefined && given[name] !== undefined) throw new UsageError(`${flag} and --param ${name}=… both set the same parameter; give one.`);
    }
    const data = command.data ?? given['data_uri'];
    if (data !== undefined) {
      // Like --data, --param data_uri alone means no held-out file (not the compiled minio:// default).
      given['data_uri'] = data;
      given['test_data_uri'] = command.testData ?? given['test_data_uri'] ?? '';
    } else if (given['test_data_uri'] !== undefined) {
      throw new UsageError('--param test_data_uri needs --data (or --param data_uri): the built-in sample data has its own test period.');
    }
    // Names, types and the components' ranges, with placeholders for the sample data written below.
    const sample = given['data_uri'] === undefined;
    const resolved = resolvePipelineParameters(ir, sample ? { ...given, data_uri: 'sample.csv', test_data_uri: 'sample_test.csv' } : given);
    checkDataLocations([resolved['data_uri'], resolved['test_data_uri']], env);
  } catch (error) {
    return reportUsage(error, () => ir);
  }

  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  const runRoot = resolve(command.out, `flts-${stamp}`);
  const started = performance.now();
  try {
    if (given['data_uri'] === undefined) {
      const train = join(runRoot, 'sample', 'sample.csv');
      const test = join(runRoot, 'sample', 'sample_test.csv');
      await writeSampleData(train, test);
      given['data_uri'] = train;
      given['test_data_uri'] = test;
      console.log(`Using the built-in sample data (8 days of synthetic 2-minute traffic): ${train}`);
    }
    const results = await runPipelineIr(ir, {
      parameters: given,
      runRoot,
      onTask: (task) => console.log(`\n✔ ${task.task} finished in ${task.seconds.toFixed(1)} s → ${task.taskRoot}\n`),
    });
    console.log(`\nPipeline finished in ${((performance.now() - started) / 1000).toFixed(1)} s. Outputs: ${runRoot}`);
    await printSummary(results);
    const trackingUri = typeof given['mlflow_tracking_uri'] === 'string' ? given['mlflow_tracking_uri'] : '';
    console.log(`\n${trackingHint(trackingUri, env)}`);
    return 0;
  } catch (error) {
    if (error instanceof InvalidParameterError) return reportUsage(error, () => ir);
    console.error(`\nflts local run failed: ${messageOf(error)}`);
    return 1;
  }
}

/**
 * Refuses, before any task, data URIs the store would refuse anyway: a malformed URI, or `minio://` with no
 * endpoint configured (the preprocess task would fail with the same StorageError).
 */
function checkDataLocations(uris: readonly (JsonValue | undefined)[], env: NodeJS.ProcessEnv): void {
  let config: S3Config | undefined;
  for (const uri of uris) {
    if (typeof uri !== 'string' || uri === '') continue;
    const location = parseLocation(uri);
    if (location.kind !== 'object') continue;
    config ??= s3ConfigFromEnv(env);
    requireObjectEndpoint(location.scheme, location.uri, config);
  }
}

/** Prints a command-line mistake without a stack: the problem(s), then the usage or the parameter list. */
function reportUsage(error: unknown, irOf: () => PipelineIr | undefined): number {
  if (error instanceof InvalidParameterError) {
    for (const issue of error.issues) console.error(`npm start: ${issue.message}`);
    const ir = irOf();
    if (ir) console.error(`Pipeline parameters (--param name=value):\n${describePipelineParameters(ir)}`);
    return 2;
  }
  if (error instanceof UsageError) {
    console.error(`npm start: ${error.message}\nUsage: ${USAGE}  (--help for the options and pipeline parameters)`);
    return 2;
  }
  console.error(`npm start: ${messageOf(error)}`);
  // Storage settings that cannot work (a bad URI, minio:// without an endpoint) are a setup mistake as well.
  if (error instanceof StorageError) return 2;
  return error instanceof FltsError ? error.exitCode : 1;
}

async function printSummary(results: Record<string, TaskResult>): Promise<void> {
  const promotion = results['eval']?.artifacts['promotion_metadata'];
  if (promotion) {
    try {
      const record = JSON.parse(await readFile(promotion.uri, 'utf8')) as { model_type?: string; candidates?: { model_type: string; score: number }[] };
      if (record.candidates) {
        console.log('\nCandidates (composite score, lower is better):');
        for (const candidate of record.candidates) console.log(`  ${candidate.model_type.padEnd(8)} ${candidate.score.toPrecision(5)}`);
      }
      if (record.model_type) console.log(`Selected: ${record.model_type}`);
    } catch {
      // A promotion record we cannot read is reported by its path below.
    }
  }
  for (const [task, result] of Object.entries(results)) {
    for (const [name, artifact] of Object.entries(result.artifacts)) {
      if (name === 'report') console.log(`  report of ${task}: ${artifact.uri}`);
    }
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
