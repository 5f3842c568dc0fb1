/** Changepoint placement, against Prophet's `test_get_changepoints` family and the R reference for Peyton Manning. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { InvalidParameterError } from '../../../shared/errors.js';
import { changepointGrid, changepointsT } from '../../../shared/models/prophet/changepoints.js';
import { Prophet } from '../../../shared/models/prophet/prophet.js';
import { sharedPath } from '../../helpers/shared-data.js';
import { EXAMPLES, dailyUnivariateTs, days, head, peytonManning, setupHistory, skipNoData, trainTestSplit } from './fixtures.js';

describe('changepoints', { skip: skipNoData }, () => {
  describe('with the defaults (25 in the first 80% of the history)', () => {
    it('places 25 changepoints after the first row and within the first 80% of rows', () => {
      const [train] = trainTestSplit(dailyUnivariateTs(), 255);
      const history = setupHistory(new Prophet(), train);
      const grid = changepointGrid(history.ds, 25, 0.8);
      const cp = changepointsT(grid.changepoints, history.ds[0]!, history.ds[history.ds.length - 1]! - history.ds[0]!);
      assert.equal(cp.length, 25);
      assert.ok(cp[0]! > 0);
      assert.ok(cp[cp.length - 1]! <= history.t[Math.ceil(0.8 * history.ds.length)]!);
    });

    it("chooses Peyton Manning's dates exactly as R Prophet 1.0 does", () => {
      const reference = JSON.parse(readFileSync(sharedPath(`${EXAMPLES}reference/reference_R_prophet_1.0.json`)!, 'utf8'));
      const history = setupHistory(new Prophet(), peytonManning());
      const grid = changepointGrid(history.ds, 25, 0.8);
      assert.deepEqual(days(grid.changepoints), reference.LBFGS.changepoints);
      const cp = changepointsT(grid.changepoints, history.ds[0]!, history.ds[history.ds.length - 1]! - history.ds[0]!);
      cp.forEach((v, i) => assert.ok(Math.abs(v - reference.LBFGS.changepoints_t[i]) < 1e-12));
    });
  });

  it('keeps them in the first 40% with changepoint_range 0.4', () => {
    const [train] = trainTestSplit(dailyUnivariateTs(), 255);
    const history = setupHistory(new Prophet({ changepoint_range: 0.4 }), train);
    const grid = changepointGrid(history.ds, 25, 0.4);
    assert.equal(grid.n_changepoints, 25);
    assert.ok(grid.changepoints[24]! <= history.ds[Math.ceil(0.4 * history.ds.length)]!);
  });

  it('rejects a changepoint_range outside [0, 1] with Prophet\'s message', () => {
    for (const changepoint_range of [-0.1, 2]) {
      assert.throws(() => new Prophet({ changepoint_range }), (error: unknown) =>
        error instanceof InvalidParameterError && error.message === 'Parameter "changepoint_range" must be in [0, 1]');
    }
  });

  it('uses the dummy changepoint [0] when there are none', () => {
    const history = setupHistory(new Prophet({ n_changepoints: 0 }), trainTestSplit(dailyUnivariateTs(), 255)[0]);
    const grid = changepointGrid(history.ds, 0, 0.8);
    assert.deepEqual(Array.from(changepointsT(grid.changepoints, 0, 1)), [0]);
  });

  it('keeps 15 changepoints on 20 rows (hist_size 16)', () => {
    const history = setupHistory(new Prophet({ n_changepoints: 15 }), head(dailyUnivariateTs(), 20));
    assert.equal(changepointGrid(history.ds, 15, 0.8).n_changepoints, 15);
  });

  it('reduces the count when the history is too short (10 rows: hist_size 8, so 7)', () => {
    const history = setupHistory(new Prophet(), head(dailyUnivariateTs(), 10));
    assert.equal(changepointGrid(history.ds, 25, 0.8).n_changepoints, 7);
  });

  it('fits with a user changepoint that is not a history date, and rejects one outside the history', () => {
    const df = dailyUnivariateTs();
    const keep = Array.from(df.ds, (d, i) => [d, i] as const).filter(([d]) => d < Date.UTC(2013, 0, 1) || d > Date.UTC(2014, 0, 1)).map(([, i]) => i);
    const train = { ds: keep.map((i) => df.ds[i]!), y: keep.map((i) => df.y![i]!) };
    const m = new Prophet({ changepoints: [Date.UTC(2013, 5, 6)], uncertainty_samples: 0 }).fit(train);
    assert.equal(m.n_changepoints, 1);
    assert.equal(m.predict({ ds: df.ds }).yhat.length, df.ds.length);
    assert.throws(() => new Prophet({ changepoints: [Date.UTC(2020, 0, 1)] }).fit(train), /Changepoints must fall within training data\./);
  });
});
