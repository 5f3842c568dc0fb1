import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ClaimLedger, RetryLaterError, type ClaimKey } from '../../shared/events/index.js';
import { createStore, type ObjectStore } from '../../shared/store/index.js';
import { startMinio, type MinioServer } from '../services/minio.js';

const GRU_CLAIM: ClaimKey = { configHash: '9f2c41', modelKind: 'GRU', source: 's3://processed-data/elborn/processed_data.parquet' };

describe('ClaimLedger on real MinIO', { timeout: 120_000 }, () => {
  let minio: MinioServer;
  let store: ObjectStore;
  let root = 0;

  before(async () => {
    minio = await startMinio();
    store = createStore({ env: minio.env });
  });
  after(async () => {
    await minio?.stop();
  });

  /** A ledger under a prefix no other test uses, as one consumer `owner`. */
  function ledger(owner: string, prefix = `s3://flts-events/ledger-${(root += 1)}`, leaseMs = 60_000): ClaimLedger {
    return new ClaimLedger({ store, root: prefix, owner, leaseMs });
  }

  describe('storage primitive createIfAbsent', () => {
    it('lets exactly one of many concurrent writers create a name', async () => {
      const uri = 's3://flts-events/race/marker.json';
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => store.createIfAbsent(uri, JSON.stringify({ writer: i }))));
      assert.equal(results.filter(Boolean).length, 1);
      const winner = results.indexOf(true);
      assert.deepEqual(await store.readJson(uri), { writer: winner });
    });
  });

  describe('when a claim is new', () => {
    it('runs the work and records its result, creating the bucket on first use', async () => {
      const outcome = await ledger('consumer-a').run(GRU_CLAIM, async () => ({ run_id: 'run-1' }));
      assert.deepEqual(outcome, { result: { run_id: 'run-1' }, fresh: true });
    });
  });

  describe('when a claim is redelivered after it was done', () => {
    it('returns the recorded result without running the work again, also to another consumer and after a restart', async () => {
      const prefix = 's3://flts-events/ledger-redelivery';
      await ledger('consumer-a', prefix).run(GRU_CLAIM, async () => ({ run_id: 'run-1' }));
      let ranAgain = false;
      const again = await ledger('consumer-b', prefix).run(GRU_CLAIM, async () => {
        ranAgain = true;
        return { run_id: 'run-2' };
      });
      assert.equal(ranAgain, false);
      assert.deepEqual(again, { result: { run_id: 'run-1' }, fresh: false });
    });

    it('keys by config hash, model kind and source object: a different kind is a different claim', async () => {
      const prefix = 's3://flts-events/ledger-keys';
      await ledger('consumer-a', prefix).run(GRU_CLAIM, async () => 'gru');
      const lstm = await ledger('consumer-a', prefix).run({ ...GRU_CLAIM, modelKind: 'LSTM' }, async () => 'lstm');
      const otherConfig = await ledger('consumer-a', prefix).run({ ...GRU_CLAIM, configHash: '00aa11' }, async () => 'other config');
      assert.deepEqual([lstm, otherConfig], [{ result: 'lstm', fresh: true }, { result: 'other config', fresh: true }]);
    });
  });

  describe('when one consumer is handed the same claim twice at once (a redelivery in the same wave)', () => {
    it('does the work once; the second gets the first one\'s result', async () => {
      const same = ledger('consumer-a', 's3://flts-events/ledger-twice');
      let runs = 0;
      const work = async () => {
        runs++;
        await new Promise((resolve) => setTimeout(resolve, 200));
        return 'done once';
      };
      const outcomes = await Promise.all([same.run(GRU_CLAIM, work), same.run(GRU_CLAIM, work)]);
      assert.equal(runs, 1);
      assert.deepEqual(outcomes, [{ result: 'done once', fresh: true }, { result: 'done once', fresh: false }]);
    });
  });

  describe('when two consumers take the same claim at once', () => {
    it('lets one work and tells the other to retry later, naming the holder', async () => {
      const prefix = 's3://flts-events/ledger-race';
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const first = ledger('consumer-a', prefix).run(GRU_CLAIM, async () => {
        await gate;
        return 'a';
      });
      await new Promise((resolve) => setTimeout(resolve, 300));
      await assert.rejects(ledger('consumer-b', prefix).run(GRU_CLAIM, async () => 'b'), (error: unknown) => {
        assert.ok(error instanceof RetryLaterError);
        assert.match(error.message, /^Claim \(9f2c41, GRU, s3:\/\/processed-data\/elborn\/processed_data\.parquet\) is held by consumer-a until \S+Z\.$/);
        assert.ok(error.retryAfterMs > 0 && error.retryAfterMs <= 5000);
        return true;
      });
      release();
      assert.deepEqual(await first, { result: 'a', fresh: true });
    });
  });

  describe('when the work takes longer than a lease', () => {
    it('keeps the claim, renewing its lease while the work runs', async () => {
      const prefix = 's3://flts-events/ledger-renewal';
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const slow = ledger('consumer-a', prefix, 600).run(GRU_CLAIM, async () => {
        await gate;
        return 'a';
      });
      // Three leases' time later, the other consumer still finds the claim held.
      await new Promise((resolve) => setTimeout(resolve, 1800));
      await assert.rejects(ledger('consumer-b', prefix, 600).run(GRU_CLAIM, async () => 'b'), RetryLaterError);
      release();
      assert.deepEqual(await slow, { result: 'a', fresh: true });
      const leases = (await store.list(prefix)).map((o) => o.path.split('/').at(-1)).filter((name) => name!.startsWith('lease-'));
      assert.ok(leases.length >= 3, `renewed: ${leases.join(', ')}`);
    });
  });

  describe('when the consumer holding a claim died', () => {
    it('lets another consumer take it over once the lease has expired', async () => {
      const prefix = 's3://flts-events/ledger-takeover';
      await ledger('consumer-dead', prefix, 500).acquire(GRU_CLAIM); // took the claim, then crashed
      await new Promise((resolve) => setTimeout(resolve, 700));
      const outcome = await ledger('consumer-b', prefix).run(GRU_CLAIM, async () => 'b');
      assert.deepEqual(outcome, { result: 'b', fresh: true });
      const markers = (await store.list(prefix)).map((o) => o.path.split('/').at(-1));
      assert.deepEqual(markers, ['done.json', 'lease-000001.json', 'lease-000002.json']);
    });
  });
});
