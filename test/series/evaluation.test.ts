import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateForecaster, evaluationMetrics, planEvaluation, scorableOrigins, type EvaluationTask, type Forecaster } from '../../shared/series/evaluation.js';
import type { SeriesFrame } from '../../shared/series/frame.js';

const SIX_HOURS = 6 * 3_600_000; // four steps per day, so the seasonal lag is 4 rows

/** Rows [from, to) of a series whose scaled target equals its row number: y_r = r. */
function rows(from: number, to: number, step = SIX_HOURS): SeriesFrame {
  const index = Array.from({ length: to - from }, (_, k) => from + k);
  return {
    time: Float64Array.from(index, (r) => r * step),
    names: ['y'],
    columns: { y: Float64Array.from(index) },
  };
}

/**
 * Training rows 0–5, validation rows 6–7, held-out rows 8–12; L = 3, H = 2. Scaled y_r = r; original units
 * 10·r + 100 (center 100, scale 10), all non-zero.
 */
const task: EvaluationTask = {
  context: [rows(0, 6), rows(6, 8)],
  heldOut: rows(8, 13),
  target: 'y',
  inputLength: 3,
  horizon: 2,
  frequencyMs: SIX_HOURS,
  scaler: { method: 'minmax', columns: { y: { center: 100, scale: 10 } } },
};

/** Forecasts y_o + h − 0.5 for step h: every error is 0.5. */
const halfStepOff: Forecaster = (frame, origins) => Array.from(origins).flatMap((o) => [frame.columns['y']![o]! + 0.5, frame.columns['y']![o]! + 1.5]);

describe('evaluation protocol', () => {
  describe('the targets of a tiny task (train 0–5, validation 6–7, held-out 8–12, L = 3, H = 2)', () => {
    const plan = planEvaluation(task);

    it('scores origins 7 … 10: the first has its whole window (rows 5–7) in the preceding splits, the last its targets at rows 11–12', () => {
      assert.deepEqual(Array.from(plan.origins), [7, 8, 9, 10]);
    });

    it('scores steps 1 and 2 of every origin: the targets are rows 8 … 12, each of rows 9–11 twice', () => {
      assert.deepEqual(Array.from(plan.actual), [8, 9, 9, 10, 10, 11, 11, 12]);
    });

    it('never scores a target in the preceding splits (origin 6 would forecast row 7)', () => {
      assert.equal(plan.heldOutStart, 8);
      assert.ok(plan.origins.every((o) => o + 1 >= plan.heldOutStart));
    });

    it('persistence repeats the value at the origin for both steps', () => {
      assert.deepEqual(Array.from(plan.persistence), [7, 7, 8, 8, 9, 9, 10, 10]);
    });

    it('seasonal naive takes the value one day (4 rows) before each target', () => {
      assert.equal(plan.seasonalPeriod, 4);
      assert.deepEqual(Array.from(plan.seasonalNaive!), [4, 5, 5, 6, 6, 7, 7, 8]);
    });
  });

  describe('the report', () => {
    it('scores the baselines as computed by hand', async () => {
      const report = await evaluateForecaster(task, halfStepOff);
      // Persistence errs by h at step h: four errors of 1 and four of 2 → MSE (4·1 + 4·4) / 8 = 2.5, MAE 1.5.
      assert.deepEqual(report.baselines.persistence.scaled, { rmse: Math.sqrt(2.5), mae: 1.5, mse: 2.5 });
      // Seasonal naive always errs by 4 (y is a trend, not a daily cycle).
      assert.deepEqual(report.baselines.seasonalNaive!.scaled, { rmse: 4, mae: 4, mse: 16 });
      assert.deepEqual(
        report.baselines.persistence.perStep.map((s) => s.scaled),
        [
          { rmse: 1, mae: 1, mse: 1 },
          { rmse: 2, mae: 2, mse: 4 },
        ],
      );
    });

    it('scores the model in scaled units and in original units (errors times the scale, 10)', async () => {
      const report = await evaluateForecaster(task, halfStepOff);
      assert.deepEqual(report.model.scaled, { rmse: 0.5, mae: 0.5, mse: 0.25 });
      assert.deepEqual({ rmse: report.model.original.rmse, mae: report.model.original.mae, mse: report.model.original.mse }, { rmse: 5, mae: 5, mse: 25 });
    });

    it('computes MAPE in original units: errors of 5 against actuals 10·r + 100 for the eight targets', async () => {
      const report = await evaluateForecaster(task, halfStepOff);
      const targets = [8, 9, 9, 10, 10, 11, 11, 12];
      const expected = (100 * targets.reduce((sum, r) => sum + 5 / (10 * r + 100), 0)) / targets.length;
      assert.ok(Math.abs(report.model.original.mape! - expected) < 1e-12);
      assert.equal(report.model.original.mapeSkipped, 0);
    });

    it('gives skill = 1 − RMSE / RMSE_baseline against both baselines', async () => {
      const report = await evaluateForecaster(task, halfStepOff);
      assert.equal(report.skill.vsPersistence, 1 - 0.5 / Math.sqrt(2.5));
      assert.equal(report.skill.vsSeasonalNaive, 1 - 0.5 / 4);
    });

    it('describes the task and keeps the series for a plot, in original units', async () => {
      const report = await evaluateForecaster(task, halfStepOff);
      assert.deepEqual(report.task, {
        target: 'y',
        inputLength: 3,
        horizon: 2,
        frequencyMs: SIX_HOURS,
        heldOutRows: 5,
        contextRows: 8,
        origins: 4,
        targets: 8,
        originsSkippedForGaps: 0,
        firstOriginTime: 7 * SIX_HOURS,
        lastOriginTime: 10 * SIX_HOURS,
        seasonalPeriod: 4,
      });
      assert.deepEqual(Array.from(report.series.originTime), [7, 8, 9, 10].map((r) => r * SIX_HOURS));
      assert.deepEqual(Array.from(report.series.actual), [180, 190, 190, 200, 200, 210, 210, 220]);
      assert.deepEqual(Array.from(report.series.forecast), [175, 185, 185, 195, 195, 205, 205, 215]);
    });

    it('flattens to metric names for MLflow and KFP', async () => {
      const metrics = evaluationMetrics(await evaluateForecaster(task, halfStepOff));
      assert.equal(metrics['test_rmse'], 0.5);
      assert.equal(metrics['test_rmse_original'], 5);
      assert.equal(metrics['persistence_mae'], 1.5);
      assert.equal(metrics['seasonal_naive_rmse'], 4);
      assert.equal(metrics['test_rmse_step2'], 0.5);
      assert.equal(metrics['test_targets'], 8);
    });
  });

  describe('forecasters', () => {
    it('a model that forecasts by timestamp (as Prophet) is asked for, and scored on, the same targets', async () => {
      const byTimestamp: Forecaster = (frame, origins) => Array.from(origins).flatMap((o) => [1, 2].map((h) => frame.time[o + h]! / SIX_HOURS));
      const report = await evaluateForecaster(task, byTimestamp);
      assert.equal(report.task.targets, 8);
      assert.equal(report.model.scaled.rmse, 0);
      assert.equal(report.skill.vsPersistence, 1);
    });

    it('are called in batches of origins on the joined frame', async () => {
      const calls: number[][] = [];
      const recording: Forecaster = (frame, origins) => {
        assert.equal(frame.time.length, 13);
        calls.push(Array.from(origins));
        return halfStepOff(frame, origins);
      };
      await evaluateForecaster(task, recording, { batchSize: 3 });
      assert.deepEqual(calls, [[7, 8, 9], [10]]);
    });

    it('must return H values per origin', async () => {
      await assert.rejects(evaluateForecaster(task, () => [1, 2, 3]), {
        name: 'ModelStateError',
        message: 'The forecaster returned 3 values for 4 origins × horizon 2 = 8.',
      });
    });

    it('must not return NaN', async () => {
      await assert.rejects(evaluateForecaster(task, (_frame, origins) => new Array(origins.length * 2).fill(NaN)), {
        name: 'ModelStateError',
        message: /^The forecast from origin 1970-01-02T18:00:00.000Z at step 1 is NaN/,
      });
    });
  });

  describe('when an actual value is zero in original units', () => {
    it('MAPE skips those targets and counts them', async () => {
      // Original 10·r − 80 (center −80) is 0 at row 8, which only (origin 7, step 1) targets.
      const zeroAtRow8 = { ...task, scaler: { method: 'minmax' as const, columns: { y: { center: -80, scale: 10 } } } };
      const report = await evaluateForecaster(zeroAtRow8, halfStepOff);
      assert.equal(report.model.original.mapeSkipped, 1);
      assert.equal(report.baselines.persistence.original.mapeSkipped, 1);
    });
  });

  describe('when the held-out split has a gap in time', () => {
    it('leaves out the origins whose window spans it and counts them', () => {
      // Rows 11 and 12 come one step late: the step 10 → 11 lies in the windows of origins 9 and 10.
      const late = rows(8, 13);
      late.time[3] = 12 * SIX_HOURS;
      late.time[4] = 13 * SIX_HOURS;
      const plan = planEvaluation({ ...task, heldOut: late });
      assert.deepEqual(Array.from(plan.origins), [7, 8]);
      assert.equal(plan.originsSkippedForGaps, 2);
    });
  });

  describe('the seasonal-naive baseline', () => {
    it('is left out, with the reason, when the history is shorter than a day', () => {
      const hourly = { ...task, context: [rows(0, 6, 3_600_000), rows(6, 8, 3_600_000)], heldOut: rows(8, 13, 3_600_000), frequencyMs: 3_600_000 };
      const plan = planEvaluation(hourly);
      assert.equal(plan.seasonalNaive, null);
      assert.equal(plan.seasonalNaiveUnavailable, '8 of 8 targets have no value one day (24 steps) earlier in the data');
    });

    it('is left out when a day is not a whole number of steps', () => {
      const sevenMinutes = 7 * 60_000;
      const plan = planEvaluation({ ...task, context: [rows(0, 8, sevenMinutes)], heldOut: rows(8, 13, sevenMinutes), frequencyMs: sevenMinutes });
      assert.equal(plan.seasonalNaiveUnavailable, 'a day is not a whole number of 420000 ms steps');
    });

    it('for steps beyond one day looks back whole days to a value at or before the origin', () => {
      // m = 4 steps per day, H = 6: steps 5 and 6 look back 8 rows, never past the origin.
      const long = { ...task, context: [rows(0, 12)], heldOut: rows(12, 20), horizon: 6 };
      const plan = planEvaluation(long);
      assert.deepEqual(Array.from(plan.origins), [11, 12, 13]);
      assert.deepEqual(Array.from(plan.seasonalNaive!.subarray(0, 6)), [8, 9, 10, 11, 8, 9]);
    });
  });

  describe('bad input', () => {
    it('says what is missing when no origin can be scored', () => {
      assert.throws(() => planEvaluation({ ...task, heldOut: rows(8, 9) }), {
        name: 'DataError',
        message: 'The held-out data has no origin to score: it has 1 rows and needs at least horizon = 2, with input_length = 3 contiguous rows before the first target (the splits before it give 8).',
      });
    });

    it('names the row of a missing target value', () => {
      const holed = rows(8, 13);
      holed.columns['y']![2] = NaN;
      assert.throws(() => planEvaluation({ ...task, heldOut: holed }), {
        name: 'DataError',
        message: 'Target "y" is NaN at row 2 of the held-out data (1970-01-03T12:00:00.000Z); impute it before evaluation.',
      });
    });

    it('refuses splits out of time order', () => {
      assert.throws(() => planEvaluation({ ...task, context: [rows(0, 9)] }), { name: 'DataError', message: /^The splits overlap or are out of order/ });
    });

    it('refuses a target the data does not have', () => {
      assert.throws(() => planEvaluation({ ...task, target: 'down' }), { name: 'DataError', message: 'Target "down" is not in the data; columns: y.' });
    });
  });
});

describe('scorableOrigins: the origins checked before fitting, from the timestamps alone', () => {
  it('are the origins planEvaluation scores, gaps left out, without reading a column', () => {
    assert.deepEqual(Array.from(scorableOrigins(task)), Array.from(planEvaluation(task).origins));
    const noColumns = { ...task, context: task.context.map((frame) => ({ ...frame, names: [], columns: {} })) };
    assert.deepEqual(Array.from(scorableOrigins(noColumns)), [7, 8, 9, 10]);
    // A gap between validation and held-out (rows 8–12 moved one step later) leaves only origins inside the held-out rows.
    const later = { ...task, heldOut: { ...rows(8, 13), time: rows(9, 14).time } };
    assert.deepEqual(Array.from(scorableOrigins(later)), Array.from(planEvaluation(later).origins));
  });

  it('throws what planEvaluation throws when there is none', () => {
    assert.throws(() => scorableOrigins({ ...task, heldOut: rows(8, 9) }), { name: 'DataError', message: /^The held-out data has no origin to score: it has 1 rows/ });
    assert.throws(() => scorableOrigins({ ...task, context: [rows(0, 9)] }), { name: 'DataError', message: /^The splits overlap or are out of order/ });
  });
});
