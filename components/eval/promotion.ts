/**
 * The promotion record, as upstream FLTS wrote it to the `model-promotion` bucket (reference/upstream-flts.md
 * §5.2) — `<identifier|global>/<config_hash>/promotion-<time>.json`, `<identifier|global>/current.json` and
 * the root `current.json` — but as plain JSON (upstream stored a multipart envelope by mistake) and with every
 * candidate's score beside the winner's.
 */
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
  registered_model?: { name: string; version: string; alias: string };
}

/** Object keys under the promotion bucket, upstream's layout. */
export function promotionKeys(record: Pick<PromotionRecord, 'identifier' | 'config_hash' | 'timestamp'>): string[] {
  const scope = record.identifier || 'global';
  return [`${scope}/${record.config_hash}/promotion-${record.timestamp.replaceAll(':', '-')}.json`, `${scope}/current.json`, 'current.json'];
}
