import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  deadLetter,
  dlqTopic,
  inferenceDataClaim,
  MessageShapeError,
  modelSelected,
  parseInferenceDataClaim,
  parseJson,
  parseModelSelected,
  parseModelTrainingEvent,
  parsePerformanceEval,
  parseTrainingDataClaim,
  performanceEval,
  topicsFromEnv,
  trainedModelKind,
  trainingDataClaim,
  trainingStarted,
  trainingSucceeded,
} from '../../shared/events/index.js';

// Messages exactly as upstream's Python services send them (reference/upstream-flts.md §2.4, §3.6, §5.2, §6.4).
const UPSTREAM_TRAIN_CLAIM = '{"bucket": "processed-data", "object": "processed_data.parquet", "size": 1730000, "v": 1, "identifier": "ElBorn"}';
const UPSTREAM_PP_TRAIN_CLAIM = '{"bucket": "processed-data", "object": "processed_data.parquet", "size": 1730000, "v": 1, "identifier": "ElBorn", "config_hash": "3f1e"}';
const UPSTREAM_INFERENCE_CLAIM =
  '{"bucket": "processed-data", "object": "test_processed_data.parquet", "object_key": "test_processed_data.parquet", "size": 463000, "operation": "post: test data", "v": 1, "identifier": "ElBorn"}';
const UPSTREAM_TRAINED = '{"operation": "Trained: GRU", "status": "SUCCESS", "experiment": "Default", "run_name": "GRU_run", "run_id": "a1b2c3"}';
const UPSTREAM_STARTED = '{"operation": "Training Started: LSTM", "status": "RUNNING", "experiment": "Default", "run_name": "LSTM_run", "config_hash": "3f1e"}';
const UPSTREAM_PROMOTION =
  '{"identifier": "ElBorn", "config_hash": "default", "run_id": "a1b2c3", "model_type": "GRU", "experiment": "Default", "model_uri": "runs:/a1b2c3/GRU", "rmse": 0.1, "mae": 0.05, "mse": 0.01, "score": 0.067, "timestamp": "2025-10-17T10:00:00.000000Z", "weights": {"rmse": 0.5, "mae": 0.3, "mse": 0.2}}';
const UPSTREAM_PERFORMANCE =
  '{"operation": "Inference", "status": "SUCCESS", "identifier": "ElBorn", "log_bucket": "inference-logs", "log_object_key": "ElBorn/20251017/results.jsonl", "run_id": "a1b2c3", "model_type": "GRU", "config_hash": "3f1e", "rows": 10}';

/** Ours, serialised, must read back as upstream's JSON reads: same keys, same values. */
const sameJson = (ours: unknown, upstream: string) => assert.deepEqual(JSON.parse(JSON.stringify(ours)), JSON.parse(upstream));

describe('event messages', () => {
  describe('with upstream\'s exact messages', () => {
    it('parses each one and builds ours in the same shape', () => {
      const train = parseTrainingDataClaim(parseJson(UPSTREAM_TRAIN_CLAIM, 'training-data'));
      sameJson(trainingDataClaim({ bucket: train.bucket, object: train.object, size: train.size!, identifier: train.identifier! }).value, UPSTREAM_TRAIN_CLAIM);
      sameJson(trainingDataClaim({ bucket: 'processed-data', object: 'processed_data.parquet', size: 1730000, identifier: 'ElBorn', config_hash: '3f1e' }).value, UPSTREAM_PP_TRAIN_CLAIM);
      assert.equal(parseTrainingDataClaim(JSON.parse(UPSTREAM_PP_TRAIN_CLAIM)).config_hash, '3f1e');

      const inference = parseInferenceDataClaim(JSON.parse(UPSTREAM_INFERENCE_CLAIM));
      sameJson(inferenceDataClaim({ bucket: inference.bucket, object: inference.object, size: inference.size!, identifier: inference.identifier! }).value, UPSTREAM_INFERENCE_CLAIM);

      const trained = parseModelTrainingEvent(JSON.parse(UPSTREAM_TRAINED));
      assert.equal(trainedModelKind(trained), 'GRU');
      sameJson({ ...trainingSucceeded('GRU', { experiment: 'Default', run_name: 'GRU_run', run_id: 'a1b2c3', config_hash: '3f1e' }).value, config_hash: undefined }, UPSTREAM_TRAINED);
      assert.equal(trainingSucceeded('GRU', { experiment: 'Default', run_name: 'r', run_id: 'a', config_hash: 'h' }).key, 'trained-GRU');
      const started = parseModelTrainingEvent(JSON.parse(UPSTREAM_STARTED));
      assert.equal(trainedModelKind(started), undefined);
      sameJson(trainingStarted('LSTM', { experiment: 'Default', run_name: 'LSTM_run', config_hash: '3f1e' }).value, UPSTREAM_STARTED);

      const promotion = parseModelSelected(JSON.parse(UPSTREAM_PROMOTION));
      sameJson(modelSelected(promotion).value, UPSTREAM_PROMOTION);
      assert.equal(modelSelected(promotion).key, 'promotion');

      const { operation: _operation, ...performance } = parsePerformanceEval(JSON.parse(UPSTREAM_PERFORMANCE));
      sameJson(performanceEval(performance).value, UPSTREAM_PERFORMANCE);
    });

    it("keeps our identifier on a trainer's event, so that eval gates and promotes per series", () => {
      assert.equal(parseModelTrainingEvent({ ...JSON.parse(UPSTREAM_TRAINED), identifier: 'site-07' }).identifier, 'site-07');
      assert.equal(parseModelTrainingEvent(JSON.parse(UPSTREAM_TRAINED)).identifier, undefined);
    });

    it('ignores fields it does not know, so newer upstream messages still parse', () => {
      const claim = parseTrainingDataClaim({ ...JSON.parse(UPSTREAM_TRAIN_CLAIM), trace_id: 'x' });
      assert.equal('trace_id' in claim, false);
    });
  });

  describe('when a message has the wrong shape', () => {
    const cases: [string, () => unknown, string, string][] = [
      ['not JSON', () => parseJson('{"bucket": ', 'training-data'), '', 'Message on "training-data" is not JSON'],
      ['an array', () => parseTrainingDataClaim([], 'training-data'), '', 'Message on "training-data" must be a JSON object; got [].'],
      ['no bucket', () => parseTrainingDataClaim({ object: 'a.parquet' }), 'bucket', 'Message on "training-data": field "bucket" must be a non-empty string; got nothing (the field is missing).'],
      ['a numeric size as text', () => parseTrainingDataClaim({ bucket: 'b', object: 'o', size: '12' }), 'size', 'Message on "training-data": field "size" must be a non-negative integer; got "12".'],
      [
        'another operation',
        () => parseTrainingDataClaim({ bucket: 'b', object: 'o', operation: 'post: test data' }),
        'operation',
        'Message on "training-data": field "operation" must be "post: train data" or absent; got "post: test data".',
      ],
      ['an unknown status', () => parseModelTrainingEvent({ operation: 'Trained: GRU', status: 'DONE' }), 'status', 'Message on "model-training": field "status" must be "RUNNING" or "SUCCESS"; got "DONE".'],
      ['a success without run_id', () => parseModelTrainingEvent({ operation: 'Trained: GRU', status: 'SUCCESS', experiment: 'e', run_name: 'r' }), 'run_id', 'Message on "model-training": field "run_id" must be a non-empty string; got nothing (the field is missing).'],
      [
        'a weight that is not a number',
        () => parseModelSelected({ ...JSON.parse(UPSTREAM_PROMOTION), weights: { rmse: 0.5, mae: 'x', mse: 0.2 } }),
        'weights.mae',
        'Message on "model-selected": field "weights.mae" must be a finite number; got "x".',
      ],
    ];
    for (const [what, parse, field, message] of cases) {
      it(`refuses ${what} with a MessageShapeError naming the field`, () => {
        assert.throws(parse, (error: unknown) => {
          assert.ok(error instanceof MessageShapeError);
          assert.equal(error.field, field);
          assert.ok(error.message.startsWith(message), `${error.message} should start with ${message}`);
          return true;
        });
      });
    }
  });

  describe('topics', () => {
    it('uses upstream\'s names unless the environment overrides one, and DLQ-<topic> for dead letters', () => {
      assert.deepEqual(topicsFromEnv({ FLTS_TOPIC_MODEL_SELECTED: 'site-7-model-selected', FLTS_TOPIC_TRAINING_DATA: '' }), {
        rawData: 'raw-data',
        trainingData: 'training-data',
        inferenceData: 'inference-data',
        modelTraining: 'model-training',
        modelSelected: 'site-7-model-selected',
        performanceEval: 'performance-eval',
      });
      assert.equal(dlqTopic('model-training'), 'DLQ-model-training');
    });
  });

  describe('dead letters', () => {
    it('have upstream\'s publish_error shape with a float epoch timestamp, plus our reason', () => {
      assert.deepEqual(deadLetter('train-gru', 'failed', 'boom', { bucket: 'b' }, 1_760_000_000_500), {
        operation: 'train-gru',
        status: 'Failure',
        error: 'boom',
        payload: { bucket: 'b' },
        timestamp: 1_760_000_000.5,
        reason: 'failed',
      });
    });
  });
});
