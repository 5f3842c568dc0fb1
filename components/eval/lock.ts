/**
 * One promotion at a time per promotion bucket: a lock made of numbered objects created with create-if-absent
 * (`.lock/lock-<n>.json`, n = 1, 2, …; two evals can never both create the same number), released by a
 * `release-<n>.json` beside it. While it holds the lock an eval writes its intent (`intent-<n>.json`: the record
 * and the registry entry it is about to point the alias at), so that the next eval, finding a lock whose holder
 * died (expired, never released), can repair a half-finished promotion before it starts its own: it makes the
 * current.json pointers agree with where the alias points.
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
    const expired = latest !== undefined && latest.expires_at <= Date.now();
    if (released || expired) {
      const number = (latest?.number ?? 0) + 1;
      const entry: LockEntry = { owner, number, acquired_at: new Date().toISOString(), expires_at: Date.now() + ttlMs };
      const uri = `${dir}/lock-${pad(number)}.json`;
      // A retried create whose first try landed reads as taken: the owner token tells.
      if ((await store.createIfAbsent(uri, JSON.stringify(entry))) || (await store.readJson<LockEntry>(uri)).owner === owner) {
        const abandoned = !released && latest ? await readIntent(store, dir, latest.number) : undefined;
        return heldLock(store, dir, number, abandoned);
      }
    }
    if (Date.now() - started > waitMs) {
      throw new PromotionLockTimeout(
        `Another eval has held the promotion lock ${dir} (lock ${latest?.number}, ${latest?.owner}) for longer than FLTS_PROMOTION_LOCK_WAIT (${waitMs / 1000} s); it expires at ${latest ? new Date(latest.expires_at).toISOString() : '?'}.`,
      );
    }
    await sleep(100 + Math.min(attempt, 10) * 50 + Math.random() * 100);
  }
}

function heldLock(store: ObjectStore, dir: string, number: number, abandoned: PromotionIntent | undefined): PromotionLock {
  let released = false;
  return {
    abandoned,
    writeIntent: async (intent) => {
      await store.writeJson(`${dir}/intent-${pad(number)}.json`, intent);
    },
    release: async () => {
      if (released) return;
      released = true;
      await store.createIfAbsent(`${dir}/release-${pad(number)}.json`, JSON.stringify({ released_at: new Date().toISOString() }));
    },
  };
}

async function latestLock(store: ObjectStore, dir: string): Promise<LockEntry | undefined> {
  let listed: { uri: string; path: string }[];
  try {
    listed = await store.list(dir);
  } catch (error) {
    // No bucket yet: no lock either (the first create makes the bucket).
    if (error instanceof StorageError && (error.cause as { code?: string } | undefined)?.code === 'NoSuchBucket') return undefined;
    throw error;
  }
  const last = listed.filter((object) => /^lock-\d+\.json$/.test(object.path)).at(-1); // zero padding: name order is number order
  return last ? store.readJson<LockEntry>(last.uri) : undefined;
}

async function readIntent(store: ObjectStore, dir: string, number: number): Promise<PromotionIntent | undefined> {
  const uri = `${dir}/intent-${pad(number)}.json`;
  return (await store.exists(uri)) ? store.readJson<PromotionIntent>(uri) : undefined;
}

function pad(number: number): string {
  return String(number).padStart(8, '0');
}
