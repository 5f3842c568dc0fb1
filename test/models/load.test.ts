/**
 * loadModel on model directories without KFP artifact metadata: the type comes from the directory's MLmodel
 * file (metadata.model_type, else flavors.tfjs_layers.cell) or from the network in model.json, so that a model
 * downloaded from the MLflow registry loads by hand; labels that disagree are refused.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tf from '@tensorflow/tfjs';
import { loadModel, modelDirectoryFacts, modelTypeOf } from '../../shared/models/registry.js';
import { disposeRecurrentModel, forecast, saveRecurrentModel, trainRecurrent, type RecurrentModel } from '../../shared/models/recurrent/index.js';
import { chooseBackend } from '../../shared/tf/backend.js';
import { openTracking } from '../../shared/tracking/index.js';
import { toYaml } from '../../shared/tracking/yaml.js';
import { cycle, manifestFor, tinyHyper } from './recurrent/fixtures.js';

let root: string;
const trained: Partial<Record<'gru' | 'lstm', RecurrentModel>> = {};
/** Bare model directories (model.json, weights.bin, manifest.json; no MLmodel), one per cell. */
const bare: Record<'gru' | 'lstm', string> = { gru: '', lstm: '' };

const flavor = (cell: 'gru' | 'lstm') => ({
  name: 'tfjs_layers',
  config: { format: 'layers-model', model_file: 'model.json', weights_files: ['weights.bin'], manifest_file: 'manifest.json', tfjs_version: tf.version.tfjs, cell },
});

/** A copy of the bare `cell` directory with `mlmodel` (text) as its MLmodel file. */
async function withMlmodel(cell: 'gru' | 'lstm', name: string, mlmodel: string | undefined): Promise<string> {
  const directory = join(root, name);
  await cp(bare[cell], directory, { recursive: true });
  if (mlmodel !== undefined) await writeFile(join(directory, 'MLmodel'), mlmodel);
  return directory;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'flts-load-'));
  await chooseBackend();
  for (const cell of ['gru', 'lstm'] as const) {
    trained[cell] = (await trainRecurrent(cycle, manifestFor(), tinyHyper({ cell, epochs: 1 }))).model;
    bare[cell] = join(root, `bare-${cell}`);
    await saveRecurrentModel(trained[cell]!, bare[cell]);
  }
});
after(async () => {
  for (const model of Object.values(trained)) if (model) disposeRecurrentModel(model);
  await rm(root, { recursive: true, force: true });
});

describe('loadModel without artifact metadata', () => {
  it('a model logged to MLflow and downloaded from the registry loads by hand, as the type its MLmodel says', async () => {
    const tracker = await openTracking({ trackingUri: join(root, 'mlruns'), experiment: 'flts-lstm' });
    const run = await tracker.startRun({ runName: 'train-lstm' });
    const logged = await run.logModel(bare.lstm, 'model', { flavor: flavor('lstm'), metadata: { config_hash: 'test', model_type: 'lstm' } });
    await run.end('FINISHED');
    const version = await tracker.registerModel(logged.modelUri, 'flts-load-test');
    await tracker.setAlias('flts-load-test', 'champion', version.version);
    const downloaded = await tracker.downloadArtifacts('models:/flts-load-test@champion', join(root, 'downloaded'));

    const model = await loadModel(downloaded, undefined);
    try {
      assert.equal(model.modelType, 'lstm');
      assert.deepEqual(model.manifest, manifestFor());
      const origins = Int32Array.from([10, 40]);
      assert.deepEqual(Array.from(await model.forecast(cycle.test, origins)), Array.from(await forecast(trained.lstm!, cycle.test, origins)));
    } finally {
      model.dispose();
    }
  });

  it('reads the cell from flavors.tfjs_layers.cell when the MLmodel has no metadata, PyYAML-style unquoted', async () => {
    const directory = await withMlmodel(
      'gru',
      'pyyaml-gru',
      ['artifact_path: model', 'flavors:', '  tfjs_layers:', '    cell: gru', '    model_file: model.json', '    weights_files:', '    - weights.bin', 'run_id: 0123abcd', ''].join('\n'),
    );
    const model = await loadModel(directory, undefined);
    model.dispose();
    assert.equal(model.modelType, 'gru');
    assert.deepEqual(modelDirectoryFacts(directory).runId, '0123abcd');
  });

  it('without an MLmodel, reads GRU or LSTM from the layers in model.json', async () => {
    assert.equal(modelTypeOf(bare.gru, undefined), 'gru');
    assert.equal(modelTypeOf(bare.lstm, ''), 'lstm');
    assert.equal(modelDirectoryFacts(bare.lstm).source, 'the layers in model.json');
  });

  it('the artifact metadata, where given, agrees with the files', async () => {
    const directory = await withMlmodel('lstm', 'agreeing', toYaml({ flavors: { tfjs_layers: flavor('lstm').config }, metadata: { model_type: 'lstm' } }));
    assert.equal(modelTypeOf(directory, 'lstm'), 'lstm');
  });

  it('refuses an artifact labelled with another type than its files say, naming both', async () => {
    const directory = await withMlmodel('lstm', 'mislabelled', toYaml({ flavors: { tfjs_layers: flavor('lstm').config }, metadata: { model_type: 'lstm' } }));
    await assert.rejects(loadModel(directory, 'gru'), {
      name: 'InvalidArtifactError',
      message: `The model in ${directory} is labelled gru by the artifact metadata (model_type) but lstm by MLmodel metadata.model_type; the artifact and its files do not belong together.`,
    });
    const lying = await withMlmodel('gru', 'lying-mlmodel', toYaml({ metadata: { model_type: 'lstm' } }));
    assert.throws(() => modelTypeOf(lying, undefined), { name: 'InvalidArtifactError', message: /labelled lstm by MLmodel metadata\.model_type but gru by the layers in model\.json/ });
    assert.throws(() => modelTypeOf(bare.gru, 'xgboost'), { name: 'InvalidArtifactError', message: /model_type "xgboost" in the artifact metadata \(model_type\); expected one of gru, lstm, prophet/ });
  });

  it('says what is missing when nothing tells GRU from LSTM', async () => {
    const directory = join(root, 'opaque');
    await cp(bare.gru, directory, { recursive: true });
    await writeFile(join(directory, 'model.json'), JSON.stringify({ modelTopology: { config: { layers: [{ class_name: 'Dense' }] } } }));
    assert.throws(() => modelTypeOf(directory, undefined), {
      name: 'InvalidArtifactError',
      message: `The model in ${directory} is a recurrent network, but nothing says whether GRU or LSTM: no model_type in the artifact metadata, no MLmodel file saying it (metadata.model_type or flavors.tfjs_layers.cell), and no GRU or LSTM layers in model.json.`,
    });
    assert.throws(() => modelTypeOf(root, undefined), { name: 'InvalidArtifactError', message: `${root} holds no model this project wrote (no model.json or prophet.json).` });
  });

  it('a Prophet directory is Prophet by its MLmodel flavour or its prophet.json', async () => {
    const directory = join(root, 'prophet');
    await cp(bare.gru, directory, { recursive: true, filter: (source) => !source.endsWith('model.json') && !source.endsWith('weights.bin') });
    await writeFile(join(directory, 'prophet.json'), '{}');
    assert.equal(modelTypeOf(directory, undefined), 'prophet');
    await writeFile(join(directory, 'MLmodel'), toYaml({ flavors: { prophet: { model_file: 'prophet.json' } } }));
    assert.equal(modelDirectoryFacts(directory).source, 'MLmodel flavour (prophet)');
    assert.equal(modelTypeOf(directory, 'prophet'), 'prophet');
  });
});
