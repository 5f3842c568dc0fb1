/**
 * Event mode: the same component code behind a Kafka consumer group, with upstream's topics and message
 * shapes (reference/upstream-flts.md §2.4, §3.6, §5.2, §6.4). A component supplies a parser, a handler and
 * its claim key; this library does delivery (manual commits after acknowledged outputs), retries, the DLQ,
 * backpressure, deadlines, draining, idempotency markers and the operations endpoints.
 *
 * ```ts
 * const topics = topicsFromEnv();
 * const ledger = new ClaimLedger({ store: defaultObjectStore(), root: 's3://flts-events/ledger' });
 * await runEventService({
 *   service: 'train-gru', topic: topics.trainingData, groupId: 'flts-train-gru',
 *   kafka: kafkaSettingsFromEnv('train-gru'), parse: parseTrainingDataClaim, ...serviceSettingsFromEnv(),
 *   handle: async ({ value }) => {
 *     const { result } = await ledger.run({ configHash, modelKind: 'GRU', source: `s3://${value.bucket}/${value.object}` }, () => train(value));
 *     const { key, value: event } = trainingSucceeded('GRU', result);
 *     return [{ topic: topics.modelTraining, key, value: event }];
 *   },
 * });
 * ```
 */
export { topicsFromEnv, dlqTopic, TOPIC_VARIABLES, type Topics } from './topics.js';
export {
  MessageShapeError,
  parseJson,
  parseRawDataClaim,
  rawDataClaim,
  type RawDataClaim,
  parseTrainingDataClaim,
  parseInferenceDataClaim,
  parseModelTrainingEvent,
  parseModelSelected,
  parsePerformanceEval,
  trainedModelKind,
  trainingDataClaim,
  inferenceDataClaim,
  trainingStarted,
  trainingSucceeded,
  modelSelected,
  performanceEval,
  deadLetter,
  type TrainingDataClaim,
  type InferenceDataClaim,
  type ModelTrainingEvent,
  type ModelSelected,
  type PerformanceEval,
  type DeadLetter,
} from './messages.js';
export { kafkaSettingsFromEnv, createProducer, ensureTopics, type KafkaSettings, type StringProducer } from './client.js';
export { EventService, type EventServiceOptions, type InboundMessage, type OutboundMessage, type Handler, type QueueOptions, type StopResult } from './consumer.js';
export { runEventService, serviceSettingsFromEnv, type RunOptions, type ServiceSettings } from './service.js';
export { ClaimLedger, type ClaimKey, type LedgerOptions, type ClaimOutcome } from './idempotency.js';
export { startHealthServer, type HealthOptions, type HealthServer } from './http.js';
export { EventMetrics } from './metrics.js';
export { EventLog, type LogFields, type LogLevel } from './log.js';
export { MicroBatcher, type MicroBatchOptions } from './batch.js';
export { RetryLaterError, DEFAULT_RETRY, backoffMs, type RetryPolicy } from './retry.js';
