/**
 * The eval component's body: read the candidates' metadata, rank them, promote the winner (MLflow tag,
 * registered model version and alias, promotion records), copy its model directory to `selected_model`, and
 * record the comparison as an MLflow run and an HTML report.
 */
import { cp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '../../shared/errors.js';
import type { Executor } from '../../shared/kfp/executor.js';
import { Logger } from '../../shared/log.js';
import { trainedModelMetadata } from '../../shared/models/trained-model.js';
import { bucketUri, defaultObjectStore } from '../../shared/store/index.js';
import { openTracking } from '../../shared/tracking/index.js';
import { promotionKeys, type PromotionRecord } from './promotion.js';
import { evalReport } from './report.js';
import { rankCandidates } from './scoring.js';
import type { evalSpec } from './spec.js';

const INPUTS = ['gru_model', 'lstm_model', 'prophet_model'] as const;

export async function runEval(executor: Executor<typeof evalSpec>): Promise<void> {
  const p = executor.parameters;
  const log = new Logger('eval');
  const given = INPUTS.flatMap((input) => {
    const artifact = executor.inputArtifact(input);
    return artifact ? [{ input, artifact, metadata: trainedModelMetadata(input, artifact.metadata) }] : [];
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
  const winner = ranked[0]!;
  const chosen = given.find(({ input }) => input === winner.input)!;
  for (const candidate of ranked) log.info('candidate', { model: candidate.model_type, score: candidate.score, rmse: candidate.rmse, mae: candidate.mae });
  log.info('selected', { model: winner.model_type, run_id: winner.run_id, score: winner.score });

  const configHash = chosen.metadata.config_hash;
  const tracker = await openTracking({ trackingUri: p.mlflow_tracking_uri, experiment: p.mlflow_experiment });
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
  };

  // Promotion in MLflow: the winner's run is tagged, and (optionally) registered with the alias moved to it.
  const winnerRun = await tracker.resumeRun(winner.run_id);
  await winnerRun.setTags({ promoted: 'true', 'flts.promoted_at': record.timestamp });
  // Resuming marks a run RUNNING (as MLflow's start_run(run_id) does); the training run had finished.
  await winnerRun.end('FINISHED');
  if (p.registered_model_name) {
    const version = await tracker.registerModel(winner.model_uri, p.registered_model_name, {
      tags: { model_type: winner.model_type, config_hash: configHash },
      description: `FLTS ${winner.model_type.toUpperCase()} promoted by eval (score ${winner.score.toPrecision(5)}, ${p.score_units} units).`,
    });
    await tracker.setAlias(p.registered_model_name, p.alias, version.version);
    record.registered_model = { name: p.registered_model_name, version: version.version, alias: p.alias };
    log.info('registered', { model: p.registered_model_name, version: version.version, alias: p.alias });
  }

  const evalRun = await tracker.startRun({ runName: 'eval', tags: { 'flts.config_hash': configHash, 'flts.identifier': p.identifier, 'flts.selected': winner.model_type } });
  try {
    await evalRun.logParams({ rmse_weight: p.rmse_weight, mae_weight: p.mae_weight, mse_weight: p.mse_weight, score_units: p.score_units, config_hash: configHash });
    await evalRun.logMetrics(Object.fromEntries(ranked.map((candidate) => [`score_${candidate.model_type}`, candidate.score])));
    const recordPath = join(tmpdir(), `flts-promotion-${process.pid}.json`);
    await writeFile(recordPath, `${JSON.stringify(record, null, 2)}\n`);
    await evalRun.logArtifact(recordPath, 'promotion');
    await evalRun.end('FINISHED');
  } catch (error) {
    await evalRun.end('FAILED').catch(() => undefined);
    throw error;
  }

  if (p.promotion_bucket) {
    const store = defaultObjectStore();
    const prefix = bucketUri(p.promotion_bucket).replace(/\/+$/, '');
    for (const key of promotionKeys(record)) await store.writeJson(`${prefix}/${key}`, record);
    log.info('promotion record written', { to: `${prefix}/${promotionKeys(record)[1]}` });
  }

  await cp(chosen.artifact.path, executor.outputArtifact('selected_model').path, { recursive: true });
  executor.setMetadata('selected_model', { ...chosen.metadata, promoted: true, score: winner.score, ...(record.registered_model ? { registered_model: record.registered_model.name, registered_version: record.registered_model.version, alias: record.registered_model.alias } : {}) });
  await writeFile(executor.outputArtifact('promotion_metadata').path, `${JSON.stringify(record, null, 2)}\n`);
  executor.setMetadata('promotion_metadata', { model_type: winner.model_type, run_id: winner.run_id, score: winner.score, config_hash: configHash });
  await writeFile(executor.outputArtifact('report').path, evalReport(record, given.map(({ input, metadata }) => ({ input, metadata }))));
  executor.setOutput('selected_model_type', winner.model_type);
  executor.setOutput('selected_run_id', winner.run_id);
}
