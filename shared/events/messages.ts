/**
 * Upstream's Kafka message shapes, exactly (reference/upstream-flts.md §2.4, §3.6, §5.2, §6.4): one typed
 * parser per message, which refuses a wrong shape with a MessageShapeError naming the topic and the field,
 * and one builder per message that ours publish. Parsers accept upstream's optional fields (PP's
 * `config_hash`) and ignore unknown ones, so upstream's Python services and ours can be mixed.
 */
import { FltsError } from '../errors.js';

/** A message that can never be processed as it is (not JSON, wrong shape); it goes to the DLQ at once. */
export class MessageShapeError extends FltsError {
  override name = 'MessageShapeError';
  override readonly exitCode = 2;
  /** The field that is wrong, or "" when the whole value is. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/** Claim check of a raw data file (and optionally its test file) for preprocess; topic `raw-data` (ours). */
export interface RawDataClaim {
  bucket: string;
  object: string;
  /** A held-out file in the same bucket, as upstream's `*_test.csv`. */
  test_object?: string;
  identifier?: string;
  v?: number;
}

/** Claim check of the processed training data; topic `training-data`, key `train-claim:<identifier>`. */
export interface TrainingDataClaim {
  bucket: string;
  object: string;
  /** Bytes of the object. */
  size?: number;
  /** Message version; upstream sends 1. */
  v?: number;
  identifier?: string;
  /** Sent by PP only; KF left it out. */
  config_hash?: string;
  /** Trainers accept "post: train data" or no operation at all (upstream §3.6). */
  operation?: string;
}

/** Claim check of the processed test data; topic `inference-data`, key `inference-claim:<identifier>`. */
export interface InferenceDataClaim {
  bucket: string;
  object: string;
  object_key?: string;
  size?: number;
  operation?: string;
  v?: number;
  identifier?: string;
}

/** A trainer's start or success event; topic `model-training`, key `trained-<KIND>` on success. */
export type ModelTrainingEvent = (
  | { operation: string; status: 'RUNNING'; experiment: string; run_name: string; config_hash?: string }
  | { operation: string; status: 'SUCCESS'; experiment: string; run_name: string; run_id: string; config_hash?: string }
) & {
  /** Ours, beside upstream's fields: the lifecycle's series, which eval's completion gate and promotion are kept per. */
  identifier?: string;
};

/** Eval's promotion; topic `model-selected`, key `promotion`. */
export interface ModelSelected {
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
  /** UTC ISO time ending in "Z". */
  timestamp: string;
  weights: { rmse: number; mae: number; mse: number };
}

/** Where inference wrote its log line; topic `performance-eval`. */
export interface PerformanceEval {
  operation: 'Inference';
  status: string;
  identifier: string;
  log_bucket: string;
  log_object_key: string;
  run_id: string;
  model_type: string;
  config_hash: string;
  rows: number;
}

/** What upstream's `publish_error` sends to `DLQ-<topic>`, plus our reason code. */
export interface DeadLetter {
  operation: string;
  status: 'Failure';
  error: string;
  /** The original message: parsed JSON when it was JSON, else its text. */
  payload: unknown;
  /** Seconds since the epoch, a float, as Python's time.time(). */
  timestamp: number;
  /** Ours: why it is here ("poison", "failed", "expired"). Upstream readers ignore it. */
  reason: string;
}

/** The message value as JSON; a MessageShapeError when it is not. */
export function parseJson(value: Buffer | string | undefined, topic: string): unknown {
  const text = value === undefined ? '' : value.toString();
  try {
    return JSON.parse(text);
  } catch (cause) {
    const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    throw new MessageShapeError('', `Message on "${topic}" is not JSON (${(cause as Error).message}); got ${JSON.stringify(shown)}.`);
  }
}

export function parseRawDataClaim(value: unknown, topic = 'raw-data'): RawDataClaim {
  const fields = new Fields(value, topic);
  const claim: RawDataClaim = { bucket: fields.text('bucket'), object: fields.text('object') };
  assignDefined(claim, { test_object: fields.optionalText('test_object'), identifier: fields.optionalText('identifier'), v: fields.optionalCount('v') });
  return claim;
}

export function parseTrainingDataClaim(value: unknown, topic = 'training-data'): TrainingDataClaim {
  const fields = new Fields(value, topic);
  const claim: TrainingDataClaim = { bucket: fields.text('bucket'), object: fields.text('object') };
  assignDefined(claim, {
    size: fields.optionalCount('size'),
    v: fields.optionalCount('v'),
    identifier: fields.optionalText('identifier'),
    config_hash: fields.optionalText('config_hash'),
    operation: fields.optionalText('operation'),
  });
  if (claim.operation !== undefined && claim.operation !== 'post: train data') {
    throw new MessageShapeError('operation', `Message on "${topic}": field "operation" must be "post: train data" or absent; got ${JSON.stringify(claim.operation)}.`);
  }
  return claim;
}

export function parseInferenceDataClaim(value: unknown, topic = 'inference-data'): InferenceDataClaim {
  const fields = new Fields(value, topic);
  const claim: InferenceDataClaim = { bucket: fields.text('bucket'), object: fields.text('object') };
  assignDefined(claim, {
    object_key: fields.optionalText('object_key'),
    size: fields.optionalCount('size'),
    operation: fields.optionalText('operation'),
    v: fields.optionalCount('v'),
    identifier: fields.optionalText('identifier'),
  });
  return claim;
}

export function parseModelTrainingEvent(value: unknown, topic = 'model-training'): ModelTrainingEvent {
  const fields = new Fields(value, topic);
  const status = fields.oneOf('status', ['RUNNING', 'SUCCESS'] as const);
  const common = { operation: fields.text('operation'), experiment: fields.text('experiment'), run_name: fields.text('run_name') };
  const configHash = fields.optionalText('config_hash');
  const identifier = fields.optionalText('identifier');
  const event: ModelTrainingEvent = status === 'SUCCESS' ? { ...common, status, run_id: fields.text('run_id') } : { ...common, status };
  if (configHash !== undefined) event.config_hash = configHash;
  if (identifier !== undefined) event.identifier = identifier;
  return event;
}

/** The model kind of a "Trained: GRU" success event ("GRU"), or undefined for a start event. */
export function trainedModelKind(event: ModelTrainingEvent): string | undefined {
  if (event.status !== 'SUCCESS') return undefined;
  const match = /^Trained: (.+)$/.exec(event.operation);
  return match?.[1];
}

export function parseModelSelected(value: unknown, topic = 'model-selected'): ModelSelected {
  const fields = new Fields(value, topic);
  const weights = new Fields(fields.object('weights'), topic, 'weights.');
  return {
    identifier: fields.text('identifier'),
    config_hash: fields.text('config_hash'),
    run_id: fields.text('run_id'),
    model_type: fields.text('model_type'),
    experiment: fields.text('experiment'),
    model_uri: fields.text('model_uri'),
    rmse: fields.number('rmse'),
    mae: fields.number('mae'),
    mse: fields.number('mse'),
    score: fields.number('score'),
    timestamp: fields.text('timestamp'),
    weights: { rmse: weights.number('rmse'), mae: weights.number('mae'), mse: weights.number('mse') },
  };
}

export function parsePerformanceEval(value: unknown, topic = 'performance-eval'): PerformanceEval {
  const fields = new Fields(value, topic);
  return {
    operation: fields.oneOf('operation', ['Inference'] as const),
    status: fields.text('status'),
    identifier: fields.text('identifier'),
    log_bucket: fields.text('log_bucket'),
    log_object_key: fields.text('log_object_key'),
    run_id: fields.text('run_id'),
    model_type: fields.text('model_type'),
    config_hash: fields.text('config_hash'),
    rows: fields.count('rows'),
  };
}

// Builders: the outbound message (key and value) in upstream's shape, ready for an OutboundMessage.

/** `raw-claim` on `raw-data`. */
export function rawDataClaim(claim: RawDataClaim): { key: string; value: RawDataClaim } {
  return { key: 'raw-claim', value: { ...claim, v: 1 } };
}

/**
 * `train-claim:<identifier>` on `training-data`: `{"bucket","object","size","v":1,"identifier","config_hash"}`. Upstream
 * keyed every claim `train-claim`, which put them all on one partition, so that one member of a group did all the
 * work; keyed per series, series spread over the partitions and each series' claims stay in order.
 */
export function trainingDataClaim(claim: { bucket: string; object: string; size: number; identifier: string; config_hash?: string }): { key: string; value: TrainingDataClaim } {
  const value: TrainingDataClaim = { bucket: claim.bucket, object: claim.object, size: claim.size, v: 1, identifier: claim.identifier };
  if (claim.config_hash !== undefined) value.config_hash = claim.config_hash;
  return { key: `train-claim:${claim.identifier}`, value };
}

/** `inference-claim:<identifier>` on `inference-data` (per series, as the training claim), with upstream's `object_key` and `operation`. */
export function inferenceDataClaim(claim: { bucket: string; object: string; size: number; identifier: string }): { key: string; value: InferenceDataClaim } {
  return {
    key: `inference-claim:${claim.identifier}`,
    value: { bucket: claim.bucket, object: claim.object, object_key: claim.object, size: claim.size, operation: 'post: test data', v: 1, identifier: claim.identifier },
  };
}

/** "Training Started: <KIND>" (no key) on `model-training`. */
export function trainingStarted(kind: string, run: { experiment: string; run_name: string; config_hash: string }): { key?: string; value: ModelTrainingEvent } {
  return { value: { operation: `Training Started: ${kind}`, status: 'RUNNING', experiment: run.experiment, run_name: run.run_name, config_hash: run.config_hash } };
}

/** "Trained: <KIND>", key `trained-<KIND>`, on `model-training`. */
export function trainingSucceeded(kind: string, run: { experiment: string; run_name: string; run_id: string; config_hash: string }): { key: string; value: ModelTrainingEvent } {
  return {
    key: `trained-${kind}`,
    value: { operation: `Trained: ${kind}`, status: 'SUCCESS', experiment: run.experiment, run_name: run.run_name, run_id: run.run_id, config_hash: run.config_hash },
  };
}

/** `promotion` on `model-selected`. */
export function modelSelected(payload: ModelSelected): { key: string; value: ModelSelected } {
  return { key: 'promotion', value: payload };
}

/** On `performance-eval` (upstream sends no key). */
export function performanceEval(payload: Omit<PerformanceEval, 'operation'>): { key?: string; value: PerformanceEval } {
  return { value: { operation: 'Inference', ...payload } };
}

/** A dead letter in upstream's `publish_error` shape. */
export function deadLetter(operation: string, reason: string, error: string, payload: unknown, now = Date.now()): DeadLetter {
  return { operation, status: 'Failure', error, payload, timestamp: now / 1000, reason };
}

/** Reads typed fields of one JSON object and names the field in every complaint. */
class Fields {
  readonly #record: Record<string, unknown>;
  readonly #topic: string;
  readonly #prefix: string;

  constructor(value: unknown, topic: string, prefix = '') {
    this.#topic = topic;
    this.#prefix = prefix;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new MessageShapeError(prefix.replace(/\.$/, ''), `Message on "${topic}"${prefix ? `: field "${prefix.slice(0, -1)}"` : ''} must be a JSON object; got ${describe(value)}.`);
    }
    this.#record = value as Record<string, unknown>;
  }

  text(name: string): string {
    const value = this.#record[name];
    if (typeof value !== 'string' || value.trim() === '') this.#fail(name, 'a non-empty string', value);
    return value;
  }

  optionalText(name: string): string | undefined {
    return this.#record[name] === undefined || this.#record[name] === null ? undefined : this.text(name);
  }

  number(name: string): number {
    const value = this.#record[name];
    if (typeof value !== 'number' || !Number.isFinite(value)) this.#fail(name, 'a finite number', value);
    return value;
  }

  count(name: string): number {
    const value = this.#record[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) this.#fail(name, 'a non-negative integer', value);
    return value;
  }

  optionalCount(name: string): number | undefined {
    return this.#record[name] === undefined || this.#record[name] === null ? undefined : this.count(name);
  }

  object(name: string): unknown {
    const value = this.#record[name];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.#fail(name, 'a JSON object', value);
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T {
    const value = this.#record[name];
    if (!allowed.includes(value as T)) this.#fail(name, allowed.map((a) => JSON.stringify(a)).join(' or '), value);
    return value as T;
  }

  #fail(name: string, expected: string, value: unknown): never {
    const field = `${this.#prefix}${name}`;
    throw new MessageShapeError(field, `Message on "${this.#topic}": field "${field}" must be ${expected}; got ${describe(value)}.`);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function assignDefined<T extends object>(target: T, values: Partial<T>): void {
  for (const [key, value] of Object.entries(values)) if (value !== undefined) (target as Record<string, unknown>)[key] = value;
}
