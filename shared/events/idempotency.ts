/**
 * The processed-claims ledger: marker objects in object storage (through shared/store) that make a
 * redelivered claim harmless. A claim is keyed by (config hash, model kind, source object); the first
 * consumer to create its lease marker does the work, and the result it records is what every later delivery
 * of the same claim returns instead of redoing it (no second MLflow run, promotion or log line). Because the
 * markers live in the bucket, the ledger survives restarts and is shared by all members of a group.
 * Porting note: upstream deduplicated in memory only and never reset (reference/upstream-flts.md §9.12, §9.14).
 *
 * Layout under `root`: `<config_hash>/<model_kind>/<sha256(source)[:32]>/lease-<n>.json` (n = 1, 2, …: one per
 * taker, created with create-if-absent so two takers cannot share a number) and `done.json` (the result).
 */
import { createHash, randomUUID } from 'node:crypto';
import { FltsError, StorageError } from '../errors.js';
import { commitUnit, onShutdown, stopRequested, unitOfWork } from '../shutdown.js';
import type { ListedObject, ObjectStore } from '../store/index.js';
import { RetryLaterError } from './retry.js';

export interface ClaimKey {
  configHash: string;
  /** "GRU", "LSTM", "PROPHET", "eval", "inference", … */
  modelKind: string;
  /** The source object the claim points at, e.g. `s3://processed-data/processed_data.parquet`. */
  source: string;
}

export interface LedgerOptions {
  store: ObjectStore;
  /** Prefix of the markers, e.g. `s3://flts-events/ledger`. From `FLTS_EVENTS_LEDGER_URI`. */
  root: string;
  /**
   * How long a taker's lease protects its claim, in milliseconds, without renewal; the taker renews it every third
   * of that while its work runs, so a live consumer keeps its claim however long the work takes and a dead one's
   * claim is taken over after at most this long (`FLTS_EVENTS_LEASE_MS`). @default 60_000
   */
  leaseMs?: number;
  /** Identifies this process in lease markers. @default a random UUID */
  owner?: string;
}

/** What `run` returns: the recorded result and whether this call produced it. */
export interface ClaimOutcome<R> {
  result: R;
  /** False when the claim was already done and `result` is the recorded one. */
  fresh: boolean;
}

interface Lease {
  owner: string;
  attempt: number;
  expires_at: number;
  source: string;
}

export class ClaimLedger {
  readonly #store: ObjectStore;
  readonly #root: string;
  readonly #leaseMs: number;
  /** Claims this process is working on now, by their directory. */
  readonly #running = new Map<string, Promise<ClaimOutcome<unknown>>>();
  readonly owner: string;

  constructor(options: LedgerOptions) {
    this.#store = options.store;
    this.#root = options.root.replace(/\/+$/, '');
    this.#leaseMs = options.leaseMs ?? 60_000;
    this.owner = options.owner ?? randomUUID();
  }

  /**
   * Does `work` once per claim across all consumers and restarts: returns the recorded result if the claim is
   * done, throws RetryLaterError while another live consumer holds it, else takes the lease, runs `work` and
   * records its result. `work` must itself be safe to repeat after a crash that happens before the record.
   */
  async run<R>(key: ClaimKey, work: () => Promise<R>): Promise<ClaimOutcome<R>> {
    // A lease is this process's, so a second delivery of a claim taken here (a redelivery after a rebalance, side by
    // side in one wave) would pass acquire: it waits for the first and gets its result.
    const id = this.#dir(key);
    const running = this.#running.get(id) as Promise<ClaimOutcome<R>> | undefined;
    if (running) return { result: (await running).result, fresh: false };
    // The work and its record are one unit (shared/shutdown.ts): a run it FINISHED is marked KILLED if a signal
    // stops the process before the record, since the claim is then done again.
    const outcome = unitOfWork(() => this.#run(key, work));
    this.#running.set(id, outcome);
    try {
      return await outcome;
    } finally {
      this.#running.delete(id);
    }
  }

  async #run<R>(key: ClaimKey, work: () => Promise<R>): Promise<ClaimOutcome<R>> {
    const done = await this.result<R>(key);
    if (done !== undefined) return { result: done, fresh: false };
    await this.acquire(key);
    // Renewing is taking the lease again: the latest lease is ours, so acquire writes the next one with a new expiry.
    const renewal = setInterval(() => void this.acquire(key).catch(() => undefined), Math.max(1, Math.floor(this.#leaseMs / 3)));
    renewal.unref();
    let result: R;
    try {
      result = await work();
    } finally {
      clearInterval(renewal);
    }
    // Stopped meanwhile: its runs are being marked KILLED, so the claim must not be recorded as done.
    const signal = stopRequested();
    if (signal) throw new FltsError(`Claim ${describeKey(key)} was not recorded as done: ${signal} stopped the process first.`);
    // Recording commits the work: a signal from here on leaves its runs FINISHED, and waits for the record to land.
    commitUnit();
    const recording = this.complete(key, result);
    const release = onShutdown(() => recording);
    let recorded: R;
    try {
      recorded = await recording;
    } finally {
      release();
    }
    return { result: recorded, fresh: recorded === result };
  }

  /** The recorded result of a finished claim, or undefined. */
  async result<R>(key: ClaimKey): Promise<R | undefined> {
    const uri = `${this.#dir(key)}/done.json`;
    if (!(await this.#store.exists(uri))) return undefined;
    return (await this.#store.readJson<{ result: R }>(uri)).result;
  }

  /** Takes the lease on `key`, or throws RetryLaterError naming the holder and when its lease ends. */
  async acquire(key: ClaimKey): Promise<void> {
    const latest = await this.#latestLease(key);
    const now = Date.now();
    if (latest && latest.owner !== this.owner && latest.expires_at > now) {
      throw new RetryLaterError(`Claim ${describeKey(key)} is held by ${latest.owner} until ${new Date(latest.expires_at).toISOString()}.`, Math.min(latest.expires_at - now + 50, 5000));
    }
    const lease: Lease = { owner: this.owner, attempt: (latest?.attempt ?? 0) + 1, expires_at: now + this.#leaseMs, source: key.source };
    const uri = `${this.#dir(key)}/lease-${String(lease.attempt).padStart(6, '0')}.json`;
    if (await this.#store.createIfAbsent(uri, JSON.stringify(lease))) return;
    // Someone created that number first, unless it was our own request retried after a lost reply.
    const holder = await this.#store.readJson<Lease>(uri);
    if (holder.owner === this.owner) return;
    throw new RetryLaterError(`Claim ${describeKey(key)} was just taken by ${holder.owner}.`, 1000);
  }

  /** Records `result` as the claim's outcome; the first record wins and is returned. */
  async complete<R>(key: ClaimKey, result: R): Promise<R> {
    const uri = `${this.#dir(key)}/done.json`;
    const record = { result, owner: this.owner, completed_at: new Date().toISOString(), key };
    if (await this.#store.createIfAbsent(uri, JSON.stringify(record))) return result;
    return (await this.#store.readJson<{ result: R }>(uri)).result;
  }

  async #latestLease(key: ClaimKey): Promise<Lease | undefined> {
    const leases = (await this.#listOrNothing(this.#dir(key))).filter((o) => /^lease-\d+\.json$/.test(o.path));
    const last = leases.at(-1); // listed in name order; the zero padding makes that numeric order
    return last ? this.#store.readJson<Lease>(last.uri) : undefined;
  }

  /** The listing, or nothing when the ledger's bucket does not exist yet (the first claim creates it). */
  async #listOrNothing(uri: string): Promise<ListedObject[]> {
    try {
      return await this.#store.list(uri);
    } catch (error) {
      if (error instanceof StorageError && (error.cause as { code?: string } | undefined)?.code === 'NoSuchBucket') return [];
      throw error;
    }
  }

  #dir(key: ClaimKey): string {
    const source = createHash('sha256').update(key.source).digest('hex').slice(0, 32);
    return `${this.#root}/${segment(key.configHash)}/${segment(key.modelKind)}/${source}`;
  }
}

function segment(value: string): string {
  return encodeURIComponent(value.trim() === '' ? '_' : value);
}

function describeKey(key: ClaimKey): string {
  return `(${key.configHash}, ${key.modelKind}, ${key.source})`;
}
