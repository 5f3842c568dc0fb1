/**
 * The eval component's body: read the candidates' metadata, rank them, apply the promotion gate, and promote
 * the winner: its model directory copied to `selected_model`, promotion records, an MLflow eval run, the
 * winner's run tagged, a registered model version, and the registry alias moved to it.
 *
 * Order matters, because a failed eval — or one killed with no chance to clean up — must not leave a half
 * promotion that claims more than happened:
 *   1. decide, touching nothing: each candidate verified first (verify.ts: files load through their adapter,
 *      type, finite non-negative metrics, run id and model URI consistent with MLflow), rejected ones named;
 *   2. take the bucket's promotion lock (lock.ts; an eval that died holding it has its promotion repaired),
 *      then read MLflow: the version the alias points at now (to put it back), and a version already
 *      registered for the winning run, found by searching the registry — under the lock, so two evals racing
 *      never register one run twice, and alias and current.json move together;
 *   3. stage the local outputs (the executor moves them into place only when eval succeeds);
 *   4. write the promotion history entry: a new file of its own, harmless if orphaned;
 *   5. MLflow: the eval run; the winner's run tagged promoted, on the finished run directly (it is never
 *      resumed, so its status and end time stay, and a killed eval cannot leave it RUNNING); a version
 *      registered unless step 2 found one (so re-running eval reuses it, however the earlier eval ended);
 *   6. record the intent beside the lock, then move the alias;
 *   7. write the current.json pointers, last, so that they never name a promotion the alias did not get.
 * A SIGTERM/SIGINT stops the promotion at the next step boundary and takes it back (within FLTS_SHUTDOWN_GRACE).
 * When a step after 4 fails, what was done is taken back, newest first: the alias pointed at its previous
 * version again (or removed, if it had none), the winner's promoted tags put back as they were (deleted where
 * they did not exist), the eval run ended FAILED, the pointers restored and the history entry removed. A
 * version registered on the way stays: it is the winning run's, and the next eval finds and reuses it.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, FltsError, messageOf } from '../../shared/errors.js';
import { commitUnit, onShutdown, stopRequested } from '../../shared/shutdown.js';
import type { Executor } from '../../shared/kfp/executor.js';
import { Logger } from '../../shared/log.js';
import { trainedModelMetadata, type TrainedModelMetadata } from '../../shared/models/trained-model.js';
import { SKILL_METRICS } from '../../shared/series/metric-names.js';
import { bucketUri, defaultObjectStore, type ObjectStore } from '../../shared/store/index.js';
import { openTracking, type RunRecord, type TrackedRun, type Tracker } from '../../shared/tracking/index.js';
import { acquirePromotionLock, type PromotionIntent, type PromotionLock } from './lock.js';
import { verifyCandidate } from './verify.js';
import { applyGates, describeGates, GATES, requireEligible, type GateSettings } from './gate.js';
import { writePromotionHistory, type PromotionRecord } from './promotion.js';
import { aliasTarget, existingVersion, restoreAlias } from './registry.js';
import { evalReport } from './report.js';
import { rankCandidates, type ScoredCandidate } from './scoring.js';
import type { evalSpec } from './spec.js';

const INPUTS = ['gru_model', 'lstm_model', 'prophet_model'] as const;
const PROMOTED_TAGS = ['promoted', 'flts.promoted_at'] as const;

type EvalExecutor = Executor<typeof evalSpec>;
type Candidate = { input: string; artifact: { path: string }; metadata: TrainedModelMetadata };

export async function runEval(executor: EvalExecutor): Promise<void> {
  const p = executor.parameters;
  const log = new Logger('eval');

  // 1. Decide, touching nothing: every candidate verified (files, type, metrics, run), then ranked.
  const offered: Candidate[] = INPUTS.flatMap((input) => {
    const artifact = executor.inputArtifact(input);
    return artifact ? [{ input, artifact, metadata: trainedModelMetadata(input, artifact.metadata, artifact.path) }] : [];
  });
  if (p.config_hash) {
    const other = offered.find(({ metadata }) => metadata.config_hash !== p.config_hash);
    if (other) throw new DataError(`Input artifact "${other.input}" was trained on config ${other.metadata.config_hash}, not the config_hash parameter ${p.config_hash}.`);
  }
  const tracker = await openTracking({ trackingUri: p.mlflow_tracking_uri, experiment: p.mlflow_experiment, logger: log });
  const runs = new Map<string, RunRecord>();
  const rejections = executor.inputsGivenEmpty.map((input) => `Input artifact "${input}" was given empty, so it is not a candidate.`);
  for (const rejection of rejections) log.warn(rejection);
  for (const candidate of offered) {
    const verdict = await verifyCandidate(candidate.input, candidate.artifact.path, candidate.metadata, tracker);
    if (verdict.ok) runs.set(candidate.input, verdict.run);
    else {
      rejections.push(verdict.reason);
      log.warn(verdict.reason);
    }
  }
  const given = offered.filter(({ input }) => runs.has(input));
  if (given.length < p.min_models) {
    throw new DataError(
      `Eval needs at least ${p.min_models} candidate model(s) (min_models); got ${given.length}: ${given.map((g) => g.input).join(', ') || 'none'}.${rejections.length > 0 ? ` ${rejections.join(' ')}` : ''}`,
    );
  }
  const weights = { rmse: p.rmse_weight, mae: p.mae_weight, mse: p.mse_weight };
  const ranked = rankCandidates(given, weights, p.score_units, p.rank_by);
  for (const candidate of ranked) {
    log.info('candidate', {
      model: candidate.model_type,
      score: candidate.score,
      rmse: candidate.rmse,
      mae: candidate.mae,
      skill_vs_persistence: candidate.skill_vs_persistence ?? undefined,
      skill_vs_linear: candidate.skill_vs_linear ?? undefined,
    });
  }
  warnWhenLinearWins(ranked, log);
  const gates: GateSettings = {
    ...(p.min_skill_vs_persistence !== undefined && { persistence: p.min_skill_vs_persistence }),
    ...(p.min_skill_vs_linear !== undefined && { linear: p.min_skill_vs_linear }),
  };
  const gate = applyGates(ranked, gates);
  for (const { candidate, reason } of gate.rejected) log.info(`not eligible (${describeGates(gates)})`, { model: candidate.model_type, reason });
  const winner = requireEligible(gate, gates);
  const chosen = given.find(({ input }) => input === winner.input)!;
  log.info('selected', { model: winner.model_type, run_id: winner.run_id, score: winner.score });

  const configHash = chosen.metadata.config_hash;
  const record: PromotionRecord = {
    identifier: p.identifier,
    config_hash: configHash,
    run_id: winner.run_id,
    model_type: winner.model_type,
    experiment: p.mlflow_experiment,
    model_uri: winner.model_uri,
    rmse: winner.rmse,
    mae: winner.mae,
    mse: winner.mse,
    score: winner.score,
    units: p.score_units,
    rank_by: p.rank_by,
    weights,
    timestamp: new Date().toISOString(),
    candidates: ranked,
    ...(Object.keys(gates).length > 0 && {
      gate: {
        ...gateParameters(gates),
        rejected: gate.rejected.map(({ candidate, reason }) => ({ model_type: candidate.model_type, run_id: candidate.run_id, reason })),
      },
    }),
  };

  // 2. One promotion at a time per bucket (repairing one whose eval died holding the lock), then read MLflow:
  // where the alias points now, and a version already registered for the run — under the lock, so that two evals
  // never both register the same run.
  const winnerRun = runs.get(winner.input)!;
  const registry = p.registered_model_name ? { name: p.registered_model_name, alias: p.alias } : undefined;
  const store = defaultObjectStore();
  const prefix = p.promotion_bucket ? bucketUri(p.promotion_bucket).replace(/\/+$/, '') : undefined;
  const lock = prefix ? await acquirePromotionLock(store, prefix) : undefined;
  // A signal waits for the promotion to finish or be taken back (checkpoints below) and the lock to be released,
  // within the grace period.
  const section = (async () => {
    try {
      if (lock?.abandoned) await repairAbandoned(lock.abandoned, tracker, store, log);
      await promote({ executor, p, log, tracker, registry, winner, winnerRun, chosen, given, ranked, gates, record, store, prefix, lock });
    } finally {
      await lock?.release().catch((error: unknown) => log.warn('could not release the promotion lock', { reason: messageOf(error) }));
    }
  })();
  const release = onShutdown(() => section.catch(() => undefined));
  try {
    await section;
  } finally {
    release();
  }
}

interface Promotion {
  executor: EvalExecutor;
  p: EvalExecutor['parameters'];
  log: Logger;
  tracker: Tracker;
  registry: { name: string; alias: string } | undefined;
  winner: ScoredCandidate;
  winnerRun: RunRecord;
  chosen: Candidate;
  given: Candidate[];
  ranked: ScoredCandidate[];
  gates: GateSettings;
  record: PromotionRecord;
  store: ObjectStore;
  prefix: string | undefined;
  lock: PromotionLock | undefined;
}

/** Steps 2 to 7 (see the top of this file), under the promotion lock. */
async function promote(context: Promotion): Promise<void> {
  const { executor, p, log, tracker, registry, winner, winnerRun, chosen, given, ranked, gates, record, store, prefix, lock } = context;
  const configHash = record.config_hash;
  const previousVersion = registry ? await aliasTarget(tracker, registry.name, registry.alias) : undefined;
  let version = registry ? await existingVersion(tracker, registry.name, winnerRun, winner.model_uri, previousVersion) : undefined;
  if (registry) {
    record.registered_model = { name: registry.name, alias: registry.alias, ...(version && { version: version.version }) };
    if (version) log.info('already registered', { model: registry.name, version: version.version, run_id: winner.run_id });
  }

  // 3. Local outputs, staged: the executor moves them into place only when eval succeeds.
  await cp(chosen.artifact.path, executor.outputArtifact('selected_model').path, { recursive: true });
  await stageOutputs(executor, record, chosen, given);

  // 4. The promotion history entry: a file of its own, taken back if anything after it fails.
  const records = prefix ? await writePromotionHistory(store, prefix, record) : undefined;
  if (records) log.info('promotion history written', { to: records.historyUri });

  // 5. MLflow: the eval run, the winner's run tagged, the version registered if new.
  const undo = new Undo(log);
  if (records) {
    undo.push('the promotion records', async () => {
      for (const problem of await records.restore()) log.warn(`could not restore promotion record ${problem}`);
    });
  }
  try {
    const evalRun = await tracker.startRun({ runName: 'eval', tags: { 'flts.config_hash': configHash, 'flts.identifier': p.identifier, 'flts.selected': winner.model_type } });
    undo.push('eval run', () => evalRun.end('FAILED'));
    await evalRun.logParams({
      rmse_weight: p.rmse_weight,
      mae_weight: p.mae_weight,
      mse_weight: p.mse_weight,
      score_units: p.score_units,
      rank_by: p.rank_by,
      config_hash: configHash,
      ...gateParameters(gates),
    });
    await evalRun.logMetrics(evalMetrics(ranked));

    checkpoint();
    await tagPromoted(tracker, winnerRun, record, undo);
    if (registry && !version) {
      version = await tracker.registerModel(winner.model_uri, registry.name, {
        tags: { model_type: winner.model_type, config_hash: configHash, run_id: winner.run_id },
        description: `FLTS ${winner.model_type.toUpperCase()} promoted by eval (score ${winner.score.toPrecision(5)}, ${record.units} units).`,
      });
      log.info('registered', { model: registry.name, version: version.version, run_id: winner.run_id });
      record.registered_model = { name: registry.name, alias: registry.alias, version: version.version };
      await records?.writeHistory(record);
      await stageOutputs(executor, record, chosen, given);
    }
    await logRecord(evalRun, record);
    checkpoint();
    await evalRun.end('FINISHED');

    // 6. The alias, once the intent is on record for a repair should this eval die before step 7.
    if (records) await lock?.writeIntent({ record, pointerUris: records.pointerUris });
    checkpoint();
    if (registry && version) {
      // Pushed first: a move whose reply was lost may have happened all the same.
      undo.push('the alias', () => restoreAlias(tracker, registry.name, registry.alias, previousVersion));
      await tracker.setAlias(registry.name, registry.alias, version.version);
      log.info('alias moved', { model: registry.name, version: version.version, alias: registry.alias, from: previousVersion?.version ?? 'none' });
    }
    checkpoint();
    // 7. The current.json pointers, last.
    if (records) {
      await records.writePointers(record);
      log.info('promotion record written', { to: records.pointerUris[0] });
    }
    // The promotion has taken effect: a signal from here on leaves the eval run FINISHED (shared/shutdown.ts).
    commitUnit();
  } catch (error) {
    await undo.run();
    throw error;
  }
}

/** Stops a promotion between steps once a signal arrived: the caller's catch takes back what was done. */
function checkpoint(): void {
  const signal = stopRequested();
  if (signal) throw new FltsError(`eval was stopped by ${signal} during the promotion; what it had done is taken back.`);
}

/**
 * Completes the promotion of an eval that died holding the lock: when the alias already points at the version
 * it promoted, the current.json pointers are written to say so (they are the last step, so they lag behind).
 * When the alias had not moved, the pointers never changed and nothing needs doing.
 */
async function repairAbandoned(intent: PromotionIntent, tracker: Tracker, store: ObjectStore, log: Logger): Promise<void> {
  const registered = intent.record.registered_model;
  const target = registered?.version ? await aliasTarget(tracker, registered.name, registered.alias) : undefined;
  if (registered?.version && target?.version === registered.version) {
    for (const uri of intent.pointerUris) await store.writeJson(uri, intent.record);
    log.warn('repaired an abandoned promotion: the alias had moved, current.json now says so', { run_id: intent.record.run_id, version: registered.version });
  } else {
    log.info('an earlier eval died holding the promotion lock before moving the alias; nothing to repair', { run_id: intent.record.run_id });
  }
}

/**
 * Tags the winner's run as promoted, on the finished run itself (never resumed, so its status and end time
 * stay), with the undo step that puts the tags back as they were: earlier values restored, new tags deleted.
 */
async function tagPromoted(tracker: Tracker, winnerRun: RunRecord, record: PromotionRecord, undo: Undo): Promise<void> {
  const runId = winnerRun.info.runId;
  const kept: Record<string, string> = {};
  const added: string[] = [];
  for (const key of PROMOTED_TAGS) {
    const value = winnerRun.tags[key];
    if (value === undefined) added.push(key);
    else kept[key] = value;
  }
  undo.push("the winner's promoted tags", async () => {
    if (Object.keys(kept).length > 0) await tracker.setTags(runId, kept);
    for (const key of added) await tracker.deleteTag(runId, key);
  });
  await tracker.setTags(runId, { promoted: 'true', 'flts.promoted_at': record.timestamp });
}

/** The selected model's metadata, the promotion record artifact and the report, at their staging paths. */
async function stageOutputs(executor: EvalExecutor, record: PromotionRecord, chosen: Candidate, given: Candidate[]): Promise<void> {
  const registered = record.registered_model;
  executor.setMetadata('selected_model', {
    ...chosen.metadata,
    promoted: true,
    score: record.score,
    ...(registered && { registered_model: registered.name, registered_version: registered.version, alias: registered.alias }),
  });
  await writeFile(executor.outputArtifact('promotion_metadata').path, `${JSON.stringify(record, null, 2)}\n`);
  executor.setMetadata('promotion_metadata', { model_type: record.model_type, run_id: record.run_id, score: record.score, config_hash: record.config_hash });
  await writeFile(executor.outputArtifact('report').path, await evalReport(record, given.map(({ input, metadata }) => ({ input, metadata }))));
  executor.setOutput('selected_model_type', record.model_type);
  executor.setOutput('selected_run_id', record.run_id);
}

/** The gates that are set, under their parameter names (for the record and MLflow). */
function gateParameters(gates: GateSettings): Record<string, number> {
  return Object.fromEntries(Object.entries(gates).map(([baseline, min]) => [GATES[baseline as keyof typeof GATES].parameter, min]));
}

/** A warning when every candidate loses to the linear baseline: a model a user fits in a second would do better. */
function warnWhenLinearWins(ranked: ScoredCandidate[], log: Logger): void {
  const skills = ranked.map((candidate) => candidate.skill_vs_linear);
  if (skills.length > 0 && skills.every((skill) => skill !== null && skill < 0)) {
    log.warn(
      `every candidate loses to the linear autoregressive baseline on the held-out targets (${ranked.map((c) => `${c.model_type} ${SKILL_METRICS.linear} ${c.skill_vs_linear!.toFixed(4)}`).join(', ')}); set min_skill_vs_linear to refuse such a promotion`,
    );
  }
}

function evalMetrics(ranked: ScoredCandidate[]): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const candidate of ranked) {
    metrics[`score_${candidate.model_type}`] = candidate.score;
    if (candidate.skill_vs_persistence !== null) metrics[`${SKILL_METRICS.persistence}_${candidate.model_type}`] = candidate.skill_vs_persistence;
    if (candidate.skill_vs_linear !== null) metrics[`${SKILL_METRICS.linear}_${candidate.model_type}`] = candidate.skill_vs_linear;
  }
  return metrics;
}

async function logRecord(run: TrackedRun, record: PromotionRecord): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'flts-promotion-'));
  try {
    await writeFile(join(directory, 'promotion.json'), `${JSON.stringify(record, null, 2)}\n`);
    await run.logArtifact(join(directory, 'promotion.json'), 'promotion');
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

/** Compensating steps for a failed promotion, run newest first; their own failures are logged, not thrown. */
class Undo {
  readonly #steps: { what: string; step: () => Promise<unknown> }[] = [];
  readonly #log: Logger;

  constructor(log: Logger) {
    this.#log = log;
  }

  push(what: string, step: () => Promise<unknown>): void {
    this.#steps.push({ what, step });
  }

  async run(): Promise<void> {
    for (const { what, step } of this.#steps.reverse()) {
      try {
        await step();
      } catch (error) {
        this.#log.warn(`could not put back ${what} after the failure`, { reason: messageOf(error) });
      }
    }
  }
}
