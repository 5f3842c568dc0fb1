/**
 * One promotion at a time per promotion bucket: a lock made of numbered objects created with create-if-absent
 * (`.lock/lock-<n>.json`, n = 1, 2, …; two evals can never both create the same number), released by a
 * `release-<n>.json` beside it. While it holds the lock an eval writes its intent (`intent-<n>.json`: the record
 * and the registry entry it is about to point the alias at), so that the next eval, finding a lock whose holder
 * died (expired, never released), can repair a half-finished promotion before it starts its own: it makes the
 * current.json pointers agree with where the alias points.
 *
 * A holder renews its lock every third of the TTL (`renew-<n>.json`, written by the holder alone), so a promotion
 * slowed by retries against a struggling MLflow is not taken over while it still runs; a holder that died stops
 * renewing and its lock expires. Each new holder removes the objects of the locks before its own, so `.lock/`
 * holds one promotion's objects, not one per promotion ever made.
 *
 * | variable | meaning |
 * | --- | --- |
 * | `FLTS_PROMOTION_LOCK_TTL` | seconds a lock protects a promotion without being released (1–3600, default 300); then a waiting eval takes over and repairs |
 * | `FLTS_PROMOTION_LOCK_WAIT` | seconds an eval waits for another eval's promotion before it fails (1–86400, default 600) |
 */
import { randomUUID } from 'node:crypto';
import { numberFromEnv } from '../../shared/env.js';
import { FltsError, InvalidParameterError, StorageError } from '../../shared/errors.js';
import { sleep } from '../../shared/retry.js';
import type { ObjectStore } from '../../shared/store/index.js';
import type { PromotionRecord } from './promotion.js';

interface LockEntry {
  owner: string;
  number: number;
  acquired_at: string;
  expires_at: number;
}

/** The holder's later expiry, written while it still works. */
interface Renewal {
  owner: string;
  expires_at: number;
}

/** What a promotion under way is about to do, for the repair after its holder died. */
export interface PromotionIntent {
  record: PromotionRecord;
  pointerUris: string[];
}

/** A held promotion lock. */
export interface PromotionLock {
  /** The intent of the holder before us, if it died holding the lock (then it needs repairing). */
  readonly abandoned: PromotionIntent | undefined;
  writeIntent(intent: PromotionIntent): Promise<void>;
  release(): Promise<void>;
}

/** Waiting for the lock took longer than FLTS_PROMOTION_LOCK_WAIT. */
export class PromotionLockTimeout extends FltsError {
  override name = 'PromotionLockTimeout';
}

export interface LockOptions {
  ttlMs?: number;
  waitMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Takes the promotion lock of `prefix` (the promotion bucket URI), waiting while another eval holds it. */
export async function acquirePromotionLock(store: ObjectStore, prefix: string, options: LockOptions = {}): Promise<PromotionLock> {
  const env = options.env ?? process.env;
  const invalid = (message: string) => new InvalidParameterError(message);
  const ttlMs = options.ttlMs ?? numberFromEnv(env, 'FLTS_PROMOTION_LOCK_TTL', { fallback: 300, min: 1, max: 3600, unit: 'seconds' }, invalid) * 1000;
  const waitMs = options.waitMs ?? numberFromEnv(env, 'FLTS_PROMOTION_LOCK_WAIT', { fallback: 600, min: 1, max: 86_400, unit: 'seconds' }, invalid) * 1000;
  const dir = `${prefix}/.lock`;
  const owner = randomUUID();
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    const latest = await latestLock(store, dir);
    const released = latest ? await store.exists(`${dir}/release-${pad(latest.number)}.json`) : true;
    const expiresAt = latest && !released ? await expiry(store, dir, latest) : 0;
    const expired = latest !== undefined && expiresAt <= Date.now();
    if (released || expired) {
      const number = (latest?.number ?? 0) + 1;
      const entry: LockEntry = { owner, number, acquired_at: new Date().toISOString(), expires_at: Date.now() + ttlMs };
      const uri = `${dir}/lock-${pad(number)}.json`;
      // A retried create whose first try landed reads as taken: the owner token tells.
      const created = (await store.createIfAbsent(uri, JSON.stringify(entry))) || (await ownedBy(store, uri, owner));
      let stale = false;
      try {
        stale = created && (await overtaken(store, dir, number));
      } catch (error) {
        // Not knowing whether it counts, we must neither hold it nor leave it to block the others until it expires.
        await store.remove(uri).catch(() => undefined);
        throw error;
      }
      if (stale) {
        // We read lock n-1 and its release before a newer holder's housekeeping removed lock n: the number we
        // created had been used already. Ours is below the latest, so it never counts; we wait like the others.
        await store.remove(uri).catch(() => undefined);
      } else if (created) {
        const abandoned = !released && latest ? await readIntent(store, dir, latest.number) : undefined;
        await removeEarlierLocks(store, dir, number);
        return heldLock(store, dir, entry, ttlMs, abandoned);
      }
    }
    if (Date.now() - started > waitMs) {
      throw new PromotionLockTimeout(
        `Another eval has held the promotion lock ${dir} (lock ${latest?.number}, ${latest?.owner}) for longer than FLTS_PROMOTION_LOCK_WAIT (${waitMs / 1000} s); it expires at ${latest ? new Date(expiresAt).toISOString() : '?'} unless renewed.`,
      );
    }
    await sleep(100 + Math.min(attempt, 10) * 50 + Math.random() * 100);
  }
}

/** Whether a lock numbered above `number` exists: then `number` was taken, released and removed before we created it. */
async function overtaken(store: ObjectStore, dir: string, number: number): Promise<boolean> {
  const latest = (await store.list(dir)).filter((object) => /^lock-\d+\.json$/.test(object.path)).at(-1);
  return latest !== undefined && latest.path > `lock-${pad(number)}.json`;
}

/** Whether the lock object at `uri` is `owner`'s; one already removed by a newer holder's housekeeping is not. */
async function ownedBy(store: ObjectStore, uri: string, owner: string): Promise<boolean> {
  try {
    return (await store.readJson<LockEntry>(uri)).owner === owner;
  } catch (error) {
    if (await store.exists(uri)) throw error;
    return false;
  }
}

/** When `latest` expires: its own expiry, or its holder's latest renewal. */
async function expiry(store: ObjectStore, dir: string, latest: LockEntry): Promise<number> {
  const uri = `${dir}/renew-${pad(latest.number)}.json`;
  const renewal = (await store.exists(uri)) ? await store.readJson<Renewal>(uri).catch(() => undefined) : undefined;
  return renewal?.owner === latest.owner ? Math.max(latest.expires_at, renewal.expires_at) : latest.expires_at;
}

/** Housekeeping: the objects of every lock before `number` (released or taken over, so nobody reads them again). */
async function removeEarlierLocks(store: ObjectStore, dir: string, number: number): Promise<void> {
  for (const object of await store.list(dir).catch(() => [])) {
    const found = /^(?:lock|release|intent|renew)-(\d+)\.json$/.exec(object.path);
    // Left in place on failure: stale objects are harmless, the next holder removes them.
    if (found && Number(found[1]) < number) await store.remove(object.uri).catch(() => undefined);
  }
}

function heldLock(store: ObjectStore, dir: string, entry: LockEntry, ttlMs: number, abandoned: PromotionIntent | undefined): PromotionLock {
  const number = entry.number;
  let released = false;
  // A failed renewal is tried again at the next tick; two in a row still leave a third of the TTL.
  const renewing = setInterval(() => {
    const renewal: Renewal = { owner: entry.owner, expires_at: Date.now() + ttlMs };
    store.writeJson(`${dir}/renew-${pad(number)}.json`, renewal).catch(() => undefined);
  }, Math.max(ttlMs / 3, 50));
  renewing.unref();
  return {
    abandoned,
    writeIntent: async (intent) => {
      await store.writeJson(`${dir}/intent-${pad(number)}.json`, intent);
    },
    release: async () => {
      if (released) return;
      released = true;
      clearInterval(renewing);
      await store.createIfAbsent(`${dir}/release-${pad(number)}.json`, JSON.stringify({ released_at: new Date().toISOString() }));
    },
  };
}

async function latestLock(store: ObjectStore, dir: string): Promise<LockEntry | undefined> {
  for (;;) {
    let listed: { uri: string; path: string }[];
    try {
      listed = await store.list(dir);
    } catch (error) {
      // No bucket yet: no lock either (the first create makes the bucket).
      if (error instanceof StorageError && (error.cause as { code?: string } | undefined)?.code === 'NoSuchBucket') return undefined;
      throw error;
    }
    const last = listed.filter((object) => /^lock-\d+\.json$/.test(object.path)).at(-1); // zero padding: name order is number order
    if (!last) return undefined;
    try {
      return await store.readJson<LockEntry>(last.uri);
    } catch (error) {
      // Removed between list and read by a newer holder's housekeeping: list again.
      if (await store.exists(last.uri)) throw error;
    }
  }
}

async function readIntent(store: ObjectStore, dir: string, number: number): Promise<PromotionIntent | undefined> {
  const uri = `${dir}/intent-${pad(number)}.json`;
  return (await store.exists(uri)) ? store.readJson<PromotionIntent>(uri) : undefined;
}

function pad(number: number): string {
  return String(number).padStart(8, '0');
}
