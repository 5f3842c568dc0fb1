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
import { availableParallelism } from 'node:os';
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
import type { SiteLine } from '../components/site-summary/summary.js';
import { progressView } from './progress.js';
import { writeSampleData } from './sample-data.js';

export const USAGE =
  'npm start -- [--data <path|uri> [--test-data <path|uri>] | --sites <N|data[+test],…>] [--out <dir>] [--cpus <n>] [--no-cache] [--param name=value ...]';

/** The compiled pipeline that `npm start` runs. */
export const PIPELINE_IR = fileURLToPath(new URL('./flts_pipeline.yaml', import.meta.url));
/** The compiled multi-site pipeline that `npm start -- --sites …` runs. */
export const MULTISITE_IR = fileURLToPath(new URL('./flts_multisite.yaml', import.meta.url));

/** A command-line mistake: reported as one line plus the usage, exit code 2. */
export class UsageError extends FltsError {
  override name = 'UsageError';
  override readonly exitCode = 2;
}

export interface CommandLine {
  data: string | undefined;
  testData: string | undefined;
  /** `--sites`: a count of synthetic sites, or the sites' data; undefined: the single-site pipeline. */
  sites: number | SiteData[] | undefined;
  out: string;
  cpus: number | undefined;
  noCache: boolean;
  params: string[];
  help: boolean;
}

/** One site of `--sites`: its data, held-out data ('' for none) and identifier (the file's name without extension). */
export interface SiteData {
  data_uri: string;
  test_data_uri: string;
  identifier: string;
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
        sites: { type: 'string' },
        out: { type: 'string', default: 'local_outputs' },
        cpus: { type: 'string' },
        'no-cache': { type: 'boolean', default: false },
        param: { type: 'string', multiple: true, default: [] },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(parseArgsMessage(error, parameterNames), { cause: error });
  }
  const common = { out: values.out!, params: values.param!, noCache: values['no-cache']!, cpus: undefined, sites: undefined };
  // With --help, --sites only picks the pipeline whose parameters are listed.
  if (values.help) return { ...common, data: undefined, testData: undefined, sites: values.sites === undefined ? undefined : [], help: true };
  const data = nonEmpty(values.data, '--data');
  const testData = nonEmpty(values['test-data'], '--test-data');
  if (testData !== undefined && data === undefined) {
    throw new UsageError('--test-data needs --data: without --data the run uses the built-in sample data, which has its own test period.');
  }
  const sitesText = nonEmpty(values.sites, '--sites');
  if (sitesText !== undefined && data !== undefined) throw new UsageError('--sites and --data both name the data; give --sites <data>,<data>,… for several sites, --data for one.');
  const cpusText = nonEmpty(values.cpus, '--cpus');
  const cpus = cpusText === undefined ? undefined : Number(cpusText);
  if (cpus !== undefined && !(Number.isSafeInteger(cpus) && cpus >= 1)) throw new UsageError(`--cpus must be a positive whole number of CPUs; got ${JSON.stringify(cpusText)}.`);
  return { ...common, data, testData, sites: sitesText === undefined ? undefined : parseSites(sitesText), cpus, out: nonEmpty(values.out, '--out') ?? 'local_outputs', help: false };
}

/**
 * `--sites`: a number N (the built-in data as N synthetic sites), or a comma-separated list of `data[+test]`
 * (path or URI); a local `<name>.csv` without `+test` gets `<name>_test.csv` beside it when that exists, as
 * upstream's pairs (ElBorn.csv, ElBorn_test.csv). Each site's identifier is its data file's name without extension.
 */
export function parseSites(text: string, exists: (path: string) => boolean = existsSync): number | SiteData[] {
  if (/^\d+$/.test(text.trim())) {
    const count = Number(text.trim());
    if (count < 1 || count > 1000) throw new UsageError(`--sites N needs 1 to 1000 synthetic sites; got ${count}.`);
    return count;
  }
  const sites = text.split(',').map((entry, i) => {
    const [data = '', test, extra] = entry.trim().split('+');
    if (data === '' || test === '' || extra !== undefined) throw new UsageError(`--sites entry ${i + 1} ${JSON.stringify(entry)} is not data[+test] (paths or URIs, "+" between them).`);
    const sibling = data.replace(/(\.[a-z]+)$/i, '_test$1');
    const testData = test ?? (!data.includes('://') && sibling !== data && exists(sibling) ? sibling : '');
    const identifier = (data.split('/').pop() ?? data).replace(/\.[a-z]+$/i, '');
    return { data_uri: data, test_data_uri: testData, identifier };
  });
  const seen = new Set<string>();
  for (const site of sites) {
    if (seen.has(site.identifier)) throw new UsageError(`--sites names two sites "${site.identifier}"; each site's data file needs its own name (it is the site's identifier).`);
    seen.add(site.identifier);
  }
  return sites;
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
    'Runs the compiled FLTS pipeline (pipelines/flts_pipeline.yaml) on this machine; with --sites, the',
    'multi-site pipeline (pipelines/flts_multisite.yaml): the whole chain per site, then a cross-site summary.',
    '',
    'Options:',
    '  --data <path|uri>       training data (CSV/Parquet: a path, file://, s3:// or minio:// URI); default: built-in sample data',
    '  --test-data <path|uri>  held-out data for --data (only with --data)',
    '  --sites <N|list>        several sites: N (the built-in data as N synthetic sites) or data[+test],data[+test],…',
    '                          (a.csv alone takes a_test.csv beside it as its held-out data when it exists)',
    '  --out <dir>             where each run writes its outputs, as <dir>/flts-<timestamp>/ (default: local_outputs);',
    '                          also the offline MLflow store <dir>/mlruns and object store <dir>/object-store unless',
    '                          MLFLOW_TRACKING_URI / FLTS_LOCAL_STORE are set, and the task cache <dir>/.cache',
    '  --cpus <n>              CPUs the tasks may use at once (default: all this process may use); the GRU/LSTM',
    '                          trainers take up to half of them each, as threads (unless FLTS_RNN_THREADS is set)',
    '  --no-cache              run every task, even those whose outputs an earlier identical task left in the cache',
    '  --param name=value      set a pipeline parameter (repeatable); the value is read as the parameter\'s type',
    '  -h, --help              this text',
    '',
    'Pipeline parameters:',
    describePipelineParameters(ir),
    '',
    'MLflow tracking: --param mlflow_tracking_uri=…, else MLFLOW_TRACKING_URI, else <out>/mlruns (offline store).',
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
  let ir: PipelineIr | undefined;
  let command: CommandLine;
  let given: Record<string, JsonValue>;
  try {
    const single = await loadPipelineIr(PIPELINE_IR);
    ir = single;
    const multi = await loadPipelineIr(MULTISITE_IR);
    command = parseCommandLine(argv, [...new Set([...Object.keys(pipelineParameters(single)), ...Object.keys(pipelineParameters(multi))])]);
    if (command.sites !== undefined) ir = multi;
    if (command.help) {
      console.log(helpText(ir));
      return 0;
    }
    given = parseParameterAssignments(ir, command.params);
    if (command.sites !== undefined) {
      if (given['sites'] !== undefined) throw new UsageError('--sites and --param sites=… both set the sites; give one.');
      // Placeholders for the synthetic sites' files, written below, so that everything is checked first.
      const sites = typeof command.sites === 'number' ? syntheticSites(join(command.out, 'sample'), command.sites) : command.sites;
      resolvePipelineParameters(ir, { ...given, sites: sites as unknown as JsonValue });
      checkDataLocations(sites.flatMap((site) => [site.data_uri, site.test_data_uri]), env);
      given['sites'] = sites as unknown as JsonValue;
    } else {
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
    }
  } catch (error) {
    return reportUsage(error, () => ir);
  }

  const out = resolve(command.out);
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  const runRoot = join(out, `flts-${stamp}`);
  // Offline stores under --out, not in whatever directory npm start ran from, unless the environment names others.
  const taskEnv: NodeJS.ProcessEnv = {
    MLFLOW_TRACKING_URI: env['MLFLOW_TRACKING_URI'] || join(out, 'mlruns'),
    FLTS_LOCAL_STORE: env['FLTS_LOCAL_STORE'] || join(out, 'object-store'),
  };
  const started = performance.now();
  try {
    if (typeof command.sites === 'number') {
      const sites = syntheticSites(join(out, 'sample'), command.sites);
      // Written in place each run with the same bytes, so that an unchanged run finds its tasks in the cache.
      for (const [i, site] of sites.entries()) await writeSampleData(site.data_uri, site.test_data_uri, 8, i);
      given['sites'] = sites as unknown as JsonValue;
      console.log(`Using the built-in data as ${sites.length} synthetic site${sites.length === 1 ? '' : 's'} (8 days of 2-minute traffic each): ${join(out, 'sample')}`);
    } else if (command.sites === undefined && given['data_uri'] === undefined) {
      const train = join(out, 'sample', 'sample.csv');
      const test = join(out, 'sample', 'sample_test.csv');
      await writeSampleData(train, test);
      given['data_uri'] = train;
      given['test_data_uri'] = test;
      console.log(`Using the built-in sample data (8 days of synthetic 2-minute traffic): ${train}`);
    }
    const cpus = command.cpus ?? availableParallelism();
    console.log(`Running ${command.sites === undefined ? 'pipelines/flts_pipeline.yaml' : 'pipelines/flts_multisite.yaml'} on ${cpus} CPU${cpus === 1 ? '' : 's'}${command.noCache ? ', cache off' : ''}; each task's output goes to its task.log under ${runRoot}\n`);
    const view = progressView();
    const results = await runPipelineIr(ir!, {
      parameters: given,
      runRoot,
      env: taskEnv,
      cpus,
      cacheDir: join(out, '.cache'),
      noCache: command.noCache,
      onEvent: (event) => view.onEvent(event),
    });
    console.log(`\nPipeline finished in ${((performance.now() - started) / 1000).toFixed(1)} s. Outputs: ${runRoot}\n${view.summary()}`);
    await printSummary(results);
    const trackingUri = typeof given['mlflow_tracking_uri'] === 'string' ? given['mlflow_tracking_uri'] : '';
    console.log(`\n${trackingHint(trackingUri, { ...env, ...taskEnv })}`);
    return 0;
  } catch (error) {
    if (error instanceof InvalidParameterError) return reportUsage(error, () => ir);
    console.error(`\nflts local run failed: ${messageOf(error)}`);
    return 1;
  }
}

/** The files of `count` synthetic sites under `dir`: site-1.csv and site-1_test.csv, … */
export function syntheticSites(dir: string, count: number): SiteData[] {
  return Array.from({ length: count }, (_, i) => ({
    data_uri: resolve(dir, `site-${i + 1}.csv`),
    test_data_uri: resolve(dir, `site-${i + 1}_test.csv`),
    identifier: `site-${i + 1}`,
  }));
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
  const summary = Object.values(results).find((result) => result.component === 'site-summary');
  if (summary) {
    try {
      const { sites } = JSON.parse(await readFile(summary.artifacts['summary']!.uri, 'utf8')) as { sites: SiteLine[] };
      console.log('\nSites (champion, composite score, skill vs persistence, backtest RMSE):');
      for (const site of sites) {
        const skill = site.skill_vs_persistence === null ? '—' : site.skill_vs_persistence.toFixed(3);
        console.log(`  ${site.identifier.padEnd(16)} ${site.champion.padEnd(8)} ${site.score.toPrecision(5).padStart(10)} ${skill.padStart(8)} ${site.backtest_rmse?.toPrecision(5) ?? '—'}`);
      }
    } catch {
      // The summary's path is printed below all the same.
    }
    console.log(`  summary: ${summary.artifacts['report']!.uri} (HTML), ${summary.artifacts['summary']!.uri} (JSON); each task's report is in its folder`);
    return;
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
