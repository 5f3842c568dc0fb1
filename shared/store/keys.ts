/**
 * The object-key layout of upstream FLTS's buckets, in one place: every key starts with the run's scope (its
 * identifier, or "global" when it has none, as upstream wrote it), so one bucket holds many sites side by side.
 */

/** The first key segment for `identifier`. */
export function scopeOf(identifier: string): string {
  return identifier || 'global';
}

/**
 * `processed-data/<scope>/<config_hash>/<data_digest>/<split>.parquet`: one preprocess run's split, by claim check.
 * The data digest (sha256 of the raw input bytes) is part of the key because the config hash does not cover the
 * data: another file preprocessed with the same identifier and config must not overwrite this run's objects.
 */
export function claimCheckKey(identifier: string, configHash: string, dataDigest: string, split: string): string {
  return `${scopeOf(identifier)}/${configHash}/${dataDigest}/${split}.parquet`;
}

/**
 * `model-promotion/…`: the history entry of one promotion, the scope's `current.json` and the bucket's root
 * `current.json`, in the order a promotion writes them.
 */
export function promotionKeys(identifier: string, configHash: string, timestamp: string): { history: string; pointers: string[] } {
  const scope = scopeOf(identifier);
  return { history: `${scope}/${configHash}/promotion-${timestamp.replaceAll(':', '-')}.json`, pointers: [currentPromotionKey(identifier), 'current.json'] };
}

/** `model-promotion/<scope>/current.json`: the last promotion of one series (what event-mode inference serves it with). */
export function currentPromotionKey(identifier: string): string {
  return `${scopeOf(identifier)}/current.json`;
}

/** `inference-logs/<scope>/<YYYYMMDD>/<time>-<run>.jsonl`: one object per inference call (no shared file to append to). */
export function inferenceLogKey(identifier: string, timestamp: string, runId: string): string {
  return `${scopeOf(identifier)}/${timestamp.slice(0, 10).replaceAll('-', '')}/${timestamp.replace(/[:.]/g, '-')}-${runId}.jsonl`;
}
