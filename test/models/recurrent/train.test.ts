import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { disposeRecurrentModel, forecast, recurrentForecaster, trainRecurrent, type EpochRecord } from '../../../shared/models/recurrent/index.js';
import { createRandom } from '../../../shared/models/recurrent/random.js';
import { evaluateForecaster } from '../../../shared/series/evaluation.js';
import type { SeriesFrame } from '../../../shared/series/frame.js';
import { chooseBackend } from '../../../shared/tf/backend.js';
import { cycle, dailyCycle, HOUR, manifestFor, tinyHyper } from './fixtures.js';

before(async () => {
  await chooseBackend();
});

/**
 * Rows [from, to) where the target is `slope` times the previous step's feature x (uniform noise): trained on
 * slope 1 and validated on slope 0.5, the validation loss falls while the learnt slope approaches 0.5 and rises
 * once it passes it, so an early epoch is the best.
 */
function slopeFrame(from: number, to: number, slope: number): SeriesFrame {
  const random = createRandom(from + 5);
  const x = Float64Array.from({ length: to - from }, () => 2 * random() - 1);
  return {
    time: Float64Array.from({ length: to - from }, (_, k) => (from + k) * HOUR),
    names: ['x', 'y'],
    columns: { x, y: Float64Array.from(x, (_, k) => (k === 0 ? 0 : slope * x[k - 1]!)) },
  };
}
const slope = { train: slopeFrame(0, 200, 1), validation: slopeFrame(200, 260, 0.5) };
const slopeManifest = manifestFor({
  target: 'y',
  features: ['x'],
  inputLength: 2,
  horizon: 1,
  scaler: { method: 'none', columns: { x: { center: 0, scale: 1 }, y: { center: 0, scale: 1 } } },
});
const slopeHyper = tinyHyper({ hiddenSize: 4, epochs: 12, patience: 12, learningRate: 0.03, clipNorm: 0 });

describe('trainRecurrent', () => {
  describe('with a seed', () => {
    it('reproduces the same losses and forecasts on the same backend, dropout included', async () => {
      const hyper = tinyHyper({ dropout: 0.2 });
      const [first, second] = [await trainRecurrent(cycle, manifestFor(), hyper), await trainRecurrent(cycle, manifestFor(), hyper)];
      assert.deepEqual(losses(first.history), losses(second.history));
      assert.deepEqual(await forecast(first.model, cycle.test, [20, 40]), await forecast(second.model, cycle.test, [20, 40]));
      [first, second].forEach((result) => disposeRecurrentModel(result.model));
    });

    it('gives a different run for another seed', async () => {
      const [a, b] = [await trainRecurrent(cycle, manifestFor(), tinyHyper({ epochs: 1 })), await trainRecurrent(cycle, manifestFor(), tinyHyper({ epochs: 1, seed: 43 }))];
      assert.notDeepEqual(losses(a.history), losses(b.history));
      [a, b].forEach((result) => disposeRecurrentModel(result.model));
    });
  });

  describe('when the validation loss rises after an early epoch', () => {
    it('restores the best epoch\'s weights and reports that epoch, not the last', async () => {
      const result = await trainRecurrent(slope, slopeManifest, slopeHyper);
      const valLosses = result.history.map((record) => record.valLoss);
      const best = valLosses.indexOf(Math.min(...valLosses)) + 1;
      assert.ok(best > 1 && best < result.history.length, `best epoch ${best} of ${result.history.length} (${valLosses.join(', ')})`);
      assert.equal(result.summary.bestEpoch, best);
      assert.equal(result.summary.bestValLoss, valLosses[best - 1]);
      assert.equal(result.summary.bestLoss, result.history[best - 1]!.loss);
      // The model in hand scores the best epoch's validation loss: the validation windows are the evaluation
      // protocol's targets with the training split as context.
      const report = await evaluateForecaster(
        { context: [slope.train], heldOut: slope.validation, target: 'y', inputLength: 2, horizon: 1, frequencyMs: HOUR, scaler: slopeManifest.scaler },
        recurrentForecaster(result.model),
      );
      assert.ok(Math.abs(report.model.scaled.mse - valLosses[best - 1]!) < 1e-6, `${report.model.scaled.mse} vs best ${valLosses[best - 1]}, last ${valLosses.at(-1)}`);
      disposeRecurrentModel(result.model);
    });

    it('stops early after `patience` epochs without improvement', async () => {
      const result = await trainRecurrent(slope, slopeManifest, { ...slopeHyper, patience: 3 });
      assert.equal(result.summary.stopReason, 'early-stopping');
      assert.equal(result.history.length, result.summary.bestEpoch + 3);
      disposeRecurrentModel(result.model);
    });

    it('lowers the learning rate on a plateau', async () => {
      const result = await trainRecurrent(slope, slopeManifest, { ...slopeHyper, epochs: 6, lrDecayFactor: 0.5, lrDecayPatience: 2 });
      const best = result.summary.bestEpoch;
      // Two epochs without improvement after the best one halve the rate for the epoch after them.
      assert.equal(result.history[best]!.learningRate, 0.03);
      assert.equal(result.history[best + 2]!.learningRate, 0.015);
      disposeRecurrentModel(result.model);
    });
  });

  describe('gradient clipping', () => {
    it('reports the norm before clipping and how often it clipped', async () => {
      const result = await trainRecurrent(cycle, manifestFor(), tinyHyper({ epochs: 1, clipNorm: 1e-3 }));
      assert.ok(result.history[0]!.gradNorm > 1e-3);
      assert.equal(result.history[0]!.clippedFraction, 1);
      disposeRecurrentModel(result.model);
    });

    it('holds the weights back when the bound is tiny: Adam\'s step is ≈ lr·|g| / (|g| + ε), and |g| ≤ 1e-10 ≪ ε = 1e-8', async () => {
      const movement = async (clipNorm: number) => {
        const untrained = await trainRecurrent(cycle, manifestFor(), tinyHyper({ epochs: 1, learningRate: 1e-12 }));
        const trained = await trainRecurrent(cycle, manifestFor(), tinyHyper({ epochs: 1, clipNorm }));
        const delta = tf.tidy(() => tf.max(tf.abs(tf.sub(trained.model.network.head.kernel, untrained.model.network.head.kernel))).dataSync()[0]!);
        [untrained, trained].forEach((result) => disposeRecurrentModel(result.model));
        return delta;
      };
      const [free, clipped] = [await movement(0), await movement(1e-10)];
      assert.ok(clipped < free / 20, `largest head-weight change: ${clipped} clipped vs ${free} unclipped`);
    });
  });

  describe('memory', () => {
    it('does not grow the number of live tensors across epochs, and frees everything with the model', async () => {
      const before = tf.memory().numTensors;
      const result = await trainRecurrent(cycle, manifestFor(), tinyHyper({ epochs: 4, dropout: 0.1 }));
      // Epoch 1 creates Adam's moments and the best-weights copy; from then on the count is flat.
      const counts = result.history.map((record) => record.numTensors);
      assert.deepEqual(counts.slice(1), [counts[1], counts[1], counts[1]]);
      disposeRecurrentModel(result.model);
      assert.equal(tf.memory().numTensors, before);
    });
  });

  describe('progress', () => {
    it('reports one line per epoch and a summary naming the best epoch', async () => {
      const lines: string[] = [];
      const result = await trainRecurrent(cycle, manifestFor(), tinyHyper({ epochs: 2 }), { onEpoch: (_record, line) => void lines.push(line) });
      assert.equal(lines.length, 2);
      assert.match(lines[0]!, /^epoch 1\/2 loss=\S+ val_loss=\S+ \* lr=0\.0100 grad_norm=\S+( \(clipped \d+%\))? time=\d+\.\ds eta≤\d+\.\ds$/);
      // 3·(2·8 + 8² + 8) + 8·3 + 3 = 291 parameters; 240 − 8 − 3 + 1 = 230 training windows.
      assert.match(result.summaryLine, /^GRU 1×8 \(291 parameters\) trained in \S+: 2 epochs at \d+\.\d s\/epoch on 230 windows; stopped: all epochs run; best epoch \d \(val_loss=\S+, loss=\S+\), its weights restored$/);
      disposeRecurrentModel(result.model);
    });
  });

  describe('bad input', () => {
    const rejects = (promise: Promise<unknown>, name: string, message: string | RegExp) => assert.rejects(promise, { name, message });

    it('too few training rows: says how many one window needs', async () => {
      await rejects(
        trainRecurrent({ train: dailyCycle(0, 10), validation: cycle.validation }, manifestFor(), tinyHyper()),
        'DataError',
        'Training data has 10 rows; one window needs input_length + horizon = 8 + 3 = 11 rows.',
      );
    });

    it('too few validation rows: says how many are needed', async () => {
      await rejects(
        trainRecurrent({ train: cycle.train, validation: dailyCycle(240, 242) }, manifestFor(), tinyHyper()),
        'DataError',
        'Validation data has 2 rows; one validation window needs horizon = 3 rows (its input may come from the end of the training data).',
      );
    });

    it('a missing target', async () => {
      await rejects(trainRecurrent(cycle, manifestFor({ target: 'down' }), tinyHyper()), 'DataError', 'Training data has no target column "down"; columns: load, hour_sin.');
    });

    it('a non-finite feature value: names the column, the row and its time', async () => {
      const holed = dailyCycle(0, 240);
      holed.columns['hour_sin']![17] = Infinity;
      await rejects(
        trainRecurrent({ train: holed, validation: cycle.validation }, manifestFor(), tinyHyper()),
        'DataError',
        'Training data: column "hour_sin" is Infinity at row 17 (1970-01-01T17:00:00.000Z); impute or drop it first.',
      );
    });

    it('horizon or input length below 1, with any other bad parameter, all reported together', async () => {
      await rejects(
        trainRecurrent(cycle, manifestFor({ horizon: 0 }), tinyHyper({ hiddenSize: 0, dropout: 1 })),
        'InvalidParameterError',
        'Parameter "horizon" must be a positive integer; got 0. Parameter "hidden_size" must be >= 1 and <= 4096; got 0. Parameter "dropout" must be >= 0 and <= 0.9; got 1.',
      );
    });

    it('a validation split that does not follow the training split', async () => {
      await rejects(trainRecurrent({ train: cycle.validation, validation: cycle.train }, manifestFor(), tinyHyper()), 'DataError', /^Validation data must follow the training data in time/);
    });

    it('features the data lacks', async () => {
      await rejects(
        trainRecurrent(cycle, manifestFor({ features: ['load', 'rnti_count'] }), tinyHyper()),
        'DataError',
        'Training data lacks feature "rnti_count" that the model reads; it has: load, hour_sin.',
      );
    });
  });
});

function losses(history: EpochRecord[]): number[][] {
  return history.map((record) => [record.loss, record.valLoss]);
}
