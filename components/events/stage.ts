/**
 * Event mode's glue for every component: a stage consumes one topic through shared/events, fetches the objects a
 * claim names, runs the very same component body in-process on a kfp.local-style ExecutorInput (parameters checked
 * against the component's spec, outputs staged and committed, or removed on failure), and hands its ExecutorOutput
 * to the stage's handler, which says what to publish next. Parameters that a KFP pipeline would pass come from
 * `FLTS_PARAMETERS` (a JSON object, checked by the component like any ExecutorInput); the processed-claims
 * ledger lives at `FLTS_EVENTS_LEDGER_URI`.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { numberFromEnv } from '../../shared/env.js';
import { InvalidParameterError } from '../../shared/errors.js';
import {
  ClaimLedger,
  dlqTopic,
  ensureTopics,
  kafkaSettingsFromEnv,
  runEventService,
  serviceSettingsFromEnv,
  topicsFromEnv,
  type Handler,
  type InboundMessage,
  type Topics,
} from '../../shared/events/index.js';
import { localExecutorInput, type LocalArtifact } from '../../shared/kfp/local-input.js';
import { executeComponent, type ComponentBody } from '../../shared/kfp/run.js';
import type { ComponentSpec, JsonObject, JsonValue } from '../../shared/kfp/spec.js';
import { parseExecutorInput } from '../../shared/kfp/executor-input.js';
import { bucketUri, defaultObjectStore, type ObjectStore } from '../../shared/store/index.js';
import { componentSpecs } from '../specs.js';

/** What a stage's handler works with. */
export interface StageContext {
  store: ObjectStore;
  ledger: ClaimLedger;
  /** Where the ledger's markers live; stages keep their other state beside them (eval's candidates). */
  ledgerRoot: string;
  topics: Topics;
  /** The component parameters from `FLTS_PARAMETERS`. */
  parameters: Record<string, JsonValue>;
}

/** The ExecutorOutput of an in-process run, with the task directory its local outputs are under. */
export interface StageRun {
  artifacts: Record<string, { uri: string; metadata: Record<string, unknown> }>;
  parameters: Record<string, JsonValue>;
}

export function stageContext(env: NodeJS.ProcessEnv = process.env): StageContext {
  const store = defaultObjectStore();
  const root = env['FLTS_EVENTS_LEDGER_URI'] || `${bucketUri('flts-events', env)}/ledger`;
  const leaseMs = env['FLTS_EVENTS_LEASE_MS']?.trim() ? envInteger(env, 'FLTS_EVENTS_LEASE_MS', 1000, 86_400_000, 'milliseconds') : undefined;
  const ledger = new ClaimLedger({ store, root, ...(leaseMs !== undefined && { leaseMs }) });
  return { store, ledger, ledgerRoot: root, topics: topicsFromEnv(env), parameters: parametersFromEnv(env) };
}

/**
 * `FLTS_PARAMETERS`: a JSON object of component parameters, one for the whole chain (each stage takes those its
 * component declares); anything else, or a name no component declares, is an error naming the variable.
 */
export function parametersFromEnv(env: NodeJS.ProcessEnv = process.env): Record<string, JsonValue> {
  const text = env['FLTS_PARAMETERS']?.trim();
  if (!text) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new InvalidParameterError([{ path: 'FLTS_PARAMETERS', message: `Environment variable FLTS_PARAMETERS must be a JSON object of component parameters: ${(cause as Error).message}.` }]);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new InvalidParameterError([{ path: 'FLTS_PARAMETERS', message: `Environment variable FLTS_PARAMETERS must be a JSON object of component parameters; got ${JSON.stringify(parsed)}.` }]);
  }
  const known = new Set(componentSpecs.flatMap((spec) => Object.keys(spec.inputs.parameters)));
  const unknown = Object.keys(parsed).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new InvalidParameterError([{ path: 'FLTS_PARAMETERS', message: `Environment variable FLTS_PARAMETERS names ${unknown.map((n) => `"${n}"`).join(', ')}, which no component takes.` }]);
  }
  return parsed as Record<string, JsonValue>;
}

/** Runs a stage until SIGTERM/SIGINT: consumer group `flts-<service>` (or `FLTS_EVENTS_GROUP`) on `topic`. */
export async function startStage<T>(options: {
  service: string;
  topic: (topics: Topics) => string;
  parse: (json: unknown, topic: string) => T;
  handle: (message: InboundMessage<T>, context: StageContext) => ReturnType<Handler<T>>;
  /** Messages handled side by side unless `FLTS_EVENTS_CONCURRENCY` says otherwise. @default 1 */
  concurrency?: number;
}): Promise<void> {
  const context = stageContext();
  const topic = options.topic(context.topics);
  const kafka = kafkaSettingsFromEnv(options.service);
  // The chain's topics and their dead-letter topics, created when missing (FLTS_TOPIC_PARTITIONS, FLTS_TOPIC_REPLICAS).
  const chain = Object.values(context.topics);
  await ensureTopics(kafka, [...chain, ...chain.map(dlqTopic)], topicLayoutFromEnv());
  await runEventService<T>({
    service: options.service,
    topic,
    groupId: process.env['FLTS_EVENTS_GROUP'] || `flts-${options.service}`,
    kafka,
    parse: options.parse,
    handle: (message) => options.handle(message, context),
    ...(options.concurrency !== undefined && { concurrency: options.concurrency }),
    ...serviceSettingsFromEnv(),
  });
}

/** Partitions and replicas of topics a stage creates: `FLTS_TOPIC_PARTITIONS` (default 3), `FLTS_TOPIC_REPLICAS` (default 1). */
function topicLayoutFromEnv(env: NodeJS.ProcessEnv = process.env): { partitions: number; replicas: number } {
  return {
    partitions: env['FLTS_TOPIC_PARTITIONS']?.trim() ? envInteger(env, 'FLTS_TOPIC_PARTITIONS', 1, 10_000) : 3,
    replicas: env['FLTS_TOPIC_REPLICAS']?.trim() ? envInteger(env, 'FLTS_TOPIC_REPLICAS', 1, 100) : 1,
  };
}

/** A whole number from the environment in [min, max], or an error naming the variable. */
function envInteger(env: NodeJS.ProcessEnv, name: string, min: number, max: number, unit?: string): number {
  const range = { fallback: min, min, max, integer: true, ...(unit && { unit }) };
  return numberFromEnv(env, name, range, (message) => new InvalidParameterError([{ path: name, message: `Environment variable ${message}` }]));
}

/**
 * Runs component `spec` in-process on those of `parameters` it declares and on input `artifacts`, in a fresh task
 * directory that `use` may read; the directory is removed afterwards. Throws what the component throws.
 */
export async function runInProcess<S extends ComponentSpec, R>(
  spec: S,
  body: ComponentBody<S>,
  parameters: Record<string, JsonValue | undefined>,
  artifacts: Record<string, LocalArtifact | undefined>,
  use: (run: StageRun) => Promise<R>,
): Promise<R> {
  const taskRoot = await mkdtemp(join(tmpdir(), `flts-${spec.name}-`));
  try {
    const own = Object.fromEntries(Object.entries(parameters).filter(([name]) => name in spec.inputs.parameters));
    const input = localExecutorInput(spec, taskRoot, own, artifacts);
    await executeComponent(spec, body, parseExecutorInput(JSON.stringify(input)));
    const output = JSON.parse(await readFile(join(taskRoot, 'executor_output.json'), 'utf8')) as {
      artifacts: Record<string, { artifacts: { uri: string; metadata: JsonObject }[] }>;
      parameterValues?: Record<string, JsonValue>;
    };
    const outputs = Object.fromEntries(Object.entries(output.artifacts).map(([name, { artifacts: [first] }]) => [name, { uri: first!.uri, metadata: first!.metadata }]));
    return await use({ artifacts: outputs, parameters: output.parameterValues ?? {} });
  } finally {
    await rm(taskRoot, { recursive: true, force: true });
  }
}

/** Downloads `s3://<bucket>/<object>` into `directory`, under the object's base name (or `as`); returns the local path. */
export async function fetchObject(store: ObjectStore, bucket: string, object: string, directory: string, as = basename(object)): Promise<string> {
  const path = join(directory, as);
  await store.download(`${bucketUri(bucket).replace(/\/+$/, '')}/${object}`, path);
  return path;
}

/** A fresh scratch directory for a handler's downloads, removed when `use` ends. */
export async function withScratch<R>(use: (directory: string) => Promise<R>): Promise<R> {
  const directory = await mkdtemp(join(tmpdir(), 'flts-claim-'));
  try {
    return await use(directory);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}
