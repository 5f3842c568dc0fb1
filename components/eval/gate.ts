/**
 * The promotion gates: with `min_skill_vs_persistence` (or `min_skill_vs_linear`) set, only candidates at least
 * that much better than the persistence forecast (repeat the last observed value), or than the linear
 * autoregressive baseline, on the same held-out targets may be promoted. Skill is 1 − RMSE / RMSE_baseline, a ratio,
 * so a gate means the same whatever `score_units` says.
 */
import { DataError } from '../../shared/errors.js';
import { SKILL_METRICS } from '../../shared/series/metric-names.js';
import type { ScoredCandidate } from './scoring.js';

/** The baselines a gate can be set against, with the parameter that sets it. */
export const GATES = {
  persistence: { parameter: 'min_skill_vs_persistence', skill: SKILL_METRICS.persistence, what: 'the persistence baseline' },
  linear: { parameter: 'min_skill_vs_linear', skill: SKILL_METRICS.linear, what: 'the linear autoregressive baseline' },
} as const;
export type GateBaseline = keyof typeof GATES;

/** No candidate passed the gates: nothing was promoted. Exit code 2, like other input the component refuses. */
export class PromotionGateError extends DataError {
  override name = 'PromotionGateError';
}

export interface GateResult {
  /** Candidates that may be promoted, best score first. */
  eligible: ScoredCandidate[];
  /** Candidates a gate turned away, with why. */
  rejected: { candidate: ScoredCandidate; reason: string }[];
}

/** The gates that are set: baseline → minimum skill. */
export type GateSettings = Partial<Record<GateBaseline, number>>;

/** Splits `ranked` (best first) by every gate that is set; with none set every candidate is eligible. */
export function applyGates(ranked: ScoredCandidate[], gates: GateSettings): GateResult {
  const eligible: ScoredCandidate[] = [];
  const rejected: GateResult['rejected'] = [];
  for (const candidate of ranked) {
    const reasons = (Object.keys(GATES) as GateBaseline[]).flatMap((baseline) => {
      const min = gates[baseline];
      if (min === undefined) return [];
      const skill = candidate[GATES[baseline].skill];
      if (skill === null) return [`no ${GATES[baseline].skill} in its metadata (${GATES[baseline].what} was not scored)`];
      return skill >= min ? [] : [`${GATES[baseline].skill} ${formatSkill(skill)} < ${min}`];
    });
    if (reasons.length > 0) rejected.push({ candidate, reason: reasons.join('; ') });
    else eligible.push(candidate);
  }
  return { eligible, rejected };
}

/** Throws PromotionGateError when the gates left no candidate. */
export function requireEligible(result: GateResult, gates: GateSettings): ScoredCandidate {
  const winner = result.eligible[0];
  if (winner) return winner;
  const set = describeGates(gates);
  const detail = result.rejected.map(({ candidate, reason }) => `${candidate.model_type}: ${reason}`).join('; ');
  throw new PromotionGateError(
    `No candidate passes the promotion gate ${set} (skill = 1 − RMSE / RMSE_baseline on the held-out targets): ${detail}. ` +
      'Nothing was promoted: the registry alias and the promotion records still point at the previous champion. ' +
      `Improve the models, or lower or unset ${(Object.keys(gates) as GateBaseline[]).map((baseline) => GATES[baseline].parameter).join(' / ')}.`,
  );
}

/** "min_skill_vs_persistence = 0, min_skill_vs_linear = 0.05" for the gates that are set. */
export function describeGates(gates: GateSettings): string {
  return (Object.keys(GATES) as GateBaseline[])
    .filter((baseline) => gates[baseline] !== undefined)
    .map((baseline) => `${GATES[baseline].parameter} = ${gates[baseline]}`)
    .join(', ');
}

export function formatSkill(skill: number): string {
  return Number.isFinite(skill) ? skill.toFixed(4) : String(skill);
}
