import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BATCH_LIMITS, splitBatches, validateKey } from '../../shared/tracking/index.js';
import type { MetricPoint } from '../../shared/tracking/index.js';

function metrics(count: number): MetricPoint[] {
  return Array.from({ length: count }, (_, step) => ({ key: 'loss', value: step, timestamp: 1_700_000_000_000, step }));
}

function entries(prefix: string, count: number) {
  return Array.from({ length: count }, (_, i) => ({ key: `${prefix}${i}`, value: String(i) }));
}

describe('splitBatches', () => {
  it('keeps a small request in one batch', () => {
    const batches = splitBatches({ metrics: metrics(3), params: entries('p', 2), tags: entries('t', 1) });
    assert.equal(batches.length, 1);
    assert.deepEqual(batches[0]!.params.map((p) => p.key), ['p0', 'p1']);
  });

  describe('when a request exceeds the log-batch limits', () => {
    const input = { metrics: metrics(2500), params: entries('p', 250), tags: entries('t', 150) };
    const batches = splitBatches(input);

    it('keeps every batch within 1000 metrics, 100 params, 100 tags and 1000 entities', () => {
      for (const batch of batches) {
        assert.ok(batch.metrics.length <= BATCH_LIMITS.metrics);
        assert.ok(batch.params.length <= BATCH_LIMITS.params);
        assert.ok(batch.tags.length <= BATCH_LIMITS.tags);
        assert.ok(batch.metrics.length + batch.params.length + batch.tags.length <= BATCH_LIMITS.total);
      }
    });

    it('sends params and tags first and fills the rest with metrics, as MLflow’s Python client does', () => {
      assert.deepEqual(
        batches.map((b) => [b.params.length, b.tags.length, b.metrics.length]),
        [
          [100, 100, 800],
          [100, 50, 850],
          [50, 0, 850],
        ],
      );
    });

    it('keeps every entity once, in order', () => {
      assert.deepEqual(batches.flatMap((b) => b.metrics.map((m) => m.step)), input.metrics.map((m) => m.step));
      assert.deepEqual(batches.flatMap((b) => b.params.map((p) => p.key)), input.params.map((p) => p.key));
      assert.deepEqual(batches.flatMap((b) => b.tags.map((t) => t.key)), input.tags.map((t) => t.key));
    });
  });

  it('sends a param key once per request (the server rejects duplicates), keeping the last value', () => {
    const [batch] = splitBatches({ metrics: [], params: [{ key: 'lr', value: '0.1' }, { key: 'lr', value: '0.01' }], tags: [] });
    assert.deepEqual(batch!.params, [{ key: 'lr', value: '0.01' }]);
  });
});

describe('validateKey', () => {
  it('accepts MLflow keys with "/", ".", "-", ":" and spaces', () => {
    for (const key of ['val/loss', 'flts.config_hash', 'rmse-test', 'epoch:3', 'mean abs']) validateKey('metric', key);
  });

  it('refuses characters MLflow does not store', () => {
    assert.throws(() => validateKey('param', 'lr*2'), {
      name: 'TrackingError',
      message: 'Invalid param key "lr*2": it may contain only letters, digits, "_", "-", ".", "/", ":" and spaces.',
    });
  });

  it('refuses keys that are not normalised relative paths', () => {
    for (const key of ['/abs', 'a//b', 'a/../b', 'trailing/']) {
      assert.throws(() => validateKey('tag', key), {
        message: `Invalid tag key ${JSON.stringify(key)}: it must be a normalised relative path (no leading or trailing "/", no "//", "." or ".." segments).`,
      });
    }
  });

  it('refuses an empty key and one longer than 250 characters', () => {
    assert.throws(() => validateKey('metric', ''), { message: 'Invalid metric key "": it is empty.' });
    assert.throws(() => validateKey('metric', 'k'.repeat(251)), { message: /it has 251 characters \(at most 250\)/ });
  });
});
