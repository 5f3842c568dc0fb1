/**
 * `npm start` (pipelines/run-local.ts) on bad command lines: every mistake is reported in a few lines with exit
 * code 2 before any task runs (nothing is written under --out); plus the parameter checks of the local runner
 * and the closing hint on where the MLflow runs went. No pipeline is run here.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { InvalidParameterError } from '../../shared/errors.js';
import {
  loadPipelineIr,
  parseParameterAssignments,
  resolvePipelineParameters,
  runPipelineIr,
  type PipelineIr,
} from '../../pipelines/local-runner.js';
import { PIPELINE_IR, parseCommandLine, trackingHint, UsageError } from '../../pipelines/run-local.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PARAMETERS = ['claim_check_bucket', 'credentials_secret', 'data_uri', 'epochs', 'horizon', 'identifier', 'input_length', 'log_bucket', 'mlflow_tracking_uri', 'promotion_bucket', 'target_column', 'test_data_uri'];

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `node --import tsx pipelines/run-local.ts …args`, with no object storage or tracking server configured. */
function runLocal(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extraEnv };
  for (const name of ['MINIO_ENDPOINT', 'AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL', 'MLFLOW_S3_ENDPOINT_URL', 'MLFLOW_TRACKING_URI']) {
    if (!(name in extraEnv)) delete env[name];
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'pipelines/run-local.ts', ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('npm start: command-line mistakes fail up front with exit code 2', () => {
  let dir: string;
  let out: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flts-run-local-'));
    out = join(dir, 'out');
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  /** Exit code 2, no stack trace, no task started, nothing written under --out. */
  function assertRefusedUpFront(result: CliResult): void {
    assert.equal(result.code, 2, `stdout: ${result.stdout}\nstderr: ${result.stderr}`);
    assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
    assert.doesNotMatch(result.stderr, /ERR_PARSE_ARGS|node:internal/);
    assert.doesNotMatch(result.stdout, /built-in sample data|finished in/);
    assert.equal(existsSync(out), false, '--out stays untouched');
  }

  it('rejects a name that is not a pipeline parameter, listing the valid ones', async () => {
    const result = await runLocal(['--out', out, '--param', 'hidden_size=128']);
    assertRefusedUpFront(result);
    assert.match(result.stderr, /Unknown pipeline parameter "hidden_size"/);
    assert.match(result.stderr, /input of train-gru, train-lstm that the compiled pipeline does not expose/);
    for (const name of PARAMETERS) assert.ok(result.stderr.includes(name), `lists ${name}`);
    assert.match(result.stderr, /epochs \(NUMBER_INTEGER, default 30\)/);
  });

  it('rejects a value that is not of the parameter type in the compiled IR', async () => {
    const result = await runLocal(['--out', out, '--param', 'epochs=abc']);
    assertRefusedUpFront(result);
    assert.match(result.stderr, /Parameter "epochs" must be an integer; got "abc"/);
  });

  it('reports every bad --param at once', async () => {
    const result = await runLocal(['--out', out, '--param', 'horizon=2.5', '--param', 'nonsense', '--param', 'bogus=1']);
    assertRefusedUpFront(result);
    assert.match(result.stderr, /Parameter "horizon" must be an integer; got "2.5"/);
    assert.match(result.stderr, /--param expects name=value; got "nonsense"/);
    assert.match(result.stderr, /Unknown pipeline parameter "bogus"/);
  });

  it('rejects a value a component would refuse, before the first task', async () => {
    const result = await runLocal(['--out', out, '--param', 'epochs=0']);
    assertRefusedUpFront(result);
    assert.match(result.stderr, /Parameter "epochs" is refused by task train-gru: its input "epochs" must be >= 1 and <= 100000; got 0/);
  });

  it('answers an unknown option with one line and the usage, not a stack trace', async () => {
    const result = await runLocal(['--out', out, '--epochs', '5']);
    assertRefusedUpFront(result);
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 2, result.stderr);
    assert.equal(lines[0], 'npm start: unknown option --epochs ("epochs" is a pipeline parameter: use --param epochs=<value>).');
    assert.match(lines[1]!, /^Usage: npm start -- .*--out <dir>.*--param name=value/);
  });

  it('refuses --test-data without --data', async () => {
    const result = await runLocal(['--out', out, '--test-data', 'ElBorn_test.csv']);
    assertRefusedUpFront(result);
    assert.match(result.stderr, /^npm start: --test-data needs --data/);
  });

  it('refuses --data together with --param data_uri', async () => {
    const result = await runLocal(['--out', out, '--data', 'a.csv', '--param', 'data_uri=b.csv']);
    assertRefusedUpFront(result);
    assert.match(result.stderr, /^npm start: --data and --param data_uri=… both set the same parameter/);
  });

  it('refuses a minio:// data URI when no endpoint is configured, without trying AWS', async () => {
    const result = await runLocal(['--out', out, '--data', 'minio://dataset/ElBorn.csv']);
    assertRefusedUpFront(result);
    assert.match(result.stderr, /minio:\/\/dataset\/ElBorn\.csv is on a MinIO server, but no endpoint is configured: set MINIO_ENDPOINT/);
    assert.doesNotMatch(result.stderr, /amazonaws/);
  });

  it('documents --out and the pipeline parameters in --help', async () => {
    const result = await runLocal(['--help']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /--out <dir>\s+where each run writes its outputs/);
    for (const name of PARAMETERS) assert.ok(result.stdout.includes(`  ${name} (`), `documents ${name}`);
  });

  it('lists the multi-site pipeline\'s parameters with --sites --help', async () => {
    const result = await runLocal(['--sites', '2', '--help']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^ {2}sites \(LIST, default \[/m);
    assert.doesNotMatch(result.stdout, /^ {2}data_uri \(/m);
  });
});

describe('parseCommandLine', () => {
  it('reads the options', () => {
    assert.deepEqual(parseCommandLine(['--data', 'a.csv', '--test-data', 'b.csv', '--out', 'o', '--cpus', '3', '--no-cache', '--param', 'epochs=2', '--param=horizon=3']), {
      data: 'a.csv',
      testData: 'b.csv',
      sites: undefined,
      out: 'o',
      cpus: 3,
      noCache: true,
      params: ['epochs=2', 'horizon=3'],
      help: false,
    });
    assert.deepEqual(parseCommandLine(['--sites', '3']).sites, 3);
    assert.equal(parseCommandLine([]).out, 'local_outputs');
  });

  for (const [args, message] of [
    [['--bogus'], /^unknown option --bogus \(pipeline parameters are set with --param name=value\)\.$/],
    [['--data'], /^--data needs a value\.$/],
    [['extra'], /^unexpected argument "extra"/],
    [['--test-data', 't.csv'], /^--test-data needs --data/],
    [['--data', ''], /^--data needs a non-empty value\.$/],
    [['--sites', '2', '--data', 'a.csv'], /^--sites and --data both name the data/],
    [['--cpus', '0'], /^--cpus must be a positive whole number of CPUs; got "0"\.$/],
  ] as const) {
    it(`refuses ${args.join(' ') || '""'}`, () => {
      assert.throws(() => parseCommandLine(args, PARAMETERS), (error: unknown) => {
        assert.ok(error instanceof UsageError);
        assert.equal(error.exitCode, 2);
        assert.match(error.message, message);
        return true;
      });
    });
  }
});

describe('pipeline parameters against the compiled IR', () => {
  let ir: PipelineIr;
  before(async () => {
    ir = await loadPipelineIr(PIPELINE_IR);
  });

  /** A one-task IR with a parameter of every scalar and JSON type. */
  const typed: PipelineIr = {
    root: {
      dag: { tasks: {} },
      inputDefinitions: {
        parameters: {
          count: { parameterType: 'NUMBER_INTEGER', defaultValue: 1 },
          rate: { parameterType: 'NUMBER_DOUBLE', defaultValue: 0.5 },
          name: { parameterType: 'STRING', defaultValue: 'x' },
          flag: { parameterType: 'BOOLEAN', defaultValue: false },
          items: { parameterType: 'LIST', defaultValue: [] },
          options: { parameterType: 'STRUCT', defaultValue: {} },
        },
      },
    },
  };

  it('parses each value as its declared type', () => {
    assert.deepEqual(
      parseParameterAssignments(typed, ['count=12', 'rate=1e-3', 'name=42', 'flag=true', 'items=[1,"a"]', 'options={"k":2}']),
      { count: 12, rate: 0.001, name: '42', flag: true, items: [1, 'a'], options: { k: 2 } },
    );
    assert.deepEqual(parseParameterAssignments(typed, ['name=', 'count=7.0', 'flag=FALSE']), { name: '', count: 7, flag: false });
  });

  it('lists every value that is not of its type', () => {
    const bad = ['count=abc', 'count=', 'rate=NaN', 'rate=Infinity', 'count=1.5', 'flag=yes', 'items={}', 'options=[1]', 'options={'];
    assert.throws(() => parseParameterAssignments(typed, bad), (error: unknown) => {
      assert.ok(error instanceof InvalidParameterError);
      assert.equal(error.exitCode, 2);
      assert.equal(error.issues.length, bad.length, error.message);
      assert.match(error.issues[0]!.message, /^Parameter "count" must be an integer; got "abc"\.$/);
      assert.match(error.issues[5]!.message, /^Parameter "flag" must be true or false; got "yes"\.$/);
      return true;
    });
  });

  it('refuses a name given twice', () => {
    assert.throws(() => parseParameterAssignments(ir, ['epochs=2', 'epochs=3']), /Parameter "epochs" is given twice/);
  });

  it('fills the compiled defaults', () => {
    const values = resolvePipelineParameters(ir, { epochs: 2 });
    assert.equal(values['epochs'], 2);
    assert.equal(values['horizon'], 6);
    assert.equal(values['target_column'], 'down');
  });

  it('refuses unknown names and mistyped values from programmatic callers too', () => {
    assert.throws(() => resolvePipelineParameters(ir, { hidden_size: 128 }), (error: unknown) => {
      assert.ok(error instanceof InvalidParameterError);
      assert.match(error.message, /Unknown pipeline parameter "hidden_size".*The pipeline parameters are: claim_check_bucket, credentials_secret, data_uri, epochs, horizon/);
      return true;
    });
    assert.throws(() => resolvePipelineParameters(ir, { epochs: '5' }), /Parameter "epochs" must be an integer; got /);
    assert.throws(() => resolvePipelineParameters(ir, { horizon: 0 }), /Parameter "horizon" is refused by task /);
  });

  it('runPipelineIr fails before the first task', async () => {
    const root = await mkdtemp(join(tmpdir(), 'flts-run-ir-'));
    try {
      let tasks = 0;
      await assert.rejects(
        runPipelineIr(ir, { parameters: { data_uri: 'x.csv', epochs: 'abc' }, runRoot: join(root, 'run'), onTask: () => (tasks += 1) }),
        InvalidParameterError,
      );
      assert.equal(tasks, 0);
      assert.equal(existsSync(join(root, 'run')), false);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('trackingHint: where the MLflow runs went and how to see them', () => {
  let cwd: string;
  before(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'flts-hint-'));
  });
  after(async () => rm(cwd, { recursive: true, force: true }));

  it('names ./mlruns by default, with the mlflow ui command and the file-store note', () => {
    const hint = trackingHint('', {}, cwd);
    assert.ok(hint.includes(`MLflow runs: ${join(cwd, 'mlruns')} (offline store`), hint);
    assert.ok(hint.includes(`MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri ${join(cwd, 'mlruns')}`), hint);
    assert.match(hint, /pip install mlflow/);
    assert.doesNotMatch(hint, /\.venv\/bin\/mlflow ui/, 'no .venv is assumed');
  });

  it('uses .venv/bin/mlflow when there is one', async () => {
    await mkdir(join(cwd, '.venv', 'bin'), { recursive: true });
    await writeFile(join(cwd, '.venv', 'bin', 'mlflow'), '');
    try {
      assert.ok(trackingHint('', {}, cwd).includes(`MLFLOW_ALLOW_FILE_STORE=true ${join(cwd, '.venv', 'bin', 'mlflow')} ui`));
    } finally {
      await rm(join(cwd, '.venv'), { recursive: true, force: true });
    }
  });

  it('follows MLFLOW_TRACKING_URI and the mlflow_tracking_uri parameter (which wins)', () => {
    assert.ok(trackingHint('', { MLFLOW_TRACKING_URI: 'file:///srv/runs' }, cwd).includes('--backend-store-uri /srv/runs'));
    assert.ok(trackingHint('tracking/ml', { MLFLOW_TRACKING_URI: '/elsewhere' }, cwd).includes(`--backend-store-uri ${join(cwd, 'tracking/ml')}`));
    assert.ok(trackingHint('', { MLFLOW_TRACKING_URI: '/with space/runs' }, cwd).includes(`--backend-store-uri '/with space/runs'`));
  });

  it('gives the server URL for an http(s) tracking URI, without credentials', () => {
    const hint = trackingHint('', { MLFLOW_TRACKING_URI: 'http://user:secret@mlflow.local:5000/' }, cwd);
    assert.equal(hint, 'MLflow runs: on the MLflow server http://mlflow.local:5000 — open http://mlflow.local:5000 in a browser to see them.');
  });
});

describe('npm start -- --sites 1: the multi-site pipeline from the command line', () => {
  let out: string;
  let firstRun: CliResult;
  before(async () => {
    out = await mkdtemp(join(tmpdir(), 'flts-start-sites-'));
    firstRun = await runLocal(['--sites', '1', '--out', out, '--param', 'epochs=1']);
  });
  after(() => rm(out, { recursive: true, force: true }));

  it('runs the chain on a synthetic site and prints each task, the sites\' champions and the summary', () => {
    assert.equal(firstRun.code, 0, firstRun.stderr);
    for (const task of ['sites[0]/preprocess', 'sites[0]/train-gru', 'sites[0]/eval', 'sites[0]/inference', 'site-summary']) {
      assert.match(firstRun.stdout, new RegExp(`▶ ${task.replace(/[[\]/]/g, '\\$&')} `));
      assert.match(firstRun.stdout, new RegExp(`✔ ${task.replace(/[[\]/]/g, '\\$&')} `));
    }
    assert.match(firstRun.stdout, /^ {2}site-1 +(gru|lstm|prophet) /m);
    assert.match(firstRun.stdout, /summary: .*site-summary\/report \(HTML\)/);
  });

  it('keeps the offline MLflow store and the object store under --out', () => {
    assert.ok(existsSync(join(out, 'mlruns')));
    assert.ok(existsSync(join(out, 'object-store', 'model-promotion', 'site-1', 'current.json')));
    assert.match(firstRun.stdout, new RegExp(`MLflow runs: ${join(out, 'mlruns')} `));
  });

  it('serves the same command again from the cache', async () => {
    const again = await runLocal(['--sites', '1', '--out', out, '--param', 'epochs=1']);
    assert.equal(again.code, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /▶ /);
    assert.equal(again.stdout.match(/↺ /g)?.length, 7);
  });
});
