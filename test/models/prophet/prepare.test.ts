/**
 * Data preparation, initial values, extra regressors and bad input, against Prophet's `TestProphetDataPrep`,
 * `test_growth_init*` and `TestProphetRegressors`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataError, InvalidParameterError, ModelStateError } from '../../../shared/errors.js';
import { DAY_MS, formatDate } from '../../../shared/models/prophet/dates.js';
import { flatGrowthInit, linearGrowthInit, logisticGrowthInit } from '../../../shared/models/prophet/init.js';
import { Prophet } from '../../../shared/models/prophet/prophet.js';
import type { DataFrame } from '../../../shared/models/prophet/types.js';
import { pythonJson } from '../../helpers/python.js';
import { sharedPath } from '../../helpers/shared-data.js';
import { allFeatures, count, dailyUnivariateTs, EXAMPLES, head, largeNumbersTs, peytonManning, setupHistory, skipNoData, trainTestSplit } from './fixtures.js';

const close = (actual: number, expected: number, tol: number, what = ''): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what} ${actual} vs ${expected} (±${tol})`);

describe('setup of the history', { skip: skipNoData }, () => {
  it('scales t onto [0, 1] and y by its largest absolute value', () => {
    const history = setupHistory(new Prophet(), trainTestSplit(dailyUnivariateTs(), 255)[0]);
    assert.equal(Math.min(...history.t), 0);
    assert.equal(Math.max(...history.t), 1);
    assert.equal(Math.max(...history.y_scaled!), 1);
  });

  describe('with logistic growth and a floor', () => {
    const withFloor = (shift: number): DataFrame => {
      const [train] = trainTestSplit(dailyUnivariateTs(), 255);
      return { ds: train.ds, y: Array.from(train.y!, (v) => v + shift), floor: new Array(255).fill(10 + shift), cap: new Array(255).fill(80 + shift) };
    };

    it('scales y − floor (absmax): the first row is the largest deviation, 1.0, before and after shifting everything by 10', () => {
      const m = new Prophet({ growth: 'logistic' });
      const history = setupHistory(m, withFloor(0));
      assert.equal(m.logistic_floor, true);
      assert.equal(history.y_scaled![0], 1.0);
      close(setupHistory(new Prophet({ growth: 'logistic' }), withFloor(10)).y_scaled![0]!, 1.0, 0.01);
    });

    it('scales between floor and cap (minmax), inside (0, 1), unchanged by the shift', () => {
      const mean = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
      const a = setupHistory(new Prophet({ growth: 'logistic', scaling: 'minmax' }), withFloor(0)).y_scaled!;
      const b = setupHistory(new Prophet({ growth: 'logistic', scaling: 'minmax' }), withFloor(10)).y_scaled!;
      assert.ok(Math.min(...a) > 0 && Math.max(...a) < 1);
      assert.ok(Math.min(...b) > 0 && Math.max(...b) < 1);
      assert.equal(mean(b), mean(a));
    });
  });
});

describe('initial parameters (data.csv first 468 rows, cap = max y)', { skip: skipNoData }, () => {
  const history = (scaling: 'absmax' | 'minmax') => {
    const df = head(dailyUnivariateTs(), 468);
    const cap = Math.max(...Array.from(df.y!));
    return setupHistory(new Prophet({ growth: 'logistic', scaling }), { ...df, cap: new Array(468).fill(cap) });
  };

  it('absmax: linear (0.3055671, 0.5307511), logistic (1.507925, −0.08167497), flat (0, 0.49335657)', () => {
    const h = history('absmax');
    const [k, m] = linearGrowthInit(h);
    close(k, 0.3055671, 1e-6, 'k');
    close(m, 0.5307511, 1e-6, 'm');
    const [kl, ml] = logisticGrowthInit(h);
    close(kl, 1.507925, 1e-4, 'k');
    close(ml, -0.08167497, 1e-4, 'm');
    const [kf, mf] = flatGrowthInit(h);
    assert.equal(kf, 0);
    close(mf, 0.49335657, 1e-4, 'm');
  });

  it('minmax: linear (0.4053406, 0.3775322), logistic (1.782523, 0.280521), flat (0, 0.3279277)', () => {
    const h = history('minmax');
    const [k, m] = linearGrowthInit(h);
    close(k, 0.4053406, 1e-6, 'k');
    close(m, 0.3775322, 1e-6, 'm');
    const [kl, ml] = logisticGrowthInit(h);
    close(kl, 1.782523, 1e-4, 'k');
    close(ml, 0.280521, 1e-4, 'm');
    close(flatGrowthInit(h)[1], 0.3279277, 1e-4, 'm');
  });
});

// The additional-topics notebook (`notebooks/additional_topics.ipynb`): `m = Prophet(); transformed = m.preprocess(df)`
// on Peyton Manning (absmax scaling, not data3), then `transformed.y.head(n=10)` and
// `m.calculate_initial_params(num_total_regressors=transformed.K)`.
describe('preprocess and initial parameters (additional-topics notebook: Peyton Manning, data3)', { skip: skipNoData }, () => {
  it('scales y as the notebook prints it: 0.746552, 0.663171, 0.637023, 0.628367, 0.614441, …', () => {
    const inputs = new Prophet().preprocess(peytonManning());
    const notebook = [0.746552, 0.663171, 0.637023, 0.628367, 0.614441, 0.605884, 0.654956, 0.687273, 0.652501, 0.628148];
    notebook.forEach((v, i) => close(inputs.y[i]!, v, 5e-7, `y_scaled[${i}]`));
    assert.equal(inputs.K, 26);
    assert.equal(inputs.S, 25);
  });

  it('starts the linear trend at the notebook\'s k = −0.05444079622224118, m = 0.7465517318876905, with δ = β = 0 and σ = 1', () => {
    const m = new Prophet();
    const inputs = m.preprocess(peytonManning());
    const init = m.calculateInitialParams(inputs.K);
    close(init.k, -0.05444079622224118, 1e-15, 'k');
    close(init.m, 0.7465517318876905, 1e-15, 'm');
    assert.deepEqual(Array.from(init.delta), new Array(25).fill(0));
    assert.deepEqual(Array.from(init.beta), new Array(26).fill(0));
    assert.equal(init.sigma_obs, 1);
  });

  // data3.csv (≈ 6.23e8), as the same notebook fits it with both scalings. Values measured with Python Prophet 1.5.0:
  // `Prophet(scaling=…).preprocess(data3)`, `calculate_initial_params(…)`, `y_min`, `y_scale`.
  it('scales data3 (≈ 6.23e8) as Python Prophet does: minmax y_min 623031970, y_scale 2114; absmax y_scale 623034084', () => {
    const minmax = new Prophet({ scaling: 'minmax' });
    const a = minmax.preprocess(largeNumbersTs());
    assert.equal(minmax.y_min, 623031970);
    assert.equal(minmax.y_scale, 2114);
    [0, 0.033113, 0.039735, 0.057237, 0.072375].forEach((v, i) => close(a.y[i]!, v, 5e-7, `minmax y_scaled[${i}]`));
    const minmaxInit = minmax.calculateInitialParams(a.K);
    assert.deepEqual([minmaxInit.k, minmaxInit.m], [1, 0]);
    const absmax = new Prophet({ scaling: 'absmax' });
    const b = absmax.preprocess(largeNumbersTs());
    assert.equal(absmax.y_min, 0);
    assert.equal(absmax.y_scale, 623034084);
    close(b.y[0]!, 0.999997, 5e-7, 'absmax y_scaled[0]');
    const absmaxInit = absmax.calculateInitialParams(b.K);
    close(absmaxInit.k, 3.393072793733687e-6, 1e-15, 'k');
    close(absmaxInit.m, 0.9999966069272063, 1e-15, 'm');
  });
});

describe('extra regressors', { skip: skipNoData }, () => {
  const model = () => new Prophet()
    .addRegressor('binary_feature', { prior_scale: 0.2 })
    .addRegressor('numeric_feature', { prior_scale: 0.5 })
    .addRegressor('numeric_feature2', { prior_scale: 0.5, mode: 'multiplicative' })
    .addRegressor('binary_feature2', { standardize: true });
  const data = () => ({
    ...dailyUnivariateTs(),
    binary_feature: Array.from({ length: 510 }, (_, i) => (i < 255 ? 0 : 1)),
    numeric_feature: Array.from({ length: 510 }, (_, i) => i),
    numeric_feature2: Array.from({ length: 510 }, (_, i) => i),
    binary_feature2: Array.from({ length: 510 }, (_, i) => (i < 100 ? 1 : 0)),
  });

  it('needs every regressor in the frame', () => {
    const { binary_feature2: _, ...partial } = data();
    assert.throws(() => model().fit(partial), (e: unknown) => e instanceof DataError && e.message === "Regressor 'binary_feature2' missing from dataframe");
  });

  it('standardizes as Prophet does: binary auto left alone, 0..509 → (254.5, 147.368585), binary forced → (0.1960784, 0.3974183)', () => {
    const m = model();
    setupHistory(m, data());
    assert.deepEqual(m.extra_regressors.get('binary_feature'), { prior_scale: 0.2, mu: 0, std: 1, standardize: 'auto', mode: 'additive' });
    const numeric = m.extra_regressors.get('numeric_feature')!;
    assert.equal(numeric.prior_scale, 0.5);
    assert.equal(numeric.mu, 254.5);
    close(numeric.std, 147.368585, 1e-5);
    assert.equal(m.extra_regressors.get('numeric_feature2')!.mode, 'multiplicative');
    const binary2 = m.extra_regressors.get('binary_feature2')!;
    assert.equal(binary2.prior_scale, 10);
    close(binary2.mu, 0.1960784, 1e-5);
    close(binary2.std, 0.3974183, 1e-5);
    const h = m.history!;
    assert.equal(h.extra['binary_feature']![0], 0);
    close(h.extra['numeric_feature']![0]!, -1.726962, 1e-4);
    close(h.extra['binary_feature2']![0]!, 2.022859, 1e-4);
  });

  it('adds one column per regressor (30 in all with yearly and weekly), each with its prior', () => {
    const m = model();
    const { features, prior_scales, component_cols } = allFeatures(m, setupHistory(m, data()));
    assert.equal(features.K, 30);
    for (const [name, prior] of [['binary_feature', 0.2], ['numeric_feature', 0.5], ['binary_feature2', 10]] as const) {
      const cols = component_cols.get(name)!;
      assert.equal(count(cols), 1);
      assert.equal(prior_scales.reduce((s, p, j) => s + p * cols[j]!, 0), prior);
    }
  });

  describe('when forecasting', () => {
    const fitted = model().fit(data());
    const future = { ds: [Date.UTC(2014, 5, 1)], binary_feature: [0], numeric_feature: [10], numeric_feature2: [10] };

    it('needs the regressors in the future frame too', () => {
      assert.throws(() => fitted.predict(future), /Regressor 'binary_feature2' missing from dataframe/);
    });

    it('returns 37 columns whose components add up: extra regressors, additive terms, yhat', () => {
      const fcst = fitted.predict({ ...future, binary_feature2: [0] });
      assert.equal(Object.keys(fcst).length, 37);
      const v = (name: string) => fcst[name]![0]!;
      assert.equal(v('binary_feature'), 0);
      close(v('extra_regressors_additive'), v('numeric_feature') + v('binary_feature2'), 1e-12);
      close(v('extra_regressors_multiplicative'), v('numeric_feature2'), 1e-12);
      close(v('additive_terms'), v('yearly') + v('weekly') + v('extra_regressors_additive'), 1e-12);
      close(v('multiplicative_terms'), v('extra_regressors_multiplicative'), 1e-12);
      close(v('yhat'), v('trend') * (1 + v('multiplicative_terms')) + v('additive_terms'), 1e-12);
    });
  });

  it('keeps std 1 for a constant regressor', () => {
    const m = new Prophet({ uncertainty_samples: 0 }).addRegressor('constant_feature').fit({ ...dailyUnivariateTs(), constant_feature: new Array(510).fill(0) });
    assert.equal(m.extra_regressors.get('constant_feature')!.std, 1);
  });

  it('rejects NaN and infinite regressor values, naming the column', () => {
    const m = () => new Prophet().addRegressor('x');
    const x = Array.from({ length: 510 }, (_, i) => i);
    assert.throws(() => m().fit({ ...dailyUnivariateTs(), x: x.map((v, i) => (i === 7 ? NaN : v)) }), /^DataError: Found NaN in column 'x'$/);
    assert.throws(() => m().fit({ ...dailyUnivariateTs(), x: x.map((v, i) => (i === 7 ? Infinity : v)) }), /^DataError: Found infinity in column 'x'$/);
  });

  it('must be added before fitting, with a free name', () => {
    const m = new Prophet({ uncertainty_samples: 0 }).fit(head(dailyUnivariateTs(), 30));
    assert.throws(() => m.addRegressor('late'), (e: unknown) => e instanceof ModelStateError && e.message === 'Regressors must be added prior to model fitting.');
    assert.throws(() => new Prophet().addRegressor('y'), /Name 'y' is reserved\./);
    assert.throws(() => new Prophet().addRegressor('a_delim_b'), /Name cannot contain "_delim_"/);
  });
});

describe('make_future_dataframe', { skip: skipNoData }, () => {
  const fitted = new Prophet({ uncertainty_samples: 0 }).fit(head(dailyUnivariateTs(), 234));

  it('continues daily after the last date', () => {
    const future = fitted.makeFutureDataframe(3, { include_history: false });
    assert.deepEqual(Array.from(future.ds, formatDate), ['2013-04-26', '2013-04-27', '2013-04-28']);
  });

  it('follows a calendar frequency (month ends)', () => {
    const future = fitted.makeFutureDataframe(3, { freq: 'M', include_history: false });
    assert.deepEqual(Array.from(future.ds, formatDate), ['2013-04-30', '2013-05-31', '2013-06-30']);
  });

  it('includes history dates whose y is NaN', () => {
    const train = head(dailyUnivariateTs(), 234);
    const y = Array.from(train.y!, (v, i) => (i % 23 === 5 ? NaN : v));
    const m = new Prophet({ uncertainty_samples: 0 }).fit({ ...train, y });
    assert.equal(m.makeFutureDataframe(3).ds.length, 234 + 3);
  });
});

describe('bad input', () => {
  const ds = Array.from({ length: 10 }, (_, i) => Date.UTC(2020, 0, 1) + i * DAY_MS);
  const y = ds.map((_, i) => i);
  const rejects = (f: () => unknown, type: new (...a: never[]) => Error, message: string) =>
    assert.throws(f, (e: unknown) => e instanceof type && e.message === message, message);

  it('needs ds and y columns', () => rejects(() => new Prophet().fit({ ds } as DataFrame), DataError, 'Dataframe must have columns "ds" and "y" with the dates and values respectively.'));
  it('needs two non-NaN rows', () => rejects(() => new Prophet().fit({ ds, y: y.map((v, i) => (i ? NaN : v)) }), DataError, 'Dataframe has less than 2 non-NaN rows.'));
  it('refuses infinite y', () => rejects(() => new Prophet().fit({ ds, y: y.map((v, i) => (i === 3 ? Infinity : v)) }), DataError, 'Found infinity in column y.'));
  it('refuses NaN dates', () => rejects(() => new Prophet().fit({ ds: ds.map((v, i) => (i === 3 ? NaN : v)), y }), DataError, 'Found NaN in column ds.'));
  it('needs cap for logistic growth', () => rejects(() => new Prophet({ growth: 'logistic' }).fit({ ds, y }), DataError, 'Capacities must be supplied for logistic growth in column "cap"'));
  it('needs cap above floor', () => rejects(() => new Prophet({ growth: 'logistic' }).fit({ ds, y, cap: y }), DataError, 'cap must be greater than floor (which defaults to 0).'));
  it('knows three growths', () => rejects(() => new Prophet({ growth: 'constant' as 'flat' }), InvalidParameterError, 'Parameter "growth" should be "linear", "logistic" or "flat".'));
  it("knows two scalings", () => rejects(() => new Prophet({ scaling: 'log' as 'absmax' }), InvalidParameterError, "scaling must be one of 'absmax' or 'minmax'"));
  it('reports every bad setting at once', () => {
    assert.throws(() => new Prophet({ growth: 'x' as 'flat', changepoint_range: 3 }), (e: unknown) =>
      e instanceof InvalidParameterError && e.issues.map((i) => i.path).join() === 'growth,changepoint_range');
  });
  it('fits once', () => {
    const m = new Prophet({ uncertainty_samples: 0 }).fit({ ds, y });
    rejects(() => m.fit({ ds, y }), ModelStateError, 'Prophet object can only be fit once. Instantiate a new object.');
  });
  it('predicts only after fitting', () => rejects(() => new Prophet().predict(), ModelStateError, 'Model has not been fit.'));
  it('refuses an empty frame to predict on', () => {
    const m = new Prophet({ uncertainty_samples: 0 }).fit({ ds, y });
    rejects(() => m.predict({ ds: [] }), DataError, 'Dataframe has no rows.');
  });
  it('refuses MCMC, which is not ported', () => rejects(() => new Prophet({ mcmc_samples: 100 }), InvalidParameterError, 'mcmc_samples must be 0 (MAP fitting); got 100.'));

  // Prophet keeps duplicate dates as repeated observations: a stable sort by ds (the earlier row first), scales and
  // changepoint rows over all rows, future dates from the unique history dates. 40 dates twice (y and y + 10) make
  // 80 rows, so both fit with Newton from the same start and should meet at the same MAP.
  it('fits duplicate dates as repeated observations, exactly as Python Prophet does', { skip: skipNoData, timeout: 120_000 }, async (t) => {
    const once = head(dailyUnivariateTs(), 40);
    const doubled = { ds: [...Array.from(once.ds), ...Array.from(once.ds)], y: [...Array.from(once.y!), ...Array.from(once.y!, (v) => v + 10)] };
    const py = await pythonJson<{
      ds: string[]; y: number[]; t: number[]; y_scaled: number[]; y_scale: number; changepoints: string[]; changepoints_index: number[];
      k0: number; m0: number; future: string[]; yhat: number[];
    }>(`
import json, logging
logging.getLogger("cmdstanpy").disabled = True
logging.getLogger("prophet").setLevel(logging.WARNING)
import pandas as pd
from prophet import Prophet
df = pd.read_csv(${JSON.stringify(sharedPath(`${EXAMPLES}python-tests/data.csv`))}, parse_dates=["ds"]).head(40)
m = Prophet(uncertainty_samples=0).fit(pd.concat([df, df.assign(y=df.y + 10)], ignore_index=True))
h = m.history
init = m.calculate_initial_params(num_total_regressors=1)
future = m.make_future_dataframe(10)
day = lambda s: s.dt.strftime("%Y-%m-%d").tolist()
print(json.dumps({"ds": day(h.ds), "y": h.y.tolist(), "t": h.t.tolist(), "y_scaled": h.y_scaled.tolist(), "y_scale": float(m.y_scale),
  "changepoints": day(m.changepoints), "changepoints_index": m.changepoints.index.tolist(), "k0": float(init.k), "m0": float(init.m),
  "future": day(future.ds), "yhat": m.predict(future).yhat.tolist()}))
`);
    const m = new Prophet({ uncertainty_samples: 0 }).fit(doubled);
    const h = m.history!;
    // The prepared frame, row for row: 2012-05-18 (38.23), 2012-05-18 (48.23), 2012-05-21 (34.03), 2012-05-21 (44.03), …
    assert.deepEqual(Array.from(h.ds, formatDate), py.ds);
    assert.deepEqual(Array.from(h.y!), py.y);
    assert.deepEqual(Array.from(h.t), py.t);
    assert.deepEqual(Array.from(h.y_scaled!), py.y_scaled);
    assert.equal(m.y_scale, py.y_scale);
    assert.deepEqual(Array.from(m.changepoints!, formatDate), py.changepoints);
    assert.deepEqual(m.changepoints_index, py.changepoints_index);
    const init = m.calculateInitialParams(1);
    assert.deepEqual([init.k, init.m], [py.k0, py.m0]);
    assert.equal(m.fit_info!.algorithm, 'Newton');
    // make_future_dataframe: 40 unique history dates + 10.
    const future = m.makeFutureDataframe(10);
    assert.deepEqual(Array.from(future.ds, formatDate), py.future);
    const yhat = m.predict(future).yhat;
    let worst = 0;
    for (let i = 0; i < yhat.length; i++) worst = Math.max(worst, Math.abs(yhat[i]! - py.yhat[i]!));
    t.diagnostic(`max |Δyhat| vs Python Prophet = ${worst.toExponential(2)} (y_scale ${m.y_scale})`);
    // Newton's stopping tolerance and CmdStan's 6 significant digits in the parameters (measured: 5.4e-7).
    assert.ok(worst <= 1e-4 * m.y_scale!, `max |Δyhat| = ${worst}`);
  });
});

describe('settings outside their range', () => {
  it('are reported together, each with its name and the value received', () => {
    assert.throws(
      () => new Prophet({ interval_width: 1.5, uncertainty_samples: -1, changepoint_prior_scale: 0, n_changepoints: 2.5 }),
      (e: unknown) =>
        e instanceof InvalidParameterError &&
        e.message === [
          'Parameter "changepoint_prior_scale" must be > 0; got 0.',
          'Parameter "interval_width" must be in (0, 1); got 1.5.',
          'Parameter "n_changepoints" must be a non-negative integer; got 2.5.',
          'Parameter "uncertainty_samples" must be a non-negative integer; got -1.',
        ].join(' '),
    );
  });
});
