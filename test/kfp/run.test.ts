/**
 * The entrypoint harness and the built bundles on bad input: each case gives one clear stderr line naming
 * the problem, a non-zero exit code, and no ExecutorOutput or half-written artifact.
 */
import assert from 'node:assert/strict';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runComponent } from '../../shared/kfp/run.js';
import { defineComponent } from '../../shared/kfp/spec.js';
import { tempDir } from '../helpers/component.js';

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

async function leftovers(dir: string): Promise<string[]> {
  return readdir(join(dir, 'task')).catch(() => []);
}

describe('runComponent', () => {
  it('exits 0 and writes the ExecutorOutput on success', async () => {
    const { dir, argv } = await workspace({ rows: 3 });
    const { code } = await run(argv);
    assert.equal(code, 0);
    assert.deepEqual((await leftovers(dir)).sort(), ['executor_output.json', 'result']);
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
      assert.match(stderr, /ExecutorInputError: The ExecutorInput is not valid JSON .*; received: \{"inputs":$/m);
    });

    it('a required parameter missing: exit 2 naming it', async () => {
      const { dir, argv } = await workspace({});
      const { code, stderr } = await run(argv);
      assert.equal(code, 2);
      assert.equal(stderr, 'flts demo: InvalidParameterError: Parameter "rows" is required (an integer): How many rows.\n');
      assert.deepEqual(await leftovers(dir), []);
    });

    it('"abc" for an integer: exit 2', async () => {
      const { argv } = await workspace({ rows: 'abc' });
      const { code, stderr } = await run(argv);
      assert.equal(code, 2);
      assert.equal(stderr, 'flts demo: InvalidParameterError: Parameter "rows" must be an integer; got the string "abc".\n');
    });

    it('1.5 for an integer: exit 2', async () => {
      const { argv } = await workspace({ rows: 1.5 });
      const { stderr } = await run(argv);
      assert.equal(stderr, 'flts demo: InvalidParameterError: Parameter "rows" must be an integer; got number 1.5.\n');
    });

    it('an unknown parameter: exit 2 listing the accepted ones', async () => {
      const { argv } = await workspace({ rows: 1, colour: 'red' });
      const { code, stderr } = await run(argv);
      assert.equal(code, 2);
      assert.equal(stderr, 'flts demo: InvalidParameterError: Unknown parameter "colour"; demo accepts: label, rows.\n');
    });

    it('an input artifact missing: exit 1 naming it', async () => {
      const { argv } = await workspace({ rows: 1 }, { withData: false });
      const { code, stderr } = await run(argv);
      assert.equal(code, 1);
      assert.equal(stderr, 'flts demo: ArtifactError: Required input artifact "data" (system.Dataset) was not provided.\n');
    });

    it("an input artifact's file absent: exit 1 naming the path", async () => {
      const { argv } = await workspace({ rows: 1 }, { dataPath: '/nonexistent/data.csv' });
      const { stderr } = await run(argv);
      assert.equal(
        stderr,
        'flts demo: ArtifactError: Input artifact "data" (/nonexistent/data.csv) has no file at its local path /nonexistent/data.csv.\n',
      );
    });

    it('an unwritable output path: exit 1 before any work, naming the output', async () => {
      const { dir, argv } = await workspace({ rows: 1 });
      // A file where the task directory should be: not writable even for root.
      await writeFile(join(dir, 'task'), 'not a directory');
      let ran = false;
      const { code, stderr } = await run(argv, async () => {
        ran = true;
      });
      assert.equal(code, 1);
      assert.equal(ran, false);
      assert.match(stderr, new RegExp(`^flts demo: ArtifactError: Cannot write output artifact "result" under ${dir}/task: EEXIST`));
    });

    it('a failure inside the component: exit 1, no ExecutorOutput, no staged output left', async () => {
      const { dir, argv } = await workspace({ rows: 1 });
      const { code, stderr } = await run(argv, async (executor) => {
        await writeFile(executor.outputArtifact('result').path, 'half');
        throw new Error('the model diverged');
      });
      assert.equal(code, 1);
      assert.equal(stderr, 'flts demo: Error: the model diverged\n');
      assert.deepEqual(await leftovers(dir), []);
    });
  });
});
