import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { forecast, type RecurrentModel } from '../../../shared/models/recurrent/index.js';
import { buildNetwork } from '../../../shared/models/recurrent/network.js';
import type { SeriesFrame } from '../../../shared/series/frame.js';
import { chooseBackend } from '../../../shared/tf/backend.js';
import { cycle, manifestFor } from './fixtures.js';

let model: RecurrentModel;
before(async () => {
  await chooseBackend();
  const manifest = manifestFor();
  model = { manifest, network: buildNetwork({ cell: 'lstm', inputLength: 8, featureCount: 2, hiddenSize: 4, numLayers: 1, horizon: 3 }, 1) };
});
after(() => model.network.model.dispose());

describe('forecast', () => {
  it('returns H scaled values per origin, row-major', async () => {
    const values = await forecast(model, cycle.test, [7, 30, 60]);
    assert.equal(values.length, 3 * 3);
    assert.ok(values.every(Number.isFinite));
  });

  it('reads the features by name in the manifest\'s order, whatever the column order of the data', async () => {
    const reordered: SeriesFrame = { ...cycle.test, names: ['hour_sin', 'load', 'extra'], columns: { ...cycle.test.columns, extra: new Float64Array(72) } };
    assert.deepEqual(await forecast(model, reordered, [7, 30]), await forecast(model, cycle.test, [7, 30]));
  });

  it('gives each origin the same forecast alone or in a batch, to float32 rounding', async () => {
    const batch = await forecast(model, cycle.test, [10, 20, 30], { batchSize: 2 });
    const alone = await forecast(model, cycle.test, [20]);
    // libtensorflow's GEMM blocks a 1-row product differently from a 2-row one, so the last bit may differ there
    // (observed 7e-9); WASM happens to give identical bits.
    batch.subarray(3, 6).forEach((value, h) => assert.ok(Math.abs(value - alone[h]!) <= 1e-6, `step ${h + 1}: ${value} vs ${alone[h]}`));
  });

  describe('bad input', () => {
    it('data without a feature the manifest lists', async () => {
      const { hour_sin: _dropped, ...columns } = cycle.test.columns;
      await assert.rejects(forecast(model, { ...cycle.test, names: ['load'], columns }, [10]), {
        name: 'DataError',
        message: 'The data lacks feature "hour_sin" that the model reads; it has: load.',
      });
    });

    it('an origin with less history than input_length', async () => {
      await assert.rejects(forecast(model, cycle.test, [5]), { name: 'DataError', message: 'Origin row 5 has 6 rows of history; the model reads input_length = 8.' });
    });

    it('a non-finite value inside a window it reads, not one outside', async () => {
      const holed: SeriesFrame = { ...cycle.test, columns: { ...cycle.test.columns, load: Float64Array.from(cycle.test.columns['load']!) } };
      holed.columns['load']![50] = NaN;
      await assert.rejects(forecast(model, holed, [40, 55]), { name: 'DataError', message: 'The data: column "load" is NaN at row 50 (1970-01-16T02:00:00.000Z); impute or drop it first.' });
      await forecast(model, holed, [40]);
    });
  });
});
