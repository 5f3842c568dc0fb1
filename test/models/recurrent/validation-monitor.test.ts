import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ValidationMonitor, type MonitorSettings } from '../../../shared/models/recurrent/validation-monitor.js';

const settings = (overrides: Partial<MonitorSettings> = {}): MonitorSettings => ({ patience: 3, minDelta: 0, lrDecayFactor: 1, lrDecayPatience: 2, learningRate: 0.1, ...overrides });

/** Feeds `losses` epoch by epoch; returns each verdict. */
function watch(losses: number[], overrides: Partial<MonitorSettings> = {}) {
  const monitor = new ValidationMonitor(settings(overrides));
  return { verdicts: losses.map((loss, i) => monitor.observe(i + 1, loss)), monitor };
}

describe('ValidationMonitor', () => {
  it('keeps the lowest loss as best and stops after `patience` epochs without improvement', () => {
    const { verdicts, monitor } = watch([1.0, 0.8, 0.85, 0.9, 0.95]);
    assert.deepEqual(verdicts.map((v) => v.improved), [true, true, false, false, false]);
    assert.deepEqual(verdicts.map((v) => v.stop), [false, false, false, false, true]);
    assert.deepEqual([monitor.bestEpoch, monitor.best], [2, 0.8]);
  });

  it('counts an improvement only when it beats the best by more than min_delta', () => {
    const { verdicts } = watch([1.0, 0.95, 0.85], { minDelta: 0.1 });
    assert.deepEqual(verdicts.map((v) => v.improved), [true, false, true]);
  });

  it('does not count a tie as an improvement, so the earlier epoch stays best', () => {
    const { monitor } = watch([1.0, 1.0]);
    assert.equal(monitor.bestEpoch, 1);
  });

  it('never counts a non-finite loss as an improvement', () => {
    const { monitor } = watch([NaN, 0.5, NaN]);
    assert.equal(monitor.bestEpoch, 2);
  });

  it('multiplies the learning rate by the factor after `lr_decay_patience` epochs without improvement, then waits again', () => {
    const { verdicts } = watch([1.0, 1.1, 1.2, 1.3, 1.4, 0.5], { patience: 10, lrDecayFactor: 0.5, lrDecayPatience: 2 });
    assert.deepEqual(verdicts.map((v) => v.learningRate), [0.1, 0.1, 0.05, 0.05, 0.025, 0.025]);
  });

  it('leaves the learning rate alone with factor 1', () => {
    const { verdicts } = watch([1, 2, 3, 4], { patience: 10 });
    assert.ok(verdicts.every((v) => v.learningRate === 0.1));
  });
});
