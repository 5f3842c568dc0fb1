/**
 * The promotion record, as upstream FLTS wrote it to the `model-promotion` bucket (reference/upstream-flts.md
 * §5.2) — `<identifier|global>/<config_hash>/promotion-<time>.json`, `<identifier|global>/current.json` and
 * the root `current.json` — but as plain JSON (upstream stored a multipart envelope by mistake) and with every
 * candidate's score beside the winner's.
 *
 * The two kinds are written at opposite ends of a promotion. The history entry, a new file under a name of its
 * own, comes first, before eval touches the model registry: it proves the bucket writable, and if eval dies
 * before it can take the entry back, an orphaned entry claims nothing current. The `current.json` pointers are
 * written last, after the alias moved, so that they never name a promotion the registry did not get. When a
 * later step fails, eval takes back what was written (the pointers restored, the new history entry removed).
 */
import { messageOf } from '../../shared/errors.js';
import type { ModelSelected } from '../../shared/events/messages.js';
import type { ObjectStore } from '../../shared/store/index.js';
import { promotionKeys } from '../../shared/store/keys.js';
import type { RankBy, ScoredCandidate, Weights } from './scoring.js';

/** Upstream's promotion payload (the `model-selected` message), and what eval adds to it. */
export interface PromotionRecord extends ModelSelected {
  units: 'scaled' | 'original';
  /** What the candidates were ranked by (`score` is that). */
  rank_by: RankBy;
  weights: Weights;
  candidates: ScoredCandidate[];
  /** The promotion gates, when any was set, and the candidates they turned away. */
  gate?: { min_skill_vs_persistence?: number; min_skill_vs_linear?: number; rejected: { model_type: string; run_id: string; reason: string }[] };
  /**
   * The registry entry the alias points at. `version` is absent only from a history entry written before eval
   * registered a new version (eval completes the entry once the registry has it; one of an eval killed in
   * between stays incomplete). The current.json pointers always have it.
   */
  registered_model?: { name: string; version?: string; alias: string };
}

/** The records of one promotion in a bucket: what was written, with what each URI held before. */
export interface PromotionRecords {
  /** `<scope>/<config_hash>/promotion-<time>.json`, written by `writePromotionHistory`. */
  historyUri: string;
  /** `<scope>/current.json` and the root `current.json`, in the order `writePointers` writes them. */
  pointerUris: string[];
  /** Writes the history entry again (to complete the record). */
  writeHistory(record: PromotionRecord): Promise<void>;
  /** Writes the current.json pointers — the last step of a promotion. */
  writePointers(record: PromotionRecord): Promise<void>;
  /** Puts back what each written URI held before, newest first (removing what was new); returns the problems, if any. */
  restore(): Promise<string[]>;
}

/**
 * Writes the history entry of `record` under `prefix` (a bucket URI or local directory) and returns the handle
 * for the rest. Each write reads what its URI held first, so that `restore` can put it back. A write that fails
 * (here, or `writeHistory` / `writePointers` later) takes back what that call had written before it throws, and
 * its error names what could not be taken back.
 */
export async function writePromotionHistory(store: ObjectStore, prefix: string, record: PromotionRecord): Promise<PromotionRecords> {
  const keys = promotionKeys(record.identifier, record.config_hash, record.timestamp);
  const historyUri = `${prefix}/${keys.history}`;
  const pointerUris = keys.pointers.map((key) => `${prefix}/${key}`);
  const previous = new Map<string, Buffer | undefined>();
  /** URIs written and not yet put back, in writing order. */
  const written: string[] = [];

  const putBack = async (uris: string[]): Promise<string[]> => {
    const problems: string[] = [];
    for (const uri of [...uris].reverse()) {
      const before = previous.get(uri);
      try {
        if (before === undefined) await store.remove(uri);
        else await store.writeBytes(uri, before);
        if (written.includes(uri)) written.splice(written.indexOf(uri), 1);
      } catch (error) {
        problems.push(`${uri}: ${messageOf(error)}`);
      }
    }
    return problems;
  };

  const write = async (uris: string[], value: PromotionRecord): Promise<void> => {
    const fresh: string[] = [];
    try {
      for (const uri of uris) {
        if (!previous.has(uri)) previous.set(uri, (await store.exists(uri)) ? await store.readBytes(uri) : undefined);
        await store.writeJson(uri, value);
        if (!written.includes(uri)) {
          written.push(uri);
          fresh.push(uri);
        }
      }
    } catch (error) {
      throw withProblems(error, await putBack(fresh));
    }
  };

  await write([historyUri], record);
  return {
    historyUri,
    pointerUris,
    writeHistory: (completed) => write([historyUri], completed),
    writePointers: (completed) => write(pointerUris, completed),
    restore: () => putBack([...written]),
  };
}

/** `error`, its message extended by the records that could not be put back after it (so that the one failure line says so). */
function withProblems(error: unknown, problems: string[]): unknown {
  if (problems.length === 0) return error;
  const note = ` Taking back the promotion records written before the failure failed too, so they may claim a promotion that did not happen: ${problems.join('; ')}.`;
  if (error instanceof Error) {
    error.message += note;
    return error;
  }
  return new Error(`${messageOf(error)}${note}`, { cause: error });
}
