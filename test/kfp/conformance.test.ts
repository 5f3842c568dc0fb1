/**
 * Conformance with the real KFP SDK (.venv, pinned kfp): the generated component YAMLs are current, load with
 * `kfp.components.load_component_from_file`, compile into the committed pipeline, and our bundles run on
 * ExecutorInputs built by kfp.local's own code, with their ExecutorOutputs read back by kfp's own parser.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { componentSpecs } from '../../components/specs.js';
import { componentYaml } from '../../shared/kfp/component-yaml.js';
import { parameterDocs, withParameterDocs } from '../../shared/kfp/parameter-docs.js';
import { defaultImage } from '../../tools/image.js';
import { runBundle, tempDir } from '../helpers/component.js';
import { pythonJson, repoRoot, runPython } from '../helpers/python.js';
import { sampleData } from '../helpers/sample-data.js';

describe('component YAMLs', () => {
  for (const spec of componentSpecs) {
    it(`components/${spec.name}/component.yaml is current (npm run specs)`, async () => {
      const committed = await readFile(join(repoRoot, 'components', spec.name, 'component.yaml'), 'utf8');
      assert.equal(committed, componentYaml(spec, defaultImage), `run \`npm run specs\` to regenerate ${spec.name}`);
    });
  }

  it('are documented in the README, generated from the same specs (npm run specs)', async () => {
    const readme = await readFile(join(repoRoot, 'README.md'), 'utf8');
    assert.equal(readme, withParameterDocs(readme, parameterDocs(componentSpecs)), 'run `npm run specs` to regenerate the README tables');
  });

  it('load in the real KFP SDK with the declared inputs and outputs, and no env', async () => {
    const loaded = await pythonJson<Record<string, { inputs: string[]; outputs: string[]; env: boolean; command: string[]; image: string }>>(`
import json, yaml
from kfp import components
out = {}
for name in ${JSON.stringify(componentSpecs.map((s) => s.name))}:
    path = f'components/{name}/component.yaml'
    c = components.load_component_from_file(path)
    container = c.component_spec.implementation.container
    out[name] = {'inputs': sorted(c.component_spec.inputs or {}), 'outputs': sorted(c.component_spec.outputs or {}),
                 'env': 'env:' in open(path).read(), 'command': list(container.command), 'image': container.image}
print(json.dumps(out))
`);
    for (const spec of componentSpecs) {
      assert.deepEqual(loaded[spec.name], {
        inputs: [...Object.keys(spec.inputs.parameters), ...Object.keys(spec.inputs.artifacts)].sort(),
        outputs: [...Object.keys(spec.outputs.parameters), ...Object.keys(spec.outputs.artifacts)].sort(),
        env: false,
        command: ['node', `/app/dist/${spec.name}.js`],
        image: `${defaultImage.registry}/flts-${spec.name}:${defaultImage.tag}`,
      });
    }
  });
});

describe('the pipeline', () => {
  it('compiles with the real SDK into exactly the committed pipelines/flts_pipeline.yaml', async () => {
    const out = join(await tempDir(), 'flts_pipeline.yaml');
    await runPython(['pipelines/flts_pipeline.py', out]);
    assert.equal(await readFile(out, 'utf8'), await readFile(join(repoRoot, 'pipelines/flts_pipeline.yaml'), 'utf8'), 'run `.venv/bin/python pipelines/flts_pipeline.py` to recompile');
  });

  it('wires preprocess → three parallel trainers → eval → inference', async () => {
    const dag = await pythonJson<Record<string, string[]>>(`
import json, yaml
spec = yaml.safe_load(open('pipelines/flts_pipeline.yaml'))
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
