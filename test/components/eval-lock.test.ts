/**
 * The promotion lock (components/eval/lock.ts) on both kinds of promotion bucket, a local directory and a real
 * MinIO bucket: one holder at a time among evals racing for it, a holder that keeps working keeps the lock past
 * its TTL by renewing it, a holder that died leaves its intent to the next one, and `.lock/` keeps only the
 * latest promotion's objects.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { acquirePromotionLock, PromotionLockTimeout, type PromotionIntent } from '../../components/eval/lock.js';
import { sleep } from '../../shared/retry.js';
import { createStore, type ObjectStore } from '../../shared/store/index.js';
import { repoRoot } from '../helpers/python.js';
import { startMinio, type MinioServer } from '../services/minio.js';

const INTENT = { record: { winner: 'gru' }, pointerUris: ['x/current.json'] } as unknown as PromotionIntent;

function lockCases(setup: () => { store: ObjectStore; prefix: string; env: NodeJS.ProcessEnv }): void {
  let n = 0;
  /** A bucket prefix of its own for each case. */
  const fresh = () => `${setup().prefix}/case-${++n}`;

  it('gives the lock to one eval at a time when ten race for it', async () => {
    const { store } = setup();
    const prefix = fresh();
    let holders = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        const lock = await acquirePromotionLock(store, prefix, { ttlMs: 30_000, waitMs: 60_000 });
        most = Math.max(most, ++holders);
        await sleep(20);
        holders--;
        await lock.release();
      }),
    );
    assert.equal(most, 1);
  });

  it('does not count a lock it created from a stale view: the number had been taken, released and removed meanwhile', async () => {
    const { store } = setup();
    const prefix = fresh();
    await (await acquirePromotionLock(store, prefix, { ttlMs: 30_000, waitMs: 5_000 })).release(); // lock 1, released
    // A slow eval reads lock 1 and its release, then stalls before it creates lock 2 ...
    const gate = resolvers();
    const stalled = resolvers();
    const slowStore = new Proxy(store, {
      get(target, key) {
        const value = Reflect.get(target, key, target);
        if (key !== 'createIfAbsent') return typeof value === 'function' ? value.bind(target) : value;
        return async (uri: string, bytes: string) => {
          stalled.resolve();
          await gate.promise;
          return target.createIfAbsent(uri, bytes);
        };
      },
    });
    const slow = acquirePromotionLock(slowStore, prefix, { ttlMs: 30_000, waitMs: 1_500 });
    await stalled.promise;
    // ... while another takes lock 2 and releases it, and a third takes lock 3 and removes lock 2's objects.
    await (await acquirePromotionLock(store, prefix, { ttlMs: 30_000, waitMs: 5_000 })).release();
    const holder = await acquirePromotionLock(store, prefix, { ttlMs: 30_000, waitMs: 5_000 });
    gate.resolve();
    await assert.rejects(slow, PromotionLockTimeout, 'the slow eval waits for the holder of lock 3');
    await holder.release();
    const names = (await store.list(`${prefix}/.lock`)).map((object) => object.path);
    assert.deepEqual(names, ['lock-00000003.json', 'release-00000003.json'], 'the re-created lock 2 is gone');
  });

  it('keeps the lock of a holder that works past its TTL: it renews', async () => {
    const { store } = setup();
    const prefix = fresh();
    const lock = await acquirePromotionLock(store, prefix, { ttlMs: 300, waitMs: 1_000 });
    await sleep(900); // three TTLs
    await assert.rejects(acquirePromotionLock(store, prefix, { ttlMs: 300, waitMs: 600 }), PromotionLockTimeout);
    await lock.release();
    const next = await acquirePromotionLock(store, prefix, { ttlMs: 300, waitMs: 1_000 });
    assert.equal(next.abandoned, undefined, 'a released lock leaves nothing to repair');
    await next.release();
  });

  it('hands the intent of a holder that died (killed: never released, no longer renewed) to the next holder', async () => {
    const { store, env } = setup();
    const prefix = fresh();
    await holdAndDie(prefix, env);
    const next = await acquirePromotionLock(store, prefix, { ttlMs: 200, waitMs: 10_000 });
    assert.deepEqual(next.abandoned, INTENT);
    await next.release();
  });

  it('keeps only the latest promotion\'s objects under .lock/', async () => {
    const { store } = setup();
    const prefix = fresh();
    for (let i = 0; i < 5; i++) {
      const lock = await acquirePromotionLock(store, prefix, { ttlMs: 30_000, waitMs: 5_000 });
      await lock.writeIntent(INTENT);
      await lock.release();
    }
    const names = (await store.list(`${prefix}/.lock`)).map((object) => object.path);
    assert.deepEqual(names, ['intent-00000005.json', 'lock-00000005.json', 'release-00000005.json']);
  });
}

/** A promise and its resolve (Promise.withResolvers arrives in Node 22). */
function resolvers(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** A separate process takes the lock of `prefix`, writes its intent and is killed (SIGKILL) holding it. */
async function holdAndDie(prefix: string, env: NodeJS.ProcessEnv): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'flts-lock-holder-'));
  const script = join(dir, 'holder.mts');
  await writeFile(
    script,
    [
      `import { acquirePromotionLock } from ${JSON.stringify(join(repoRoot, 'components/eval/lock.ts'))};`,
      `import { createStore } from ${JSON.stringify(join(repoRoot, 'shared/store/index.ts'))};`,
      `const lock = await acquirePromotionLock(createStore({ env: process.env }), ${JSON.stringify(prefix)}, { ttlMs: 200, waitMs: 5000 });`,
      `await lock.writeIntent(${JSON.stringify(INTENT)});`,
      `process.kill(process.pid, 'SIGKILL');`,
    ].join('\n'),
  );
  const { signal } = await new Promise<{ signal: NodeJS.Signals | null }>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', script], { cwd: repoRoot, env: { ...process.env, ...env } }, (_error, _stdout, stderr) => {
      if (stderr.trim()) console.error(stderr);
    }).on('exit', (_code, signal) => resolve({ signal }));
  });
  await rm(dir, { recursive: true, force: true });
  assert.equal(signal, 'SIGKILL', 'the holder died holding the lock');
}

describe('the promotion lock on a local directory', () => {
  let root: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'flts-lock-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });
  lockCases(() => ({ store: createStore({ env: {} }), prefix: root, env: {} }));
});

describe('the promotion lock on a MinIO bucket', () => {
  let minio: MinioServer;
  let store: ObjectStore;
  before(async () => {
    minio = await startMinio();
    store = createStore({ env: minio.env });
  });
  after(async () => {
    await minio?.stop();
  });
  lockCases(() => ({ store, prefix: 's3://promotions/lock-test', env: minio.env }));
});
