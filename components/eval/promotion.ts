/**
 * The promotion record, as upstream FLTS wrote it to the `model-promotion` bucket (reference/upstream-flts.md
 * §5.2) — `<identifier|global>/<config_hash>/promotion-<time>.json`, `<identifier|global>/current.json` and
 * the root `current.json` — but as plain JSON (upstream stored a multipart envelope by mistake) and with every
 * candidate's score beside the winner's.
 *
 * Eval writes the records before it touches the model registry, and takes them back (the pointers restored,
 * the new history entry removed) when a later step fails, so that a failed eval leaves no record of a
 * promotion that did not happen.
 */
import { messageOf } from '../../shared/errors.js';
import type { ObjectStore } from '../../shared/store/index.js';
import type { ScoredCandidate, Weights } from './scoring.js';

export interface PromotionRecord {
  identifier: string;
  config_hash: string;
  run_id: string;
  model_type: string;
  experiment: string;
  model_uri: string;
  rmse: number;
  mae: number;
  mse: number;
  score: number;
  units: 'scaled' | 'original';
  weights: Weights;
  timestamp: string;
  candidates: ScoredCandidate[];
  /** The promotion gate, when one was set, and the candidates it turned away. */
  gate?: { min_skill_vs_persistence: number; rejected: { model_type: string; run_id: string; reason: string }[] };
  /**
   * The registry entry the alias points at. `version` is absent only in the records written before eval
   * registered a new version; eval completes them once the registry has it.
   */
  registered_model?: { name: string; version?: string; alias: string };
}

/** Object keys under the promotion bucket, upstream's layout. */
export function promotionKeys(record: Pick<PromotionRecord, 'identifier' | 'config_hash' | 'timestamp'>): string[] {
  const scope = record.identifier || 'global';
  return [`${scope}/${record.config_hash}/promotion-${record.timestamp.replaceAll(':', '-')}.json`, `${scope}/current.json`, 'current.json'];
}

/** Records written to a bucket, with what was there before. */
export interface WrittenRecords {
  /** The URIs written, history entry first. */
  uris: string[];
  /** Writes `record` again at every URI (to complete it); throws on the first failure. */
  rewrite(record: PromotionRecord): Promise<void>;
  /** Puts back what each URI held before (removing what was new); returns the problems, if any. */
  restore(): Promise<string[]>;
}

/**
 * Writes `record` under `prefix` (a bucket URI or local directory). Reads the current pointers first so that
 * `restore` can put them back. Throws, having written nothing it has not taken back, when any write fails.
 */
export async function writePromotionRecords(store: ObjectStore, prefix: string, record: PromotionRecord): Promise<WrittenRecords> {
  const uris = promotionKeys(record).map((key) => `${prefix}/${key}`);
  const previous = new Map<string, Buffer | undefined>();
  for (const uri of uris) previous.set(uri, (await store.exists(uri)) ? await store.readBytes(uri) : undefined);
  const written: string[] = [];
  const restore = async (): Promise<string[]> => {
    const problems: string[] = [];
    for (const uri of [...written].reverse()) {
      const before = previous.get(uri);
      try {
        if (before === undefined) await store.remove(uri);
        else await store.writeBytes(uri, before);
      } catch (error) {
        problems.push(`${uri}: ${messageOf(error)}`);
      }
    }
    return problems;
  };
  try {
    for (const uri of uris) {
      await store.writeJson(uri, record);
      written.push(uri);
    }
  } catch (error) {
    await restore();
    throw error;
  }
  return {
    uris,
    rewrite: async (completed) => {
      for (const uri of uris) await store.writeJson(uri, completed);
    },
    restore,
  };
}
