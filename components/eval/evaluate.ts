/**
 * The eval component's body: read the candidates' metadata, rank them, apply the promotion gate, and promote
 * the winner: its model directory copied to `selected_model`, promotion records, an MLflow eval run, the
 * winner's run tagged, a registered model version, and the registry alias moved to it.
 *
 * Order matters, because a failed eval must not leave a half promotion behind. Everything that can fail for
 * local reasons comes first (the inputs, the outputs staged, the promotion records written), then MLflow, and
 * moving the alias is the very last step. A version is registered only when none exists for the winning run
 * (re-running eval for the same run reuses it), and when any step fails before the alias moved, the promotion
 * records and the winner's tags are put back as they were.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError, messageOf } from '../../shared/errors.js';
import type { Executor } from '../../shared/kfp/executor.js';
import { Logger } from '../../shared/log.js';
import { trainedModelMetadata, type TrainedModelMetadata } from '../../shared/models/trained-model.js';
import { bucketUri, defaultObjectStore } from '../../shared/store/index.js';
import { openTracking, type ModelVersion, type RunRecord, type TrackedRun, type Tracker } from '../../shared/tracking/index.js';
import { applyGate, GATE_PARAMETER, requireEligible } from './gate.js';
import { writePromotionRecords, type PromotionRecord } from './promotion.js';
import { existingVersion, taggedVersions, VERSIONS_TAG } from './registry.js';
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

  // 1. Decide, touching nothing.
  const given: Candidate[] = INPUTS.flatMap((input) => {
    const artifact = executor.inputArtifact(input);
    return artifact ? [{ input, artifact, metadata: trainedModelMetadata(input, artifact.metadata, artifact.path) }] : [];
  });
  if (given.length < p.min_models) {
    throw new DataError(`Eval needs at least ${p.min_models} candidate model(s) (min_models); got ${given.length}: ${given.map((g) => g.input).join(', ') || 'none'}.`);
  }
  if (p.config_hash) {
    const other = given.find(({ metadata }) => metadata.config_hash !== p.config_hash);
    if (other) throw new DataError(`Input artifact "${other.input}" was trained on config ${other.metadata.config_hash}, not the config_hash parameter ${p.config_hash}.`);
  }
  const weights = { rmse: p.rmse_weight, mae: p.mae_weight, mse: p.mse_weight };
  const ranked = rankCandidates(given, weights, p.score_units);
  for (const candidate of ranked) {
    log.info('candidate', { model: candidate.model_type, score: candidate.score, rmse: candidate.rmse, mae: candidate.mae, skill_vs_persistence: candidate.skill_vs_persistence ?? undefined });
  }
  const gate = applyGate(ranked, p.min_skill_vs_persistence);
  for (const { candidate, reason } of gate.rejected) log.info(`not eligible (${GATE_PARAMETER} = ${p.min_skill_vs_persistence})`, { model: candidate.model_type, reason });
  const winner = requireEligible(gate, p.min_skill_vs_persistence);
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
    weights,
    timestamp: new Date().toISOString(),
    candidates: ranked,
    ...(p.min_skill_vs_persistence !== undefined && {
      gate: {
        min_skill_vs_persistence: p.min_skill_vs_persistence,
        rejected: gate.rejected.map(({ candidate, reason }) => ({ model_type: candidate.model_type, run_id: candidate.run_id, reason })),
      },
    }),
  };

  // 2. Read MLflow: the tracking store, the winner's run, and a version already registered for it.
  const tracker = await openTracking({ trackingUri: p.mlflow_tracking_uri, experiment: p.mlflow_experiment, logger: log });
  const winnerRun = await tracker.getRun(winner.run_id);
  const registry = p.registered_model_name ? { name: p.registered_model_name, alias: p.alias } : undefined;
  let version = registry ? await existingVersion(tracker, registry.name, registry.alias, winnerRun, winner.model_uri) : undefined;
  if (registry) {
    record.registered_model = { name: registry.name, alias: registry.alias, ...(version && { version: version.version }) };
    if (version) log.info('already registered', { model: registry.name, version: version.version, run_id: winner.run_id });
  }

  // 3. Local outputs, staged: the executor moves them into place only when eval succeeds.
  await cp(chosen.artifact.path, executor.outputArtifact('selected_model').path, { recursive: true });
  await stageOutputs(executor, record, chosen, given);

  // 4. The promotion records, taken back if anything after them fails.
  const records = p.promotion_bucket ? await writePromotionRecords(defaultObjectStore(), bucketUri(p.promotion_bucket).replace(/\/+$/, ''), record) : undefined;
  if (records) log.info('promotion record written', { to: records.uris[1] });

  // 5. MLflow: the eval run, the winner's run tagged, the version registered if new; the alias moves last.
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
      config_hash: configHash,
      ...(p.min_skill_vs_persistence !== undefined && { [GATE_PARAMETER]: p.min_skill_vs_persistence }),
    });
    await evalRun.logMetrics(evalMetrics(ranked));

    version = await tagAndRegister(tracker, winnerRun, winner, record, registry, version, undo);
    if (registry && version && record.registered_model?.version !== version.version) {
      record.registered_model = { name: registry.name, alias: registry.alias, version: version.version };
      await records?.rewrite(record);
      await stageOutputs(executor, record, chosen, given);
    }
    await logRecord(evalRun, record);
    await evalRun.end('FINISHED');

    if (registry && version) {
      await tracker.setAlias(registry.name, registry.alias, version.version);
      log.info('alias moved', { model: registry.name, version: version.version, alias: registry.alias });
    }
  } catch (error) {
    await undo.run();
    throw error;
  }
}

/**
 * Tags the winner's run as promoted and, with a registry, registers its model unless `existing` is a version of
 * it already (recording the new version on the run, so that a re-run finds it). Returns the version to alias.
 */
async function tagAndRegister(
  tracker: Tracker,
  winnerRun: RunRecord,
  winner: ScoredCandidate,
  record: PromotionRecord,
  registry: { name: string; alias: string } | undefined,
  existing: ModelVersion | undefined,
  undo: Undo,
): Promise<ModelVersion | undefined> {
  // Resuming marks a run RUNNING (as MLflow's start_run(run_id) does); its own status is put back afterwards.
  const run = await tracker.resumeRun(winner.run_id);
  const status = winnerRun.info.status;
  try {
    const previous = Object.fromEntries(PROMOTED_TAGS.map((key) => [key, winnerRun.tags[key] ?? (key === 'promoted' ? 'false' : '')]));
    await run.setTags({ promoted: 'true', 'flts.promoted_at': record.timestamp });
    undo.push("the winner's promoted tag", () => run.setTags(previous));
    let version = existing;
    if (registry && !version) {
      version = await tracker.registerModel(winner.model_uri, registry.name, {
        tags: { model_type: winner.model_type, config_hash: record.config_hash, run_id: winner.run_id },
        description: `FLTS ${winner.model_type.toUpperCase()} promoted by eval (score ${winner.score.toPrecision(5)}, ${record.units} units).`,
      });
      await run.setTags({ [VERSIONS_TAG]: JSON.stringify({ ...taggedVersions(winnerRun), [registry.name]: version.version }) });
    }
    return version;
  } finally {
    if (status === 'FINISHED' || status === 'FAILED' || status === 'KILLED') await run.end(status);
  }
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
  await writeFile(executor.outputArtifact('report').path, evalReport(record, given.map(({ input, metadata }) => ({ input, metadata }))));
  executor.setOutput('selected_model_type', record.model_type);
  executor.setOutput('selected_run_id', record.run_id);
}

function evalMetrics(ranked: ScoredCandidate[]): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const candidate of ranked) {
    metrics[`score_${candidate.model_type}`] = candidate.score;
    if (candidate.skill_vs_persistence !== null) metrics[`skill_vs_persistence_${candidate.model_type}`] = candidate.skill_vs_persistence;
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
