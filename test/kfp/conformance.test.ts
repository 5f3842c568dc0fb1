/**
 * Conformance with the real KFP SDK (.venv, pinned kfp): the generated component YAMLs are current, load with
 * `kfp.components.load_component_from_file`, compile into the committed pipeline, and our bundles run on
 * ExecutorInputs built by kfp.local's own code, with their ExecutorOutputs read back by kfp's own parser.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { allComponentSpecs } from '../../components/specs.js';
import { commandFor, componentYaml, imageFor } from '../../shared/kfp/component-yaml.js';
import { parameterDocs, withParameterDocs } from '../../shared/kfp/parameter-docs.js';
import type { ComponentSpec } from '../../shared/kfp/spec.js';
import { defaultImage } from '../../tools/image.js';
import { runBundle, tempDir } from '../helpers/component.js';
import { pythonJson, repoRoot, runPython } from '../helpers/python.js';
import { sampleData } from '../helpers/sample-data.js';

describe('component YAMLs', () => {
  for (const spec of allComponentSpecs) {
    it(`components/${spec.name}/component.yaml is current (npm run specs)`, async () => {
      const committed = await readFile(join(repoRoot, 'components', spec.name, 'component.yaml'), 'utf8');
      assert.equal(committed, componentYaml(spec, defaultImage), `run \`npm run specs\` to regenerate ${spec.name}`);
    });
  }

  it('are documented in the README, generated from the same specs (npm run specs)', async () => {
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    assert.equal(readme, withParameterDocs(readme, parameterDocs(allComponentSpecs)), 'run `npm run specs` to regenerate the README tables');
  });

  it('load in the real KFP SDK with the declared inputs and outputs, and no env', async () => {
    const loaded = await pythonJson<Record<string, { inputs: string[]; outputs: string[]; env: boolean; command: string[]; image: string }>>(`
import json, yaml
from kfp import components
out = {}
for name in ${JSON.stringify(allComponentSpecs.map((s) => s.name))}:
    path = f'components/{name}/component.yaml'
    c = components.load_component_from_file(path)
    container = c.component_spec.implementation.container
    out[name] = {'inputs': sorted(c.component_spec.inputs or {}), 'outputs': sorted(c.component_spec.outputs or {}),
                 'env': 'env:' in open(path).read(), 'command': list(container.command), 'image': container.image}
print(json.dumps(out))
`);
    for (const spec of allComponentSpecs) {
      assert.deepEqual(loaded[spec.name], {
        inputs: [...Object.keys(spec.inputs.parameters), ...Object.keys(spec.inputs.artifacts)].sort(),
        outputs: [...Object.keys(spec.outputs.parameters), ...Object.keys(spec.outputs.artifacts)].sort(),
        env: false,
        command: commandFor(spec),
        image: imageFor(spec, defaultImage),
      });
    }
  });

  it('run a hosted component in its host\'s image, as a subcommand of its bundle', () => {
    assert.deepEqual(
      (allComponentSpecs as readonly ComponentSpec[]).filter((spec) => spec.host).map((spec) => [spec.name, imageFor(spec, defaultImage), commandFor(spec)]),
      [['site-summary', `${defaultImage.registry}/flts-eval:${defaultImage.tag}`, ['node', '/app/dist/eval.js', 'site-summary']]],
    );
  });
});

describe('the pipelines', () => {
  for (const name of ['flts_pipeline', 'flts_multisite']) {
    it(`compile with the real SDK into exactly the committed pipelines/${name}.yaml`, async () => {
      const out = join(await tempDir(), `${name}.yaml`);
      await runPython([`pipelines/${name}.py`, out]);
      assert.equal(await readFile(out, 'utf8'), await readFile(join(repoRoot, `pipelines/${name}.yaml`), 'utf8'), `run \`.venv/bin/python pipelines/${name}.py\` to recompile`);
    });
  }

  it('wires preprocess → three parallel trainers → eval → inference', async () => {
    const dag = await pythonJson<Record<string, string[]>>(`
import json, yaml
spec = next(yaml.safe_load_all(open('pipelines/flts_pipeline.yaml')))
print(json.dumps({name: sorted(task.get('dependentTasks', [])) for name, task in spec['root']['dag']['tasks'].items()}))
`);
    assert.deepEqual(dag, {
      preprocess: [],
      'train-gru': ['preprocess'],
      'train-lstm': ['preprocess'],
      'train-prophet': ['preprocess'],
      eval: ['preprocess', 'train-gru', 'train-lstm', 'train-prophet'],
      inference: ['eval', 'preprocess'],
    });
  });
});

describe('the multi-site pipeline (pipelines/flts_multisite.yaml)', () => {
  interface Shape {
    root: Record<string, string[]>;
    loop: { iterator: unknown; parallelism: number; tasks: Record<string, string[]> };
    summaryInputs: Record<string, unknown>;
    parameters: string[];
    retried: string[];
    withSecret: Record<string, string>;
    resources: Record<string, unknown>;
  }
  const shape = (path: string) =>
    pythonJson<Shape>(`
import json, yaml
ir, platform = yaml.safe_load_all(open(${JSON.stringify(path)}))
root = ir['root']['dag']['tasks']
loop = ir['components']['comp-for-loop-1']['dag']['tasks']
executors = ir['deploymentSpec']['executors']
secrets = platform['platforms']['kubernetes']['deploymentSpec']['executors']
print(json.dumps({
  'root': {n: sorted(t.get('dependentTasks', [])) for n, t in root.items()},
  'loop': {'iterator': root['for-loop-1']['parameterIterator'], 'parallelism': root['for-loop-1']['iteratorPolicy']['parallelismLimit'],
           'tasks': {n: sorted(t.get('dependentTasks', [])) for n, t in loop.items()}},
  'summaryInputs': root['site-summary']['inputs'],
  'parameters': sorted(ir['root']['inputDefinitions']['parameters']),
  'retried': sorted(n for n, t in loop.items() if t.get('retryPolicy', {}).get('maxRetryCount') == 3),
  'withSecret': {e: s['secretAsEnv'][0]['secretNameParameter']['componentInputParameter'] for e, s in secrets.items()},
  'resources': {e: x['container'].get('resources') for e, x in executors.items()},
}))
`);

  it('runs the whole chain per site in a ParallelFor over the sites parameter, at most 10 sites at once', async () => {
    const { root, loop } = await shape('pipelines/flts_multisite.yaml');
    assert.deepEqual(root, { 'for-loop-1': [], 'site-summary': ['for-loop-1'] });
    assert.deepEqual(loop.iterator, { itemInput: 'pipelinechannel--sites-loop-item', items: { inputParameter: 'pipelinechannel--sites' } });
    assert.equal(loop.parallelism, 10);
    assert.deepEqual(loop.tasks, {
      preprocess: [],
      'train-gru': ['preprocess'],
      'train-lstm': ['preprocess'],
      'train-prophet': ['preprocess'],
      eval: ['preprocess', 'train-gru', 'train-lstm', 'train-prophet'],
      inference: ['eval', 'preprocess'],
    });
  });

  it('collects every site\'s promotion record and predictions into the summary', async () => {
    const { summaryInputs } = await shape('pipelines/flts_multisite.yaml');
    assert.deepEqual(summaryInputs, {
      artifacts: {
        predictions: { taskOutputArtifact: { outputArtifactKey: 'pipelinechannel--inference-predictions', producerTask: 'for-loop-1' } },
        promotions: { taskOutputArtifact: { outputArtifactKey: 'pipelinechannel--eval-promotion_metadata', producerTask: 'for-loop-1' } },
      },
    });
  });

  it('exposes the object-store buckets and the credentials secret as pipeline parameters', async () => {
    const { parameters } = await shape('pipelines/flts_multisite.yaml');
    assert.deepEqual(parameters, ['claim_check_bucket', 'credentials_secret', 'epochs', 'horizon', 'input_length', 'log_bucket', 'mlflow_tracking_uri', 'promotion_bucket', 'sites', 'target_column']);
  });

  it('retries the tasks that talk to services and gives them the credentials secret; the summary needs neither', async () => {
    const { retried, withSecret } = await shape('pipelines/flts_multisite.yaml');
    const chain = ['eval', 'inference', 'preprocess', 'train-gru', 'train-lstm', 'train-prophet'];
    assert.deepEqual(retried, chain);
    assert.deepEqual(withSecret, Object.fromEntries(chain.map((name) => [`exec-${name}`, 'pipelinechannel--credentials_secret'])));
  });

  it('requests CPU and memory for every task, and an accelerator for the RNN trainers only when compiled with --accelerator', async () => {
    const plain = await shape('pipelines/flts_multisite.yaml');
    assert.deepEqual(plain.resources['exec-train-gru'], { cpuLimit: 4, cpuRequest: 2, memoryLimit: 4, memoryRequest: 2, resourceCpuLimit: '4', resourceCpuRequest: '2', resourceMemoryLimit: '4G', resourceMemoryRequest: '2G' });
    assert.ok(Object.values(plain.resources).every((resources) => resources !== null && typeof resources === 'object'));
    const out = join(await tempDir(), 'gpu.yaml');
    await runPython(['pipelines/flts_multisite.py', out, '--accelerator', 'nvidia.com/gpu']);
    const gpu = await shape(out);
    const accelerated = Object.entries(gpu.resources).filter(([, resources]) => 'accelerator' in (resources as object)).map(([name]) => name);
    assert.deepEqual(accelerated.sort(), ['exec-train-gru', 'exec-train-lstm']);
  });
});

interface KfpArtifact {
  name: string;
  uri: string;
  metadata: Record<string, unknown>;
  schemaTitle: string;
}
interface KfpOutputs {
  parameters: Record<string, unknown>;
  artifacts: Record<string, KfpArtifact>;
}

/** Builds the ExecutorInput with kfp.local, runs our bundle with the command kfp resolved, parses outputs with kfp. */
async function runLikeKfpLocal(root: string, name: string, args: Record<string, unknown>): Promise<KfpOutputs> {
  const taskRoot = join(root, name);
  const argsPath = join(root, `${name}.args.json`);
  await writeFile(argsPath, JSON.stringify(args));
  const yaml = `components/${name}/component.yaml`;
  const { executorInput, command } = JSON.parse(await runPython(['test/kfp/kfp_local.py', 'construct', yaml, taskRoot, argsPath])) as {
    executorInput: unknown;
    command: string[];
  };
  assert.deepEqual(command.slice(0, 2), ['node', `/app/dist/${name}.js`]);
  const result = await runBundle(name, command.slice(2));
  assert.equal(result.code, 0, `${name} failed: ${result.stderr}`);
  const eiPath = join(root, `${name}.executor_input.json`);
  await writeFile(eiPath, JSON.stringify(executorInput));
  return JSON.parse(await runPython(['test/kfp/kfp_local.py', 'outputs', yaml, eiPath])) as KfpOutputs;
}

/** The data the chain runs on: the built-in sample (helpers/sample-data.ts), so that this check runs on a clone alone. */
async function chainData(): Promise<{ data_uri: string; test_data_uri: string; source: string }> {
  const sample = await sampleData();
  return { data_uri: sample.train, test_data_uri: sample.test, source: 'the built-in sample data' };
}

describe('kfp.local ExecutorInputs', () => {
  it('run every component in pipeline order, and kfp parses every declared output back', { timeout: 30 * 60_000 }, async (t) => {
    const root = await tempDir('flts-kfp-local-');
    const { source, ...data } = await chainData();
    t.diagnostic(`data: ${source}`);
    const prep = await runLikeKfpLocal(root, 'preprocess', { ...data, sample_train_rows: 600, sample_test_rows: 200 });
    assert.deepEqual(Object.keys(prep.artifacts).sort(), ['inference_data', 'report', 'scaler', 'training_data', 'validation_data']);
    assert.deepEqual(Object.keys(prep.parameters).sort(), ['config_hash', 'config_json', 'data_digest']);

    const splits = {
      training_data: prep.artifacts['training_data'],
      validation_data: prep.artifacts['validation_data'],
      inference_data: prep.artifacts['inference_data'],
    };
    const tracking = { mlflow_tracking_uri: join(root, 'mlruns'), config_hash: prep.parameters['config_hash'] };
    const models: Record<string, KfpArtifact> = {};
    for (const trainer of ['train-gru', 'train-lstm'] as const) {
      const out = await runLikeKfpLocal(root, trainer, { ...splits, ...tracking, epochs: 1, hidden_size: 8, input_length: 12, horizon: 3 });
      assert.deepEqual(Object.keys(out.artifacts).sort(), ['metrics', 'model', 'report']);
      assert.equal(typeof out.parameters['run_id'], 'string');
      models[trainer] = out.artifacts['model']!;
    }
    const prophet = await runLikeKfpLocal(root, 'train-prophet', { ...splits, ...tracking, input_length: 12, horizon: 3, uncertainty_samples: 0 });
    models['train-prophet'] = prophet.artifacts['model']!;

    const selection = await runLikeKfpLocal(root, 'eval', {
      gru_model: models['train-gru'],
      lstm_model: models['train-lstm'],
      prophet_model: models['train-prophet'],
      ...tracking,
    });
    assert.deepEqual(Object.keys(selection.artifacts).sort(), ['promotion_metadata', 'report', 'selected_model']);

    const inference = await runLikeKfpLocal(root, 'inference', {
      inference_data: prep.artifacts['inference_data'],
      selected_model: selection.artifacts['selected_model'],
      ...tracking,
    });
    assert.deepEqual(Object.keys(inference.artifacts).sort(), ['metrics', 'predictions', 'report']);
  });
});
