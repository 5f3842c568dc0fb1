/**
 * The executor against real ExecutorInput documents from the KFP repository (../shared/data/kfp-fixtures),
 * backend-style and local-style: each is fed to a component declaring the same interface, and the whole
 * ExecutorOutput is compared in one assertion (the shape of KFP's own executor_test.py).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ExecutorInputError, InvalidArtifactError } from '../../shared/errors.js';
import { metadataBoolean } from '../../shared/kfp/artifacts.js';
import { parseExecutorInput } from '../../shared/kfp/executor-input.js';
import { Executor } from '../../shared/kfp/executor.js';
import { defineComponent, type ComponentSpec } from '../../shared/kfp/spec.js';
import { tempDir } from '../helpers/component.js';
import { sharedPath, skipWithoutShared } from '../helpers/shared-data.js';

const FIXTURES = 'data/kfp-fixtures';

/** Loads a fixture with its `%(test_dir)s` template (and any other absolute roots) pointed at `dir`. */
async function fixture(file: string, dir: string, replacements: Record<string, string> = {}): Promise<string> {
  let text = await readFile(join(sharedPath(FIXTURES)!, file), 'utf8');
  text = text.replaceAll('%(test_dir)s', dir);
  for (const [from, to] of Object.entries(replacements)) text = text.replaceAll(from, to);
  return text;
}

async function execute<S extends ComponentSpec>(spec: S, text: string, mountRoot: string, body: (executor: Executor<S>) => Promise<void>) {
  const executor = new Executor(spec, parseExecutorInput(text), { mountRoot, stagingTag: 'partial-test' });
  await executor.prepareOutputs();
  await body(executor);
  await executor.commit();
  return { executor, output: JSON.parse(await readFile(executor.outputFile, 'utf8')) as unknown };
}

/** An ExecutorInput in the backend launcher's shape (reference/kfp-contract.md §1), written as JSON text. */
function document(inputs: Record<string, unknown>, outputs: Record<string, unknown>): string {
  return JSON.stringify({ inputs, outputs });
}

describe('Executor on KFP-shaped documents the tests write', () => {
  it('maps gs:// inputs and outputs to /gcs paths, coerces mixed parameters, and writes the ExecutorOutput', async () => {
    const dir = await tempDir();
    const spec = defineComponent({
      name: 'mixed',
      description: 'backend launcher shape',
      inputs: {
        artifacts: { data: { type: 'system.Dataset', description: 'input' } },
        parameters: {
          flag: { type: 'BOOLEAN', description: 'b' },
          options: { type: 'STRUCT', description: 'd' },
          names: { type: 'LIST', description: 'l' },
          steps: { type: 'NUMBER_INTEGER', description: 'n' },
          rate: { type: 'NUMBER_DOUBLE', description: 'r' },
        },
      },
      outputs: { artifacts: { model: { type: 'system.Model', description: 'out' } }, parameters: {} },
    });
    const inputUri = 'gs://bucket/run-1/prep/data';
    await mkdir(`${dir}/gcs/bucket/run-1/prep`, { recursive: true });
    await writeFile(`${dir}/gcs/bucket/run-1/prep/data`, 'a,b\n1,2\n');
    const text = document(
      {
        artifacts: { data: { artifacts: [{ name: '7', type: { schemaTitle: 'system.Dataset' }, uri: inputUri, metadata: { display_name: 'data', rows: 1 } }] } },
        // MLMD hands booleans back as 0/1 and integers as doubles.
        parameterValues: { flag: 1, options: { a: 1 }, names: ['x', 'y'], steps: 100.0, rate: 0.5 },
      },
      { artifacts: { model: { artifacts: [{ type: { schemaTitle: 'system.Model' }, uri: 'gs://bucket/run-1/train/model' }] } }, outputFile: `${dir}/out/executor_output.json` },
    );
    const { executor, output } = await execute(spec, text, dir, async (executor) => {
      assert.deepEqual(executor.parameters, { flag: true, options: { a: 1 }, names: ['x', 'y'], steps: 100, rate: 0.5 });
      assert.deepEqual(executor.requireInputArtifact('data'), { name: '7', uri: inputUri, path: `${dir}/gcs/bucket/run-1/prep/data`, metadata: { display_name: 'data', rows: 1 } });
      await writeFile(executor.outputArtifact('model').path, 'weights');
      executor.setMetadata('model', { accuracy: 0.9, note: null, bad: NaN });
    });
    assert.deepEqual(output, { artifacts: { model: { artifacts: [{ name: 'model', uri: 'gs://bucket/run-1/train/model', metadata: { accuracy: 0.9 } }] } } });
    assert.equal(await readFile(`${dir}/gcs/bucket/run-1/train/model`, 'utf8'), 'weights');
    assert.equal(existsSync(executor.outputArtifact('model').path), false, 'the staging path is gone');
  });

  it('gives every element of a list input, each with its own path and metadata', async () => {
    const dir = await tempDir();
    const spec = defineComponent({
      name: 'list-input',
      description: 'isArtifactList',
      inputs: { artifacts: { parts: { type: 'system.Dataset', description: 'many', list: true } }, parameters: {} },
      outputs: { artifacts: {}, parameters: {} },
    });
    await mkdir(`${dir}/minio/bucket`, { recursive: true });
    for (const i of [0, 1]) await writeFile(`${dir}/minio/bucket/part-${i}`, String(i));
    const artifacts = [0, 1].map((i) => ({ name: `parts/${i}`, uri: `minio://bucket/part-${i}`, metadata: { rows: 10 * (i + 1) } }));
    const text = document({ artifacts: { parts: { artifacts } } }, { outputFile: `${dir}/executor_output.json` });
    const { output } = await execute(spec, text, dir, async (executor) => {
      assert.deepEqual(
        executor.inputArtifactList('parts'),
        artifacts.map((a, i) => ({ ...a, path: `${dir}/minio/bucket/part-${i}` })),
      );
    });
    assert.deepEqual(output, { artifacts: {} });
  });

  it('reports Metrics as metadata scalars and writes them as JSON at an s3:// artifact path', async () => {
    const dir = await tempDir();
    const spec = defineComponent({
      name: 'metrics-output',
      description: 'system.Metrics',
      inputs: { artifacts: {}, parameters: {} },
      outputs: { artifacts: { scores: { type: 'system.Metrics', description: 'scalars' } }, parameters: {} },
    });
    const text = document({}, { artifacts: { scores: { artifacts: [{ name: 'm-1', uri: 's3://bucket/scores' }] } }, outputFile: `${dir}/executor_output.json` });
    const { output } = await execute(spec, text, dir, async (executor) => {
      await executor.writeMetrics('scores', { rmse: 0.1, undefined_metric: NaN });
    });
    assert.deepEqual(output, { artifacts: { scores: { artifacts: [{ name: 'm-1', uri: 's3://bucket/scores', metadata: { rmse: 0.1 } }] } } });
    assert.deepEqual(JSON.parse(await readFile(`${dir}/s3/bucket/scores`, 'utf8')), { rmse: 0.1 });
  });

  it("ignores the compiler's pipelinechannel-- parameters and writes typed output parameters", async () => {
    const dir = await tempDir();
    const spec = defineComponent({
      name: 'typed',
      description: 'kfp.local shape',
      inputs: { artifacts: {}, parameters: { config: { type: 'STRUCT', description: 'c' } } },
      outputs: { artifacts: {}, parameters: { count: { type: 'NUMBER_INTEGER', description: 'n' }, label: { type: 'STRING', description: 's' } } },
    });
    const text = document({ parameterValues: { config: { k: 'v' }, 'pipelinechannel--config': { k: 'v' } } }, { outputFile: `${dir}/executor_output.json` });
    const { output } = await execute(spec, text, dir, async (executor) => {
      assert.deepEqual(Object.keys(executor.parameters), ['config']);
      executor.setOutput('count', 42);
      executor.setOutput('label', 'done');
    });
    assert.deepEqual(output, { artifacts: {}, parameterValues: { count: 42, label: 'done' } });
  });

  it("reads Vertex's deprecated `parameters` where parameterValues lacks a value: int64 as text, lists and structs as JSON text", async () => {
    const dir = await tempDir();
    const spec = defineComponent({
      name: 'legacy',
      description: 'Vertex shape',
      inputs: {
        artifacts: {},
        parameters: {
          steps: { type: 'NUMBER_INTEGER', description: 'n' },
          status: { type: 'STRUCT', description: 's' },
          names: { type: 'LIST', description: 'l' },
          message: { type: 'STRING', description: 'm' },
        },
      },
      outputs: { artifacts: {}, parameters: {} },
    });
    const text = document(
      {
        parameterValues: { message: 'from parameterValues' },
        parameters: {
          steps: { intValue: '12' },
          status: { stringValue: '{"state":"FAILED"}' },
          names: { stringValue: '["a","b"]' },
          message: { stringValue: 'from the deprecated field' },
        },
      },
      { outputFile: `${dir}/gcs/bucket/executor_output.json` },
    );
    const { executor } = await execute(spec, text, dir, async (executor) => {
      assert.deepEqual(executor.parameters, { steps: 12, status: { state: 'FAILED' }, names: ['a', 'b'], message: 'from parameterValues' });
    });
    assert.equal(executor.outputFile, `${dir}/gcs/bucket/executor_output.json`);
    assert.ok(existsSync(executor.outputFile));
  });
});

describe('Executor on the KFP repository\'s own test fixtures (third-party reference files)', { skip: skipWithoutShared(FIXTURES) }, () => {
  it('covers every fixture file', async () => {
    const files = (await readdir(sharedPath(FIXTURES)!)).filter((file) => file.endsWith('.json')).sort();
    assert.deepEqual(files, [
      'execute_commands_args_test__exec-exit-op.json',
      'executor_input_utils_test__test_various_io_types.json',
      'executor_test__test_component_with_input_path.json',
      'executor_test__test_list_of_artifact_input.json',
      'executor_test__test_output_metadata.json',
      'launcher_v2_test__Test_executorInput_compileCmdAndArgs.json',
    ]);
  });

  it('reads backend-style input artifacts and mixed parameters, and writes the output at its /gcs path', async () => {
    const dir = await tempDir();
    const spec = defineComponent({
      name: 'with-input-path',
      description: 'executor_test.py test_component_with_input_path',
      inputs: {
        artifacts: { dataset_one_path: { type: 'system.Dataset', description: 'input' } },
        parameters: {
          input_bool: { type: 'BOOLEAN', description: 'b' },
          input_dict: { type: 'STRUCT', description: 'd' },
          input_list: { type: 'LIST', description: 'l' },
          message: { type: 'STRING', description: 'm' },
          num_steps: { type: 'NUMBER_INTEGER', description: 'n' },
        },
      },
      outputs: { artifacts: { model: { type: 'system.Model', description: 'out' } }, parameters: {} },
    });
    const inputPath = `${dir}/gcs/mlpipeline/v2/artifacts/my-test-pipeline-beta/b2b0cdee-b15c-48ff-b8bc-a394ae46c854/preprocess/output_dataset_one`;
    await mkdir(join(inputPath, '..'), { recursive: true });
    await writeFile(inputPath, 'a,b\n1,2\n');

    const { executor, output } = await execute(spec, await fixture('executor_test__test_component_with_input_path.json', dir), dir, async (executor) => {
      assert.deepEqual(executor.parameters, {
        input_bool: true,
        input_dict: { A: 1, B: 2 },
        input_list: ['a', 'b', 'c'],
        message: 'here is my message',
        num_steps: 100,
      });
      const input = executor.requireInputArtifact('dataset_one_path');
      assert.deepEqual(input, { name: '84085', uri: 'gs://mlpipeline/v2/artifacts/my-test-pipeline-beta/b2b0cdee-b15c-48ff-b8bc-a394ae46c854/preprocess/output_dataset_one', path: inputPath, metadata: { display_name: 'output_dataset_one' } });
      await writeFile(executor.outputArtifact('model').path, 'weights');
      executor.setMetadata('model', { accuracy: 0.9, note: null });
    });

    const modelUri = 'gs://mlpipeline/v2/artifacts/my-test-pipeline-beta/b2b0cdee-b15c-48ff-b8bc-a394ae46c854/train/model';
    assert.deepEqual(output, { artifacts: { model: { artifacts: [{ name: 'model', uri: modelUri, metadata: { accuracy: 0.9 } }] } } });
    assert.equal(await readFile(`${dir}/gcs/${modelUri.slice(5)}`, 'utf8'), 'weights');
    assert.equal(existsSync(executor.outputArtifact('model').path), false, 'the staging path is gone');
  });

  it('gives every element of a list input, each with its own path and metadata', async () => {
    const dir = await tempDir();
    const spec = defineComponent({
      name: 'list-input',
      description: 'executor_test.py test_list_of_artifact_input',
      inputs: { artifacts: { input_datasets: { type: 'system.Dataset', description: 'many', list: true } }, parameters: {} },
      outputs: { artifacts: {}, parameters: {} },
    });
    for (const i of [0, 1]) {
      await mkdir(`${dir}/gcs/some-bucket/output`, { recursive: true });
      await writeFile(`${dir}/gcs/some-bucket/output/input_dataset_${i}`, String(i));
    }
    const { output } = await execute(spec, await fixture('executor_test__test_list_of_artifact_input.json', dir), dir, async (executor) => {
      assert.deepEqual(executor.inputArtifactList('input_datasets'), [
        { name: 'datasets/0', uri: 'gs://some-bucket/output/input_dataset_0', path: `${dir}/gcs/some-bucket/output/input_dataset_0`, metadata: { rows: 10 } },
        { name: 'datasets/1', uri: 'gs://some-bucket/output/input_dataset_1', path: `${dir}/gcs/some-bucket/output/input_dataset_1`, metadata: { rows: 20 } },
      ]);
    });
    assert.deepEqual(output, { artifacts: {} });
  });

  it('reports Metrics as metadata scalars and writes them as JSON at the artifact path', async () => {
    const dir = await tempDir();
    const spec = defineComponent({
      name: 'metrics-output',
      description: 'executor_test.py test_output_metadata',
      inputs: { artifacts: {}, parameters: {} },
      outputs: { artifacts: { output_artifact_two: { type: 'system.Metrics', description: 'scalars' } }, parameters: {} },
    });
    const { output } = await execute(spec, await fixture('executor_test__test_output_metadata.json', dir), dir, async (executor) => {
      await executor.writeMetrics('output_artifact_two', { metric: 0.9, undefined_metric: NaN });
    });
    const name = 'projects/123/locations/us-central1/metadataStores/default/artifacts/123';
    assert.deepEqual(output, {
      artifacts: { output_artifact_two: { artifacts: [{ name, uri: 'gs://some-bucket/output_artifact_two', metadata: { metric: 0.9 } }] } },
    });
    assert.deepEqual(JSON.parse(await readFile(`${dir}/gcs/some-bucket/output_artifact_two`, 'utf8')), { metric: 0.9 });
  });

  it("ignores the launcher's pipelinechannel-- parameters and writes an s3:// output", async () => {
    const dir = await tempDir();
    const spec = defineComponent({
      name: 'launcher',
      description: 'launcher_v2_test.go Test_executorInput_compileCmdAndArgs',
      inputs: { artifacts: {}, parameters: { config: { type: 'STRUCT', description: 'c' } } },
      outputs: { artifacts: { dataset: { type: 'system.Dataset', description: 'd' } }, parameters: {} },
    });
    const text = await fixture('launcher_v2_test__Test_executorInput_compileCmdAndArgs.json', dir, { '/tmp/kfp_outputs': `${dir}/kfp_outputs` });
    const { output } = await execute(spec, text, dir, async (executor) => {
      assert.deepEqual(Object.keys(executor.parameters), ['config']);
      await writeFile(executor.outputArtifact('dataset').path, 'x');
    });
    const uri =
      's3://aviflow-stage-kfp-artifacts/debug-component-pipeline/ae02034e-bd96-4b8a-a06b-55c99fe9eccb/sayhello/c98ac032-2448-4637-bf37-3ad1e13a112c/dataset';
    assert.deepEqual(output, { artifacts: { dataset: { artifacts: [{ name: 'dataset', uri, metadata: {} }] } } });
    assert.equal(await readFile(`${dir}/s3/${uri.slice(5)}`, 'utf8'), 'x');
  });

  it('writes typed output parameters for a kfp.local-style input', async () => {
    const dir = await tempDir();
    const spec = defineComponent({
      name: 'local',
      description: 'executor_input_utils_test.py test_various_io_types',
      inputs: { artifacts: {}, parameters: { boolean: { type: 'BOOLEAN', description: 'b' } } },
      outputs: { artifacts: { out_a: { type: 'system.Dataset', description: 'a' } }, parameters: { Output: { type: 'NUMBER_INTEGER', description: 'n' } } },
    });
    const text = await fixture('executor_input_utils_test__test_various_io_types.json', dir, { '/foo/bar': dir });
    const { output } = await execute(spec, text, dir, async (executor) => {
      assert.equal(executor.parameters.boolean, false);
      await writeFile(executor.outputArtifact('out_a').path, 'a');
      executor.setOutput('Output', 42);
    });
    assert.deepEqual(output, {
      artifacts: { out_a: { artifacts: [{ name: 'out_a', uri: `${dir}/my-pipeline-2023-10-10-13-32-59-420710/comp/out_a`, metadata: {} }] } },
      parameterValues: { Output: 42 },
    });
  });

  it('takes parameterValues over the deprecated parameters in the Vertex shape', async () => {
    const dir = await tempDir();
    const spec = defineComponent({
      name: 'exit-op',
      description: 'execute_commands_args_test.py',
      inputs: {
        artifacts: {},
        parameters: { status: { type: 'STRUCT', description: 's' }, user_input: { type: 'STRING', description: 'u' } },
      },
      outputs: { artifacts: {}, parameters: {} },
    });
    const { executor } = await execute(spec, await fixture('execute_commands_args_test__exec-exit-op.json', dir), dir, async (executor) => {
      assert.equal(executor.parameters.user_input, 'Hello World!');
      assert.equal((executor.parameters.status as { state: string }).state, 'FAILED');
    });
    assert.ok(executor.outputFile.startsWith(`${dir}/gcs/cjmccarthy-kfp-default-bucket/`));
    assert.ok(existsSync(executor.outputFile));
  });
});

describe('Executor failures', () => {
  const spec = defineComponent({
    name: 'strict',
    description: 'one required input, two outputs',
    inputs: { artifacts: { data: { type: 'system.Dataset', description: 'in' } }, parameters: {} },
    outputs: {
      artifacts: { a: { type: 'system.Dataset', description: 'a' }, b: { type: 'system.Dataset', description: 'b' } },
      parameters: { n: { type: 'NUMBER_INTEGER', description: 'n' } },
    },
  });

  function input(dir: string, data?: string) {
    return parseExecutorInput(
      JSON.stringify({
        inputs: data ? { artifacts: { data: { artifacts: [{ uri: data }] } } } : {},
        outputs: {
          artifacts: { a: { artifacts: [{ uri: `${dir}/out/a` }] }, b: { artifacts: [{ uri: `${dir}/out/b` }] } },
          outputFile: `${dir}/out/executor_output.json`,
        },
      }),
    );
  }

  it('names a required input artifact that was not provided (bad input: exit code 2)', async () => {
    const dir = await tempDir();
    assert.throws(() => new Executor(spec, input(dir)), {
      name: 'InvalidArtifactError',
      message: 'Required input artifact "data" (system.Dataset) was not provided.',
    });
  });

  it('names an input artifact whose file is absent', async () => {
    const dir = await tempDir();
    assert.throws(() => new Executor(spec, input(dir, `${dir}/missing.csv`)), (error: Error) => {
      assert.ok(error instanceof InvalidArtifactError);
      assert.equal((error as InvalidArtifactError).exitCode, 2);
      assert.equal(error.message, `Input artifact "data" (${dir}/missing.csv) has no file at its local path ${dir}/missing.csv.`);
      return true;
    });
  });

  it('refuses an ExecutorInput without outputs.outputFile', () => {
    assert.throws(() => new Executor(spec, parseExecutorInput('{}')), ExecutorInputError);
  });

  it('leaves nothing behind when the body wrote only some outputs', async () => {
    const dir = await tempDir();
    await writeFile(`${dir}/data.csv`, 'x');
    const executor = new Executor(spec, input(dir, `${dir}/data.csv`));
    await executor.prepareOutputs();
    await writeFile(executor.outputArtifact('a').path, 'half');
    await assert.rejects(executor.commit(), {
      name: 'ArtifactError',
      message: 'strict finished without writing its output artifact "b", parameter "n".',
    });
    await executor.abort();
    assert.deepEqual(await readdir(`${dir}/out`), []);
  });

  it('rejects an output parameter of the wrong type', async () => {
    const dir = await tempDir();
    await writeFile(`${dir}/data.csv`, 'x');
    const executor = new Executor(spec, input(dir, `${dir}/data.csv`));
    assert.throws(() => executor.setOutput('n', 1.5), { message: 'Output parameter "n" must be an integer; got number 1.5.' });
  });
});

describe('artifact metadata through the launcher and MLMD', () => {
  /** What the backend does to output metadata before a downstream task sees it (kfp-contract.md §3.5). */
  function throughMlmd(value: unknown): unknown {
    if (typeof value === 'boolean') return value ? 1 : 0;
    if (Array.isArray(value)) return { list: value.map(throughMlmd) };
    if (value !== null && typeof value === 'object') {
      return { struct: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, throughMlmd(v)])) };
    }
    return value;
  }

  it('reaches the next component as its producer wrote it (booleans as 0/1)', async () => {
    const dir = await tempDir();
    const producer = defineComponent({
      name: 'producer',
      description: 'writes metadata',
      inputs: { artifacts: {}, parameters: {} },
      outputs: { artifacts: { data: { type: 'system.Dataset', description: 'd' } }, parameters: {} },
    });
    const written = { rows: 3773, columns: ['time', 'down'], scaler: { method: 'minmax', columns: { down: { center: 0, scale: 2 } } }, promoted: true };
    const { output } = await execute(
      producer,
      JSON.stringify({ outputs: { artifacts: { data: { artifacts: [{ name: 'data', uri: `${dir}/data` }] } }, outputFile: `${dir}/out.json` } }),
      dir,
      async (executor) => {
        await writeFile(executor.outputArtifact('data').path, 'x');
        executor.setMetadata('data', written);
      },
    );
    const sent = (output as { artifacts: { data: { artifacts: { metadata: Record<string, unknown> }[] } } }).artifacts.data.artifacts[0]!.metadata;
    const mlmd = Object.fromEntries(Object.entries(sent).map(([k, v]) => [k, k === 'columns' || k === 'scaler' || k === 'promoted' ? throughMlmd(v) : v]));

    const consumer = defineComponent({
      name: 'consumer',
      description: 'reads metadata',
      inputs: { artifacts: { data: { type: 'system.Dataset', description: 'd' } }, parameters: {} },
      outputs: { artifacts: {}, parameters: {} },
    });
    await execute(
      consumer,
      JSON.stringify({
        inputs: { artifacts: { data: { artifacts: [{ name: '1234', type: { instanceSchema: '' }, uri: `${dir}/data`, metadata: { ...mlmd, display_name: 'data' } }] } } },
        outputs: { outputFile: `${dir}/out2.json` },
      }),
      dir,
      async (executor) => {
        const { metadata } = executor.requireInputArtifact('data');
        assert.deepEqual(metadata, { ...written, promoted: 1, display_name: 'data' });
        assert.equal(metadataBoolean(metadata['promoted']), true);
      },
    );
  });
});
