/**
 * The entrypoint harness and the built bundles on bad input: each case gives one clear stderr line naming
 * the problem, a non-zero exit code, and no ExecutorOutput or half-written artifact.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { componentSpecs } from '../../components/specs.js';
import { localExecutorInput } from '../../shared/kfp/local-input.js';
import { runComponent } from '../../shared/kfp/run.js';
import { defineComponent } from '../../shared/kfp/spec.js';
import { tempDir } from '../helpers/component.js';
import { canMountTmpfs } from '../helpers/full-disk.js';
import { repoRoot } from '../helpers/python.js';

const spec = defineComponent({
  name: 'demo',
  description: 'A component with a required parameter, an input and an output.',
  inputs: {
    artifacts: { data: { type: 'system.Dataset', description: 'in' } },
    parameters: {
      rows: { type: 'NUMBER_INTEGER', description: 'How many rows.' },
      label: { type: 'STRING', description: 'A label.', default: 'x' },
    },
  },
  outputs: { artifacts: { result: { type: 'system.Dataset', description: 'out' } }, parameters: { count: { type: 'NUMBER_INTEGER', description: 'n' } } },
});

/** Runs the demo component in-process, capturing stderr. */
async function run(argv: string[], body?: Parameters<typeof runComponent<typeof spec>>[1]) {
  const lines: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    const code = await runComponent(
      spec,
      body ??
        (async (executor) => {
          await writeFile(executor.outputArtifact('result').path, 'ok');
          executor.setOutput('count', executor.parameters.rows);
        }),
      argv,
    );
    return { code, stderr: lines.join('') };
  } finally {
    process.stderr.write = write;
  }
}

async function workspace(parameterValues: Record<string, unknown>, options: { withData?: boolean; dataPath?: string } = {}) {
  const dir = await tempDir();
  const data = options.dataPath ?? join(dir, 'data.csv');
  if (options.withData !== false && !options.dataPath) await writeFile(data, 'a\n1\n');
  const input = {
    inputs: { parameterValues, artifacts: options.withData === false ? {} : { data: { artifacts: [{ name: 'data', uri: data, metadata: {} }] } } },
    outputs: {
      artifacts: { result: { artifacts: [{ name: 'result', uri: join(dir, 'task', 'result'), metadata: {} }] } },
      parameters: { count: { outputFile: join(dir, 'task', 'count') } },
      outputFile: join(dir, 'task', 'executor_output.json'),
    },
  };
  return { dir, argv: ['--executor-input', JSON.stringify(input)] };
}

/**
 * The files under `dir` (relative paths, sorted): the input file and nothing else means no ExecutorOutput, no
 * output artifact and no staged file. Empty directories do not count; the KFP launcher creates them itself.
 */
async function leftovers(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => relative(dir, join(entry.parentPath, entry.name))).sort();
}

/** Asserts the exit code and that the run wrote nothing: `dir` holds only what the test put there. */
async function failedCleanly(result: { code: number; stderr: string }, expectedCode: number, dir: string, before: string[] = ['data.csv']) {
  assert.equal(result.code, expectedCode, result.stderr);
  assert.deepEqual(await leftovers(dir), before, 'no ExecutorOutput, no output artifact, no staged file');
}

describe('runComponent', () => {
  it('exits 0 and writes the ExecutorOutput on success', async () => {
    const { dir, argv } = await workspace({ rows: 3 });
    const { code } = await run(argv);
    assert.equal(code, 0);
    assert.deepEqual(await leftovers(dir), ['data.csv', 'task/executor_output.json', 'task/result']);
  });

  describe('on bad input', () => {
    it('missing --executor-input: exit 2 and how to pass it', async () => {
      const { code, stderr } = await run([]);
      assert.equal(code, 2);
      assert.match(stderr, /^flts demo: ExecutorInputError: Missing --executor-input: pass the ExecutorInput JSON as/);
      assert.equal(stderr.trim().split('\n').length, 1);
    });

    it('malformed JSON: exit 2 and the raw text', async () => {
      const { code, stderr } = await run(['--executor-input', '{"inputs":']);
      assert.equal(code, 2);
      assert.match(stderr, /^flts demo: ExecutorInputError: The ExecutorInput is not valid JSON .*; received: \{"inputs":\n$/);
    });

    it('a required parameter missing: exit 2 naming it', async () => {
      const { dir, argv } = await workspace({});
      const result = await run(argv);
      assert.equal(result.stderr, 'flts demo: InvalidParameterError: Parameter "rows" is required (an integer): How many rows.\n');
      await failedCleanly(result, 2, dir);
    });

    it('"abc" for an integer: exit 2', async () => {
      const { dir, argv } = await workspace({ rows: 'abc' });
      const result = await run(argv);
      assert.equal(result.stderr, 'flts demo: InvalidParameterError: Parameter "rows" must be an integer; got the string "abc".\n');
      await failedCleanly(result, 2, dir);
    });

    it('1.5 for an integer: exit 2', async () => {
      const { dir, argv } = await workspace({ rows: 1.5 });
      const result = await run(argv);
      assert.equal(result.stderr, 'flts demo: InvalidParameterError: Parameter "rows" must be an integer; got number 1.5.\n');
      await failedCleanly(result, 2, dir);
    });

    it('an unknown parameter: exit 2 listing the accepted ones', async () => {
      const { dir, argv } = await workspace({ rows: 1, colour: 'red' });
      const result = await run(argv);
      assert.equal(result.stderr, 'flts demo: InvalidParameterError: Unknown parameter "colour"; demo accepts: label, rows.\n');
      await failedCleanly(result, 2, dir);
    });

    it('an input artifact missing: exit 2 naming it (bad input)', async () => {
      const { dir, argv } = await workspace({ rows: 1 }, { withData: false });
      const result = await run(argv);
      assert.equal(result.stderr, 'flts demo: InvalidArtifactError: Required input artifact "data" (system.Dataset) was not provided.\n');
      await failedCleanly(result, 2, dir, []);
    });

    it("an input artifact's file absent: exit 2 naming the path (bad input)", async () => {
      const { dir, argv } = await workspace({ rows: 1 }, { dataPath: '/nonexistent/data.csv' });
      const result = await run(argv);
      assert.equal(
        result.stderr,
        'flts demo: InvalidArtifactError: Input artifact "data" (/nonexistent/data.csv) has no file at its local path /nonexistent/data.csv.\n',
      );
      await failedCleanly(result, 2, dir, []);
    });

    it('an unwritable output path: exit 1 before any work, naming the output', async () => {
      const { dir, argv } = await workspace({ rows: 1 });
      // A file where the task directory should be: not writable even for root.
      await writeFile(join(dir, 'task'), 'not a directory');
      let ran = false;
      const result = await run(argv, async () => {
        ran = true;
      });
      assert.equal(ran, false);
      assert.match(result.stderr, new RegExp(`^flts demo: ArtifactError: Cannot write output artifact "result" under ${dir}/task: EEXIST[^\n]*\n$`));
      await failedCleanly(result, 1, dir, ['data.csv', 'task']);
      assert.equal(await readFile(join(dir, 'task'), 'utf8'), 'not a directory', 'the file in the way is left alone');
    });

    it('an output at the path of an input: exit 2 before any work, the input untouched', async () => {
      const { dir, argv } = await workspace({ rows: 1 });
      const input = JSON.parse(argv[1]!);
      input.outputs.artifacts.result.artifacts[0].uri = join(dir, 'data.csv');
      const result = await run(['--executor-input', JSON.stringify(input)]);
      assert.match(oneLine(result.stderr), /ExecutorInputError: output artifact "result" \(.*data\.csv\) and input artifact "data" .* are the same path/);
      await failedCleanly(result, 2, dir);
      assert.equal(await readFile(join(dir, 'data.csv'), 'utf8'), 'a\n1\n');
    });

    it('an output at the path of a local file named by a parameter: exit 2, the file untouched', async () => {
      const { dir, argv } = await workspace({ rows: 1, label: '' });
      const input = JSON.parse(argv[1]!);
      const other = join(dir, 'other.csv');
      await writeFile(other, 'keep');
      input.inputs.parameterValues.label = other;
      input.outputs.artifacts.result.artifacts[0].uri = other;
      const result = await run(['--executor-input', JSON.stringify(input)]);
      assert.match(oneLine(result.stderr), /ExecutorInputError: output artifact "result" .* and the file of parameter "label"/);
      await failedCleanly(result, 2, dir, ['data.csv', 'other.csv']);
      assert.equal(await readFile(other, 'utf8'), 'keep');
    });

    it('the ExecutorOutput at the path of an output: exit 2, nothing written', async () => {
      const { dir, argv } = await workspace({ rows: 1 });
      const input = JSON.parse(argv[1]!);
      input.outputs.outputFile = input.outputs.artifacts.result.artifacts[0].uri;
      const result = await run(['--executor-input', JSON.stringify(input)]);
      assert.match(oneLine(result.stderr), /ExecutorInputError: outputs\.outputFile .* and output artifact "result"/);
      await failedCleanly(result, 2, dir);
    });

    it('a relative outputFile: exit 2, nothing written in the working directory', async () => {
      const { dir, argv } = await workspace({ rows: 1 });
      const input = JSON.parse(argv[1]!);
      input.outputs.outputFile = 'executor_output.json';
      const result = await run(['--executor-input', JSON.stringify(input)]);
      assert.equal(oneLine(result.stderr), 'flts demo: ExecutorInputError: outputs.outputFile must be an absolute path; got "executor_output.json" (KFP always sends one).');
      await failedCleanly(result, 2, dir);
      assert.equal(existsSync(join(process.cwd(), 'executor_output.json')), false);
    });

    it('an outputFile that is a directory: exit 2, nothing written', async () => {
      const { dir, argv } = await workspace({ rows: 1 });
      const input = JSON.parse(argv[1]!);
      input.outputs.outputFile = dir;
      const result = await run(['--executor-input', JSON.stringify(input)]);
      assert.match(oneLine(result.stderr), /ExecutorInputError: outputs\.outputFile .* is a directory/);
      await failedCleanly(result, 2, dir);
    });

    it('a failure inside the component: exit 1, no ExecutorOutput, no staged output left', async () => {
      const { dir, argv } = await workspace({ rows: 1 });
      const result = await run(argv, async (executor) => {
        await writeFile(executor.outputArtifact('result').path, 'half');
        throw new Error('the model diverged');
      });
      assert.equal(result.stderr, 'flts demo: Error: the model diverged\n');
      await failedCleanly(result, 1, dir);
    });
  });
});

/** Runs `node dist/<name>.js …args` in `cwd`, as a KFP container would run it; never throws on a non-zero exit. */
function runBuilt(name: string, args: string[], cwd: string): Promise<{ code: number; stderr: string }> {
  const bundle = join(repoRoot, 'dist', `${name}.js`);
  assert.ok(existsSync(bundle), `${bundle} is missing: run \`npm run build\``);
  return new Promise((resolve) => {
    execFile(process.execPath, [bundle, ...args], { cwd, env: { ...process.env, FLTS_QUIET: '1' } }, (error, _stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr });
    });
  });
}

/** The stderr of a failed run: exactly one line, returned without its newline. */
function oneLine(stderr: string): string {
  const lines = stderr.split('\n');
  assert.deepEqual(lines.slice(1), [''], `exactly one stderr line, got:\n${JSON.stringify(stderr)}`);
  return lines[0]!;
}

describe('the built bundles on bad input', () => {
  for (const spec of componentSpecs) {
    describe(`dist/${spec.name}.js`, () => {
      it('without --executor-input: exit 2, one line saying how to pass it, nothing written', async () => {
        const cwd = await tempDir();
        const result = await runBuilt(spec.name, [], cwd);
        assert.equal(result.code, 2, result.stderr);
        assert.match(oneLine(result.stderr), new RegExp(`^flts ${spec.name}: ExecutorInputError: Missing --executor-input: pass the ExecutorInput JSON as "--executor-input <json>"`));
        assert.deepEqual(await readdir(cwd), []);
      });

      it('with malformed JSON: exit 2, one line quoting it, no ExecutorOutput at the outputFile it names', async () => {
        const cwd = await tempDir();
        const outputFile = join(cwd, 'task', 'executor_output.json');
        const text = `{"outputs":{"outputFile":${JSON.stringify(outputFile)}},"inputs":`;
        const result = await runBuilt(spec.name, ['--executor-input', text], cwd);
        assert.equal(result.code, 2, result.stderr);
        assert.equal(oneLine(result.stderr).replace(/ \(.*?\); received: /, ' (…); received: '), `flts ${spec.name}: ExecutorInputError: The ExecutorInput is not valid JSON (…); received: ${text}`);
        assert.deepEqual(await readdir(cwd), []);
      });

      it('with an unknown parameter: exit 2, one line naming it and the accepted ones, no ExecutorOutput or output artifact', async () => {
        const cwd = await tempDir();
        const taskRoot = join(cwd, 'task');
        const input = localExecutorInput(spec, taskRoot, { no_such_parameter: 1 });
        const result = await runBuilt(spec.name, ['--executor-input', JSON.stringify(input)], cwd);
        assert.equal(result.code, 2, result.stderr);
        const accepted = Object.keys(spec.inputs.parameters).sort().join(', ');
        assert.equal(oneLine(result.stderr), `flts ${spec.name}: InvalidParameterError: Unknown parameter "no_such_parameter"; ${spec.name} accepts: ${accepted}.`);
        assert.deepEqual(await readdir(cwd), [], `nothing under ${taskRoot}`);
      });
    });
  }
});


describe('a full disk at the commit boundary', { skip: canMountTmpfs() ? false : 'unshare -rm with a tmpfs mount is not permitted here' }, () => {
  for (const claimCheck of [false, true]) {
    it(`ENOSPC on the ExecutorOutput, with every output staged${claimCheck ? ' and the data checked in to a bucket' : ''}: exit 1, one line, nothing left`, async () => {
      const dir = await tempDir();
      const bucket = join(dir, 'bucket');
      const taskRoot = join(dir, 'task');
      const full = join(dir, 'full');
      await mkdir(full);
      const preprocess = componentSpecs.find((spec) => spec.name === 'preprocess')!;
      const { sampleData } = await import('../helpers/sample-data.js');
      const sample = await sampleData();
      const input = localExecutorInput(preprocess, taskRoot, {
        data_uri: sample.train,
        sample_train_rows: 500,
        ...(claimCheck && { data_location: 'claim-check', claim_check_bucket: bucket }),
      });
      // The ExecutorOutput goes to a tmpfs filled to the last block: creating the file works, writing it fails.
      (input.outputs as { outputFile: string }).outputFile = join(full, 'executor_output.json');
      const script = [
        'mount -t tmpfs -o size=16k tmpfs "$1" || exit 99',
        'dd if=/dev/zero of="$1/filler" bs=1k count=64 2>/dev/null',
        '"$2" "$3" --executor-input "$4"; code=$?',
        'echo "left in tmpfs: $(ls -A "$1" | tr "\\n" " ")"',
        'exit $code',
      ].join('; ');
      const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile(
          'unshare',
          ['-rm', 'sh', '-c', script, 'sh', full, process.execPath, join(repoRoot, 'dist', 'preprocess.js'), JSON.stringify(input)],
          { cwd: dir, env: { ...process.env, FLTS_QUIET: '1' } },
          (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
        );
      });
      assert.equal(result.code, 1, JSON.stringify(result.stderr));
      // Warnings about the data are a channel of their own; the failure is one line.
      const failure = result.stderr.split('\n').filter((line) => line !== '' && !line.includes(' WARNING '));
      assert.equal(failure.length, 1, result.stderr);
      assert.match(failure[0]!, /^flts preprocess: ArtifactError: Cannot commit the outputs of preprocess: ENOSPC.*none was left in place\.$/);
      assert.match(result.stdout, /left in tmpfs: filler $/m, 'no ExecutorOutput, not even a temporary one');
      assert.deepEqual(await leftovers(taskRoot), [], 'no output artifact, staged or final');
      if (claimCheck) assert.deepEqual(existsSync(bucket) ? await leftovers(bucket) : [], [], 'the objects this run checked in are removed again');
    });
  }
});
