import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { disposeRecurrentModel, forecast, loadRecurrentModel, saveRecurrentModel, trainRecurrent, type RecurrentModel } from '../../../shared/models/recurrent/index.js';
import { chooseBackend } from '../../../shared/tf/backend.js';
import { cycle, manifestFor, tinyHyper } from './fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'flts-rnn-model-'));
const directory = join(root, 'model');
let trained: RecurrentModel;

before(async () => {
  await chooseBackend();
  trained = (await trainRecurrent(cycle, manifestFor(), tinyHyper({ cell: 'lstm', numLayers: 2, epochs: 2 }))).model;
  await saveRecurrentModel(trained, directory);
});
after(() => {
  disposeRecurrentModel(trained);
  rmSync(root, { recursive: true, force: true });
});

describe('the model directory', () => {
  it('holds model.json, weights.bin and manifest.json, and nothing half-written', () => {
    assert.deepEqual(readdirSync(directory).sort(), ['manifest.json', 'model.json', 'weights.bin']);
  });

  it('model.json is a tfjs layers model pointing at weights.bin (the layout tfjs-node\'s file:// handler writes)', () => {
    const modelJson = JSON.parse(readFileSync(join(directory, 'model.json'), 'utf8'));
    assert.equal(modelJson.format, 'layers-model');
    assert.deepEqual(modelJson.weightsManifest[0].paths, ['weights.bin']);
    assert.deepEqual(
      modelJson.modelTopology.config.layers.map((layer: { class_name: string }) => layer.class_name),
      ['InputLayer', 'LSTM', 'LSTM', 'Dense'],
    );
  });

  it('manifest.json is the preprocessing manifest the model was trained with', () => {
    assert.deepEqual(JSON.parse(readFileSync(join(directory, 'manifest.json'), 'utf8')), manifestFor());
  });

  it('reloaded in a fresh process, predicts the same numbers', async () => {
    const origins = [7, 33, 70];
    const helper = fileURLToPath(new URL('./predict-in-fresh-process.ts', import.meta.url));
    const output = execFileSync(process.execPath, ['--import', 'tsx', helper, directory, ...origins.map(String)], { encoding: 'utf8' });
    assert.deepEqual(JSON.parse(output), Array.from(await forecast(trained, cycle.test, origins)));
  });

  it('reloaded here, has the same architecture and weights', async () => {
    const loaded = await loadRecurrentModel(directory);
    assert.deepEqual(loaded.network.shape, trained.network.shape);
    assert.deepEqual(loaded.network.variables.map((v) => Array.from(v.dataSync())), trained.network.variables.map((v) => Array.from(v.dataSync())));
    disposeRecurrentModel(loaded);
  });

  describe('when its parts do not fit together', () => {
    it('a manifest whose window or features disagree with the network is refused', async () => {
      const copy = join(root, 'mismatch');
      await saveRecurrentModel(trained, copy);
      writeFileSync(join(copy, 'manifest.json'), JSON.stringify(manifestFor({ features: ['load'], inputLength: 24 })));
      await assert.rejects(loadRecurrentModel(copy), {
        name: 'InvalidArtifactError',
        message: `Model directory ${copy}: the network reads 8 steps × 2 features and forecasts 3 steps, but its manifest says input_length 24, 1 features (load), horizon 3.`,
      });
    });

    it('a directory without a model is refused, naming the missing file', async () => {
      await assert.rejects(loadRecurrentModel(root), { name: 'InvalidArtifactError', message: `The model directory ${root} lacks manifest.json.` });
    });

    it('a truncated manifest or topology is refused, naming the file', async () => {
      for (const file of ['manifest.json', 'model.json']) {
        const copy = join(root, `truncated-${file}`);
        await saveRecurrentModel(trained, copy);
        const text = readFileSync(join(copy, file), 'utf8');
        writeFileSync(join(copy, file), text.slice(0, text.length >> 1));
        await assert.rejects(loadRecurrentModel(copy), { name: 'InvalidArtifactError', message: new RegExp(`^${escape(join(copy, file))} is not valid JSON`) });
      }
    });

    it('truncated weights are refused, naming the file and both sizes', async () => {
      const copy = join(root, 'truncated-weights');
      await saveRecurrentModel(trained, copy);
      const weights = readFileSync(join(copy, 'weights.bin'));
      writeFileSync(join(copy, 'weights.bin'), weights.subarray(0, weights.length - 8));
      await assert.rejects(loadRecurrentModel(copy), {
        name: 'InvalidArtifactError',
        message: `${join(copy, 'weights.bin')} holds ${weights.length - 8} bytes; model.json declares ${weights.length} (a truncated or foreign weights file).`,
      });
    });
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
