import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MicroBatcher } from '../../shared/events/index.js';

describe('MicroBatcher', () => {
  describe('when items arrive faster than the size limit', () => {
    it('runs batches of at most maxSize, in arrival order, and gives each caller its own result', async () => {
      const batches: number[][] = [];
      const batcher = new MicroBatcher<number, number>({ maxSize: 4, maxWaitMs: 1000, run: async (items) => (batches.push(items), items.map((i) => i * 10)) });
      const results = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8].map((i) => batcher.add(i)));
      assert.deepEqual(batches, [[1, 2, 3, 4], [5, 6, 7, 8]]);
      assert.deepEqual(results, [10, 20, 30, 40, 50, 60, 70, 80]);
    });
  });

  describe('when fewer than maxSize items arrive', () => {
    it('runs them once maxWaitMs has passed since the first', async () => {
      const batcher = new MicroBatcher<string, string>({ maxSize: 32, maxWaitMs: 30, run: async (items) => items.map((s) => s.toUpperCase()) });
      const started = Date.now();
      assert.deepEqual(await Promise.all([batcher.add('a'), batcher.add('b')]), ['A', 'B']);
      const waited = Date.now() - started;
      assert.ok(waited >= 25 && waited < 500, `waited ${waited} ms`);
    });
  });

  describe('when the batch function fails or miscounts', () => {
    it('rejects every item of that batch with the error', async () => {
      const failing = new MicroBatcher<number, number>({ maxSize: 2, run: async () => Promise.reject(new Error('model not loaded')) });
      const outcomes = await Promise.allSettled([failing.add(1), failing.add(2)]);
      assert.deepEqual(outcomes.map((o) => (o.status === 'rejected' ? (o.reason as Error).message : 'ok')), ['model not loaded', 'model not loaded']);
      const short = new MicroBatcher<number, number>({ maxSize: 2, run: async () => [1] });
      await assert.rejects(Promise.all([short.add(1), short.add(2)]), { message: 'Batch function returned 1 results for 2 items.' });
    });
  });
});
