/**
 * The promotion gate: with `min_skill_vs_persistence` set, only candidates at least that much better than the
 * persistence forecast (repeat the last observed value) on the same held-out targets may be promoted. Skill is
 * 1 − RMSE / RMSE_persistence, a ratio, so the gate means the same whatever `score_units` says.
 */
import { DataError } from '../../shared/errors.js';
import type { ScoredCandidate } from './scoring.js';

/** The parameter's name, for messages. */
export const GATE_PARAMETER = 'min_skill_vs_persistence';

/** No candidate passed the gate: nothing was promoted. Exit code 2, like other input the component refuses. */
export class PromotionGateError extends DataError {
  override name = 'PromotionGateError';
}

export interface GateResult {
  /** Candidates that may be promoted, best score first. */
  eligible: ScoredCandidate[];
  /** Candidates the gate turned away, with why. */
  rejected: { candidate: ScoredCandidate; reason: string }[];
}

/** Splits `ranked` (best first) by the gate; with `minSkill` undefined every candidate is eligible. */
export function applyGate(ranked: ScoredCandidate[], minSkill: number | undefined): GateResult {
  if (minSkill === undefined) return { eligible: ranked, rejected: [] };
  const eligible: ScoredCandidate[] = [];
  const rejected: GateResult['rejected'] = [];
  for (const candidate of ranked) {
    const skill = candidate.skill_vs_persistence;
    if (skill === null) rejected.push({ candidate, reason: 'no persistence baseline in its metadata (skill_vs_persistence or persistence_rmse)' });
    else if (!(skill >= minSkill)) rejected.push({ candidate, reason: `skill ${formatSkill(skill)} < ${minSkill}` });
    else eligible.push(candidate);
  }
  return { eligible, rejected };
}

/** Throws PromotionGateError when the gate left no candidate. */
export function requireEligible(result: GateResult, minSkill: number | undefined): ScoredCandidate {
  const winner = result.eligible[0];
  if (winner) return winner;
  const detail = result.rejected.map(({ candidate, reason }) => `${candidate.model_type}: ${reason}`).join('; ');
  throw new PromotionGateError(
    `No candidate passes the promotion gate ${GATE_PARAMETER} = ${minSkill} (skill = 1 − RMSE / RMSE_persistence on the held-out targets): ${detail}. ` +
      'Nothing was promoted: the registry alias and the promotion records still point at the previous champion. ' +
      `Improve the models, or lower or unset ${GATE_PARAMETER}.`,
  );
}

export function formatSkill(skill: number): string {
  return Number.isFinite(skill) ? skill.toFixed(4) : String(skill);
}
