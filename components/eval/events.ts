/**
 * Eval as a Kafka service, with upstream's completion gate done right (reference/upstream-flts.md §5.2, §9): every
 * `Trained: <KIND>` event is recorded as a candidate of its lifecycle — (identifier, config hash) — in object
 * storage beside the claims ledger, so that the gate's state survives a restart and is shared by the group; once
 * every expected kind (`EXPECTED_MODEL_TYPES`, default GRU,LSTM,PROPHET) has a candidate, eval runs once for that
 * lifecycle on the candidates' models and metrics from MLflow, and publishes upstream's `model-selected`. A late or
 * duplicate trainer event finds the lifecycle done and republishes the recorded promotion; it never promotes again.
 */
import { DataError, InvalidParameterError } from '../../shared/errors.js';
import { modelSelected, parseModelTrainingEvent, trainedModelKind, type ModelSelected } from '../../shared/events/index.js';
import type { JsonObject } from '../../shared/kfp/spec.js';
import { scopeOf } from '../../shared/store/keys.js';
import { openTracking } from '../../shared/tracking/index.js';
import { runInProcess, startStage, withScratch, type StageContext } from '../events/stage.js';
import { runEval } from './evaluate.js';
import type { PromotionRecord } from './promotion.js';
import { evalSpec } from './spec.js';

/** The trainer kinds upstream's eval waits for, and the eval input each one fills. */
const INPUT_OF: Record<string, 'gru_model' | 'lstm_model' | 'prophet_model'> = { GRU: 'gru_model', LSTM: 'lstm_model', PROPHET: 'prophet_model' };

interface Candidate {
  kind: string;
  run_id: string;
  experiment: string;
}

export async function runEvalEvents(): Promise<void> {
  const expected = expectedKinds();
  await startStage({
    service: 'eval',
    topic: (topics) => topics.modelTraining,
    parse: parseModelTrainingEvent,
    handle: async ({ value: event }, context) => {
      const kind = trainedModelKind(event);
      if (event.status !== 'SUCCESS' || !kind || !expected.includes(kind)) return [];
      if (!event.config_hash) throw new DataError(`The "${event.operation}" event has no config_hash; eval's completion gate is kept per (identifier, config hash).`);
      const identifier = event.identifier ?? String(context.parameters['identifier'] ?? '');
      const lifecycle = `${context.ledgerRoot}/lifecycles/${encodeURIComponent(event.config_hash)}/${encodeURIComponent(scopeOf(identifier))}`;
      // The first candidate of a kind stands: a retrained run of the same lifecycle does not replace it.
      const candidate: Candidate = { kind, run_id: event.run_id, experiment: event.experiment };
      await context.store.createIfAbsent(`${lifecycle}/candidates/${kind}.json`, JSON.stringify(candidate));
      const candidates = await Promise.all(
        (await context.store.list(`${lifecycle}/candidates`)).map((object) => context.store.readJson<Candidate>(object.uri)),
      );
      if (!expected.every((wanted) => candidates.some((c) => c.kind === wanted))) return [];
      const { result } = await context.ledger.run({ configHash: event.config_hash, modelKind: 'eval', source: scopeOf(identifier) }, () =>
        promote(context, candidates.filter((c) => expected.includes(c.kind)), identifier, event.config_hash!),
      );
      const message = modelSelected(result);
      return [{ topic: context.topics.modelSelected, key: message.key, value: message.value }];
    },
  });
}

/** Runs the eval component on the candidates' models, downloaded from MLflow with the metrics their runs logged. */
async function promote(context: StageContext, candidates: Candidate[], identifier: string, configHash: string): Promise<ModelSelected> {
  const tracker = await openTracking({ trackingUri: String(context.parameters['mlflow_tracking_uri'] ?? '') });
  return withScratch(async (directory) => {
    const artifacts: Record<string, { uri: string; metadata: JsonObject }> = {};
    for (const candidate of candidates) {
      const run = await tracker.getRun(candidate.run_id);
      const modelUri = `runs:/${candidate.run_id}/model`;
      const local = await tracker.downloadArtifacts(modelUri, `${directory}/${candidate.kind}`);
      artifacts[INPUT_OF[candidate.kind]!] = { uri: local, metadata: { ...run.metrics, ...trainerMetadata(run.params, candidate, modelUri), targets: run.metrics['test_targets'] ?? 0 } };
    }
    const parameters = { ...context.parameters, identifier, config_hash: configHash, min_models: candidates.length };
    return runInProcess(evalSpec, runEval, parameters, artifacts, async (run) => {
      const record = (await context.store.readJson<PromotionRecord>(run.artifacts['promotion_metadata']!.uri));
      // Upstream's payload: the record's first fields, the model type as upstream named it.
      const { identifier: id, config_hash, run_id, model_type, experiment, model_uri, rmse, mae, mse, score, timestamp, weights } = record;
      return { identifier: id, config_hash, run_id, model_type: model_type.toUpperCase(), experiment, model_uri, rmse, mae, mse, score, timestamp, weights };
    });
  });
}

/** The artifact metadata a trainer writes, rebuilt from what its MLflow run recorded. */
function trainerMetadata(params: Record<string, string>, candidate: Candidate, modelUri: string): JsonObject {
  return {
    model_type: candidate.kind.toLowerCase(),
    run_id: candidate.run_id,
    model_uri: modelUri,
    experiment: candidate.experiment,
    config_hash: params['config_hash'] ?? '',
    input_length: Number(params['input_length']),
    horizon: Number(params['horizon']),
  };
}

function expectedKinds(env: NodeJS.ProcessEnv = process.env): string[] {
  const kinds = (env['EXPECTED_MODEL_TYPES'] || 'GRU,LSTM,PROPHET').split(',').map((k) => k.trim().toUpperCase()).filter(Boolean);
  const unknown = kinds.filter((k) => !(k in INPUT_OF));
  if (unknown.length > 0) {
    throw new InvalidParameterError([{ path: 'EXPECTED_MODEL_TYPES', message: `Environment variable EXPECTED_MODEL_TYPES lists ${unknown.join(', ')}; the kinds are ${Object.keys(INPUT_OF).join(', ')}.` }]);
  }
  return kinds;
}
