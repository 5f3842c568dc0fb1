/**
 * `npm start -- --kafka`: the whole FLTS chain in event mode, on this machine, through a real broker — the six
 * bundles as Kafka services (`node dist/<component>.js kafka`) over a temporary Apache Kafka (KRaft), MinIO and
 * MLflow (the servers the tests use, test/services/), on the built-in sample data:
 *
 *   raw-data claim → preprocess → training-data ∥ inference-data → train-gru ∥ train-lstm ∥ train-prophet
 *   → model-training → eval → model-selected (alias flts-forecaster@champion) → inference → performance-eval
 *
 *   npm start -- --kafka [--param name=value …] [--out <dir>] [--timeout <seconds>]
 *
 * It sends one raw-data claim, waits (bounded) for the performance-eval message, watching the dead-letter topics
 * and the services themselves, prints the promotion and where the inference log went, then stops every process it
 * started — on success, on failure and on Ctrl-C. Exit 0 when the chain finished; 1 when it did not (one line
 * naming the stage that failed or never answered); 2 for a command-line mistake; 130 when interrupted.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Admin, Consumer, stringDeserializers } from '@platformatic/kafka';
import { componentSpecs } from '../components/specs.js';
import { FltsError, InvalidParameterError, messageOf, type ParameterIssue } from '../shared/errors.js';
import { createProducer, dlqTopic, rawDataClaim, topicsFromEnv, type DeadLetter, type ModelSelected, type PerformanceEval, type Topics } from '../shared/events/index.js';
import { coerceParameter } from '../shared/kfp/parameters.js';
import type { InputParameterSpec, JsonValue } from '../shared/kfp/spec.js';
import { createStore, type ObjectStore } from '../shared/store/index.js';
import { scopeOf } from '../shared/store/keys.js';
import { kafkaLibDir, startKafka, type KafkaServer } from '../test/services/kafka.js';
import { startMinio, type MinioServer } from '../test/services/minio.js';
import { startMlflow, type MlflowServer } from '../test/services/mlflow.js';
import { logTail } from '../test/services/process.js';
import { loadPipelineIr, parseTyped, pipelineParameters, splitAssignment, TYPE_NAMES, type PipelineIr } from './local-runner.js';
import { PIPELINE_IR, UsageError } from './run-local.js';
import { writeSampleData } from './sample-data.js';

export const KAFKA_USAGE = 'npm start -- --kafka [--param name=value ...] [--out <dir>] [--timeout <seconds>]';

/** The six services, in chain order. */
export const SERVICES = ['preprocess', 'train-gru', 'train-lstm', 'train-prophet', 'eval', 'inference'] as const;
export type Service = (typeof SERVICES)[number];

/** How long the chain may take, by default, from the raw-data claim to performance-eval. */
const DEFAULT_TIMEOUT_S = 900;
/** How long a service may take to stop after SIGTERM before it is killed. */
const STOP_GRACE_MS = 15_000;

/** Component inputs that this runner or the event stages set themselves, with why. */
const RESERVED: Record<string, string> = {
  data_uri: 'the run sends the built-in sample data as a raw-data claim',
  test_data_uri: 'the run sends the built-in sample data as a raw-data claim',
  data_location: 'event mode always hands data on by claim check',
  config_hash: 'preprocess computes it and the claims carry it',
  min_models: 'eval waits for every kind (EXPECTED_MODEL_TYPES)',
  mlflow_tracking_uri: 'the run starts its own MLflow server',
};

export interface KafkaCommandLine {
  params: string[];
  out: string;
  timeoutS: number;
  help: boolean;
}

/** Parses the arguments after `npm start -- --kafka` (a leading `--kafka` is accepted too). */
export function parseKafkaCommandLine(argv: readonly string[]): KafkaCommandLine {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        kafka: { type: 'boolean', default: false },
        param: { type: 'string', multiple: true, default: [] },
        out: { type: 'string', default: 'local_outputs' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    const code = (error as { code?: string }).code;
    const option = /'([^']+)'/.exec(messageOf(error))?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option) throw new UsageError(`unknown option ${option} (parameters are set with --param name=value).`);
    throw new UsageError(messageOf(error).split('\n')[0]!, { cause: error });
  }
  const out = values.out!.trim();
  if (out === '') throw new UsageError('--out needs a non-empty value.');
  let timeoutS = DEFAULT_TIMEOUT_S;
  if (values.timeout !== undefined) {
    timeoutS = Number(values.timeout);
    if (!/^\s*\d+(\.\d+)?\s*$/.test(values.timeout) || !(timeoutS > 0)) throw new UsageError(`--timeout must be a positive number of seconds; got ${JSON.stringify(values.timeout)}.`);
  }
  return { params: values.param!, out, timeoutS, help: values.help! };
}

/**
 * The component parameters every stage gets (`FLTS_PARAMETERS`): the compiled pipeline's defaults (epochs,
 * horizon, input_length, target_column, identifier), then each `--param name=value`. A name may be any input of
 * any component (hidden_size, sample_train_rows, uncertainty_samples, …), read as that input's type and checked
 * against the range of every component that has it. Throws InvalidParameterError listing every problem.
 */
export function kafkaParameters(ir: PipelineIr, assignments: readonly string[]): Record<string, JsonValue> {
  const values: Record<string, JsonValue> = {};
  for (const [name, definition] of Object.entries(pipelineParameters(ir))) {
    if (!(name in RESERVED) && definition.defaultValue !== undefined) values[name] = definition.defaultValue;
  }
  const issues: ParameterIssue[] = [];
  const given = new Set<string>();
  for (const assignment of assignments) {
    const split = splitAssignment(assignment);
    if ('issue' in split) {
      issues.push(split.issue);
      continue;
    }
    const { name, text } = split;
    if (name in RESERVED) {
      issues.push({ path: name, message: `Parameter "${name}" cannot be set with --kafka: ${RESERVED[name]}.` });
      continue;
    }
    const declaring = componentSpecs.filter((spec) => name in spec.inputs.parameters);
    if (declaring.length === 0) {
      issues.push({ path: name, message: `Unknown parameter "${name}": no component has an input of that name (see components/<name>/component.yaml).` });
      continue;
    }
    if (given.has(name)) {
      issues.push({ path: name, message: `Parameter "${name}" is given twice.` });
      continue;
    }
    given.add(name);
    const declared = (spec: (typeof declaring)[number]) => (spec.inputs.parameters as Record<string, InputParameterSpec>)[name]!;
    const type = declared(declaring[0]!).type;
    const value = parseTyped(type, text);
    if (value === undefined) {
      issues.push({ path: name, message: `Parameter "${name}" must be ${TYPE_NAMES[type]}; got ${JSON.stringify(text)}.` });
      continue;
    }
    const refused = declaring.map((spec) => ({ spec, checked: coerceParameter(name, declared(spec), value) })).find(({ checked }) => !checked.ok);
    if (refused && !refused.checked.ok) {
      issues.push({ path: name, message: `${refused.checked.issue.message} (an input of ${refused.spec.name})` });
      continue;
    }
    values[name] = value;
  }
  if (issues.length > 0) throw new InvalidParameterError(issues);
  return values;
}

/** The parameters `service`'s component declares (a component refuses names it does not take). */
export function parametersOf(service: Service, parameters: Record<string, JsonValue>): Record<string, JsonValue> {
  const spec = componentSpecs.find((candidate) => candidate.name === service)!;
  return Object.fromEntries(Object.entries(parameters).filter(([name]) => name in spec.inputs.parameters));
}

/** What the chain should produce after the raw-data claim, stage by stage (trainers in parallel). */
interface Milestone {
  service: Service;
  /** Position in the chain: a milestone waits on those of lower levels. */
  level: number;
  topic: string;
  /** The message key that marks it, where the topic carries several kinds. */
  key?: string;
  what: string;
}

function milestones(topics: Topics): Milestone[] {
  return [
    { service: 'preprocess', level: 0, topic: topics.trainingData, what: 'a training-data claim' },
    { service: 'preprocess', level: 0, topic: topics.inferenceData, what: 'an inference-data claim' },
    { service: 'train-gru', level: 1, topic: topics.modelTraining, key: 'trained-GRU', what: 'a "Trained: GRU" event' },
    { service: 'train-lstm', level: 1, topic: topics.modelTraining, key: 'trained-LSTM', what: 'a "Trained: LSTM" event' },
    { service: 'train-prophet', level: 1, topic: topics.modelTraining, key: 'trained-PROPHET', what: 'a "Trained: PROPHET" event' },
    { service: 'eval', level: 2, topic: topics.modelSelected, what: 'a model-selected promotion' },
    { service: 'inference', level: 3, topic: topics.performanceEval, what: 'a performance-eval message' },
  ];
}

/** The topic each service consumes, for messages about what it never answered. */
function inputTopic(service: Service, topics: Topics): string {
  if (service === 'preprocess') return topics.rawData;
  if (service === 'eval') return topics.modelTraining;
  if (service === 'inference') return topics.inferenceData;
  return topics.trainingData;
}

/** The run was interrupted (SIGINT/SIGTERM). */
class Interrupted extends FltsError {
  override name = 'Interrupted';
}

/** One of the six services, spawned by this run, its output in a log file. */
class ServiceProcess {
  readonly child: ChildProcess;
  exit: string | undefined;

  constructor(
    readonly service: Service,
    readonly logFile: string,
    env: NodeJS.ProcessEnv,
  ) {
    const log = openSync(logFile, 'a');
    const bundle = fileURLToPath(new URL(`../dist/${service}.js`, import.meta.url));
    this.child = spawn(process.execPath, [bundle, 'kafka'], { env, stdio: ['ignore', log, log] });
    closeSync(log);
    this.child.once('exit', (code, signal) => (this.exit = signal ? `was killed by ${signal}` : `exited with code ${code}`));
    this.child.once('error', (error) => (this.exit = `could not be started: ${error.message}`));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.child.pid !== undefined && this.exit === undefined;
  }

  /** SIGTERM (the service drains and leaves its group), SIGKILL after `graceMs`. */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    if (!this.running) return;
    const exited = new Promise<void>((done) => this.child.once('exit', () => done()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}

/** Everything one run started, stopped in reverse order; safe to call `stop` more than once. */
class Started {
  readonly services: ServiceProcess[] = [];
  readonly #stops: { what: string; stop: () => Promise<void> }[] = [];
  #stopping: Promise<void> | undefined;

  /** Registers how to stop something; once the run is stopping, stops it at once (a server that came up late). */
  add(what: string, stop: () => Promise<void>): void {
    if (this.#stopping) void this.#stopping.then(() => stopQuietly(what, stop));
    else this.#stops.push({ what, stop });
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      await Promise.all(this.services.map((service) => service.stop()));
      for (const { what, stop } of this.#stops.reverse()) await stopQuietly(what, stop);
    })();
    return this.#stopping;
  }

  /** Whether anything was started (and so stopped). */
  get any(): boolean {
    return this.services.length > 0 || this.#stops.length > 0;
  }

  /** Last resort at process exit: SIGKILL any service still running (the servers have their own hook). */
  killNow(): void {
    for (const service of this.services) if (service.running) service.child.kill('SIGKILL');
  }
}

async function stopQuietly(what: string, stop: () => Promise<void>): Promise<void> {
  await stop().catch((error: unknown) => console.error(`npm start -- --kafka: stopping ${what} failed: ${messageOf(error)}`));
}

type ConsumerStream = Awaited<ReturnType<Consumer<string, string, string, string>['consume']>>;

interface ChainResult {
  selected: ModelSelected;
  performance: PerformanceEval;
  trained: Record<string, string>;
  seconds: number;
}

/** Runs `npm start -- --kafka` with `argv`; returns the exit code. */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let command: KafkaCommandLine;
  let parameters: Record<string, JsonValue>;
  try {
    command = parseKafkaCommandLine(argv);
    if (command.help) {
      console.log(helpText());
      return 0;
    }
    parameters = kafkaParameters(await loadPipelineIr(PIPELINE_IR), command.params);
  } catch (error) {
    if (error instanceof InvalidParameterError) {
      for (const issue of error.issues) console.error(`npm start -- --kafka: ${issue.message}`);
      return 2;
    }
    if (error instanceof UsageError) {
      console.error(`npm start -- --kafka: ${error.message}\nUsage: ${KAFKA_USAGE}  (--help for more)`);
      return 2;
    }
    console.error(`npm start -- --kafka: ${messageOf(error)}`);
    return 1;
  }

  const started = new Started();
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupt.signal.aborted) {
      // A second Ctrl-C: no more waiting for a graceful stop.
      started.killNow();
      process.exit(130);
    }
    console.error(`\nnpm start -- --kafka: ${signal}: stopping every process this run started…`);
    interrupt.abort(new Interrupted(`interrupted by ${signal}; every process this run started was stopped.`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const lastResort = () => started.killNow();
  process.once('exit', lastResort);
  try {
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
    const runRoot = resolve(command.out, `flts-kafka-${stamp}`);
    await runChain(parameters, runRoot, command.timeoutS, started, interrupt.signal, env);
    return 0;
  } catch (error) {
    const interrupted = interrupt.signal.aborted;
    await started.stop();
    if (started.any) console.error('Stopped every process this run started.');
    const reason = interrupted ? (interrupt.signal.reason as Error) : error;
    console.error(`\nnpm start -- --kafka failed: ${messageOf(reason)}`);
    return interrupted ? 130 : 1;
  } finally {
    await started.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('exit', lastResort);
  }
}

async function runChain(
  parameters: Record<string, JsonValue>,
  runRoot: string,
  timeoutS: number,
  started: Started,
  interrupted: AbortSignal,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const step = <T>(promise: Promise<T>, stop?: (value: T) => Promise<void>, what = ''): Promise<T> => {
    // A server whose start finishes after an interruption is still stopped.
    if (stop) void promise.then((value) => started.add(what, () => stop(value)), () => undefined);
    return abortable(promise, interrupted);
  };
  requireJava();
  await step(Promise.resolve(requireKafkaJars()));
  const logs = join(runRoot, 'logs');
  await mkdir(logs, { recursive: true });
  const train = join(runRoot, 'sample', 'sample.csv');
  const test = join(runRoot, 'sample', 'sample_test.csv');
  await writeSampleData(train, test);
  console.log(`Using the built-in sample data (8 days of synthetic 2-minute traffic): ${train}`);

  console.log('Starting Apache Kafka (KRaft), MinIO and MLflow on 127.0.0.1…');
  const [kafka, minio] = await Promise.all([
    step(startKafka(), (server: KafkaServer) => server.stop(), 'Kafka'),
    step(startMinio(), (server: MinioServer) => server.stop(), 'MinIO'),
  ]);
  const mlflow = await step(startMlflow({ artifacts: 's3', minio }), (server: MlflowServer) => server.stop(), 'MLflow');
  console.log(`  Kafka ${kafka.brokers.join(',')}, MinIO ${minio.endpoint}, MLflow ${mlflow.url}`);

  const store = createStore({ env: minio.env });
  const claim = { bucket: 'dataset', object: 'sample.csv', test_object: 'sample_test.csv' };
  await step(store.upload(train, `s3://${claim.bucket}/${claim.object}`));
  await step(store.upload(test, `s3://${claim.bucket}/${claim.test_object}`));

  const topics = topicsFromEnv(env);
  const serviceEnv: NodeJS.ProcessEnv = { ...env, ...kafka.env, ...minio.env, ...mlflow.env, FLTS_EVENTS_HTTP_PORT: '0' };
  for (const service of SERVICES) {
    const own = { ...serviceEnv, FLTS_PARAMETERS: JSON.stringify(parametersOf(service, parameters)) };
    started.services.push(new ServiceProcess(service, join(logs, `${service}.log`), own));
  }
  console.log(`Started the six services (node dist/<component>.js kafka); their logs: ${logs}/`);
  console.log(`Parameters (each service gets, as FLTS_PARAMETERS, those its component takes): ${JSON.stringify(parameters)}`);

  const chainTopics = Object.values(topics);
  const allTopics = [...chainTopics, ...chainTopics.map(dlqTopic)];
  await step(waitForTopics(kafka.brokers, allTopics, started.services, 120_000));

  const watch = await step(ChainWatch.open(kafka.brokers, topics));
  started.add('the chain reader', () => watch.close());
  const identifier = String(parameters['identifier'] ?? '');
  const producer = createProducer({ brokers: kafka.brokers, clientId: 'flts-start-kafka' });
  try {
    const message = rawDataClaim({ ...claim, identifier });
    await step(producer.send({ messages: [{ topic: topics.rawData, key: message.key, value: JSON.stringify(message.value) }] }));
  } finally {
    await producer.close();
  }
  console.log(`Sent a raw-data claim for s3://${claim.bucket}/${claim.object} (+ ${claim.test_object}), identifier ${JSON.stringify(identifier)}; waiting for the chain (at most ${timeoutS} s)…\n`);

  const result = await step(watch.result(started.services, timeoutS * 1000, interrupted));
  await printSummary(result, store, identifier, runRoot, parameters, kafka);
  console.log('\nStopping the services, MLflow, MinIO and Kafka (the servers were temporary: their data goes with them)…');
  await started.stop();
  console.log('Stopped every process this run started.');
}

/** Watches the chain's topics and their dead-letter topics from the beginning, printing progress as it comes. */
class ChainWatch {
  readonly #consumer: Consumer<string, string, string, string>;
  readonly #stream: ConsumerStream;
  readonly #topics: Topics;
  readonly #milestones: Milestone[];
  readonly #reached = new Map<Milestone, { key: string | undefined; value: unknown }>();
  readonly #deadLetters: { topic: string; letter: DeadLetter }[] = [];
  readonly #started = Date.now();
  #wake: (() => void) | undefined;
  #error: Error | undefined;
  /** Set once `result` has settled: what comes later (while everything stops) is neither printed nor counted. */
  #settled = false;

  private constructor(consumer: Consumer<string, string, string, string>, stream: ConsumerStream, topics: Topics) {
    this.#consumer = consumer;
    this.#stream = stream;
    this.#topics = topics;
    this.#milestones = milestones(topics);
    stream.on('data', (message) => this.#take(message.topic, message.key ?? undefined, message.value));
    stream.on('error', (error: Error) => {
      this.#error = error;
      this.#wake?.();
    });
  }

  static async open(brokers: string[], topics: Topics): Promise<ChainWatch> {
    const consumer = new Consumer({ clientId: 'flts-start-kafka', groupId: `flts-start-kafka-${randomUUID()}`, bootstrapBrokers: brokers, deserializers: stringDeserializers });
    const chain = Object.values(topics);
    const stream = await consumer.consume({ topics: [...chain, ...chain.map(dlqTopic)], mode: 'earliest', autocommit: false, maxWaitTime: 200 });
    return new ChainWatch(consumer, stream, topics);
  }

  #take(topic: string, key: string | undefined, text: string): void {
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // kept as text
    }
    if (this.#settled) return;
    if (topic.startsWith('DLQ-')) {
      this.#deadLetters.push({ topic, letter: value as DeadLetter });
    } else {
      const milestone = this.#milestones.find((m) => m.topic === topic && (m.key === undefined || key === m.key || key?.startsWith(`${m.key}:`)) && !this.#reached.has(m));
      if (milestone) {
        this.#reached.set(milestone, { key, value });
        console.log(`  ✔ ${milestone.service.padEnd(13)} ${milestone.what} on ${topic} after ${((Date.now() - this.#started) / 1000).toFixed(1)} s`);
      }
    }
    this.#wake?.();
  }

  /** Resolves once performance-eval came; rejects on a dead letter, a service that exited, the timeout or an interruption. */
  async result(services: ServiceProcess[], timeoutMs: number, interrupted: AbortSignal): Promise<ChainResult> {
    try {
      return await this.#result(services, timeoutMs, interrupted);
    } finally {
      this.#settled = true;
    }
  }

  async #result(services: ServiceProcess[], timeoutMs: number, interrupted: AbortSignal): Promise<ChainResult> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#error) throw new FltsError(`Reading the chain's topics failed: ${this.#error.message}`);
      const letter = this.#deadLetters[0];
      if (letter) {
        const from = letter.topic.replace(/^DLQ-/, '');
        const { operation, reason, error } = letter.letter ?? {};
        const service = SERVICES.find((s) => s === operation);
        if (service) printTail(services.find((s) => s.service === service)!);
        const said = String(error ?? '(no error given)');
        throw new FltsError(`${operation ?? 'a service'} dead-lettered the message it took from ${from} (${letter.topic}), reason "${reason ?? '?'}": ${said.length > 600 ? `${said.slice(0, 600)}…` : said}`);
      }
      const done = this.#milestones.every((m) => this.#reached.has(m));
      if (done) {
        const get = (service: Service) => this.#reached.get(this.#milestones.find((m) => m.service === service && m.level >= 2)!)!.value;
        const trained: Record<string, string> = {};
        for (const m of this.#milestones.filter((x) => x.level === 1)) trained[m.service] = String((this.#reached.get(m)!.value as { run_id?: string }).run_id ?? '');
        const performance = get('inference') as PerformanceEval;
        if (performance.status !== 'SUCCESS') throw new FltsError(`inference published performance-eval with status ${JSON.stringify(performance.status)}.`);
        return { selected: get('eval') as ModelSelected, performance, trained, seconds: (Date.now() - this.#started) / 1000 };
      }
      const exited = services.find((s) => !s.running);
      if (exited) {
        printTail(exited);
        throw new FltsError(`the ${exited.service} service ${exited.exit ?? 'stopped'} before the chain finished; its log: ${exited.logFile}`);
      }
      if (interrupted.aborted) throw interrupted.reason as Error;
      if (Date.now() >= deadline) throw this.#timeout(services, timeoutMs);
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, 250);
        this.#wake = () => {
          clearTimeout(timer);
          wake();
        };
      });
    }
  }

  /** The stages that never answered: the unreached milestones of the lowest level not yet complete. */
  #timeout(services: ServiceProcess[], timeoutMs: number): FltsError {
    const missing = this.#milestones.filter((m) => !this.#reached.has(m));
    const level = Math.min(...missing.map((m) => m.level));
    const stuck = missing.filter((m) => m.level === level);
    const names = [...new Set(stuck.map((m) => m.service))];
    for (const name of names) printTail(services.find((s) => s.service === name)!);
    const what = names
      .map((name) => `${name} never answered its ${inputTopic(name, this.#topics)} message (no ${stuck.filter((m) => m.service === name).map((m) => m.what.replace(/^an? /, '')).join(', no ')})`)
      .join('; ');
    const logs = names.map((name) => services.find((s) => s.service === name)!.logFile).join(', ');
    return new FltsError(`timed out after ${timeoutMs / 1000} s: ${what} (its log: ${logs}; --timeout <seconds> waits longer).`);
  }

  async close(): Promise<void> {
    await this.#stream.close().catch(() => undefined);
    await new Promise<void>((done) => this.#consumer.close(true, () => done()));
  }
}

function printTail(service: ServiceProcess): void {
  console.error(`\nLast lines of ${service.service}'s log (${service.logFile}):\n${logTail(service.logFile, 20)}`);
}

/** Waits until the services have created every topic of the chain (each does at start); fails fast when one exits. */
async function waitForTopics(brokers: string[], topics: string[], services: ServiceProcess[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const exited = services.find((s) => !s.running);
    if (exited) {
      printTail(exited);
      throw new FltsError(`the ${exited.service} service ${exited.exit ?? 'stopped'} while starting; its log: ${exited.logFile}`);
    }
    const admin = new Admin({ clientId: 'flts-start-kafka-admin', bootstrapBrokers: brokers });
    try {
      const listed = new Set(await admin.listTopics());
      if (topics.every((topic) => listed.has(topic))) return;
    } catch {
      // The broker answers once the services' requests settle; try again.
    } finally {
      await admin.close().catch(() => undefined);
    }
    if (Date.now() >= deadline) {
      throw new FltsError(`the services did not create the chain's topics within ${timeoutMs / 1000} s; their logs: ${dirnameOf(services[0]!.logFile)}/`);
    }
    await new Promise((wake) => setTimeout(wake, 250));
  }
}

function dirnameOf(path: string): string {
  return path.slice(0, path.lastIndexOf('/'));
}

async function printSummary(result: ChainResult, store: ObjectStore, identifier: string, runRoot: string, parameters: Record<string, JsonValue>, kafka: KafkaServer): Promise<void> {
  const { selected, performance } = result;
  console.log(`\nChain finished in ${result.seconds.toFixed(1)} s through the broker at ${kafka.brokers.join(',')}. Outputs: ${runRoot}`);
  const promotionBucket = String(parameters['promotion_bucket'] ?? 'model-promotion');
  let registered = '';
  if (promotionBucket !== '') {
    const uri = `s3://${promotionBucket}/${scopeOf(identifier)}/current.json`;
    try {
      const record = await store.readJson<{ candidates?: { model_type: string; score: number }[]; registered_model?: { name: string; version?: string; alias: string } }>(uri);
      await writeFile(join(runRoot, 'promotion.json'), `${JSON.stringify(record, null, 2)}\n`);
      if (record.candidates) {
        console.log('\nCandidates (composite score, lower is better):');
        for (const candidate of record.candidates) console.log(`  ${candidate.model_type.padEnd(8)} ${candidate.score.toPrecision(5)}`);
      }
      const model = record.registered_model;
      if (model) registered = `, registered as ${model.name} version ${model.version ?? '?'} (alias ${model.alias})`;
      console.log(`Promotion record: ${uri} (copied to ${join(runRoot, 'promotion.json')})`);
    } catch (error) {
      console.log(`(The promotion record ${uri} could not be read: ${messageOf(error)})`);
    }
  }
  console.log(`Selected: ${selected.model_type} (MLflow run ${selected.run_id}${registered})`);
  console.log(`  rmse ${selected.rmse.toPrecision(5)}  mae ${selected.mae.toPrecision(5)}  mse ${selected.mse.toPrecision(5)}  score ${selected.score.toPrecision(5)}`);
  console.log(`Trained runs: ${Object.entries(result.trained).map(([service, runId]) => `${service} ${runId}`).join(', ')}`);
  const log = performance.log_bucket ? `s3://${performance.log_bucket}/${performance.log_object_key}` : performance.log_object_key;
  let copy = '';
  if (performance.log_bucket) {
    try {
      await writeFile(join(runRoot, 'inference-log.jsonl'), await store.readBytes(log));
      copy = ` (copied to ${join(runRoot, 'inference-log.jsonl')})`;
    } catch (error) {
      copy = ` (could not be copied: ${messageOf(error)})`;
    }
  }
  console.log(`Inference: ${performance.rows} rows predicted by the champion (${performance.model_type}); log line: ${log}${copy}`);
  console.log(`Service logs: ${join(runRoot, 'logs')}/`);
}

/** Java runs the broker: without it, one clear line rather than a failed format step. */
function requireJava(): void {
  const probe = spawnSync('java', ['-version'], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (probe.error || probe.status !== 0) {
    throw new FltsError(
      'Java (17 or later) is required: --kafka runs a local Apache Kafka broker, a Java program. Install a JDK (e.g. apt-get install openjdk-17-jre-headless) and try again.',
    );
  }
}

/** The broker's jars (cached; fetched once by Maven through test/services/kafka-install.sh). */
function requireKafkaJars(): void {
  try {
    const lib = kafkaLibDir();
    if (!existsSync(lib)) throw new Error(`${lib} is missing`);
  } catch (error) {
    const mvn = spawnSync('mvn', ['--version'], { stdio: 'ignore' });
    if (mvn.error || mvn.status !== 0) {
      throw new FltsError('Maven (mvn) is required once, to fetch the Apache Kafka jars --kafka runs (test/services/kafka-install.sh); install Maven and try again.');
    }
    throw new FltsError(`The Apache Kafka jars could not be installed (test/services/kafka-install.sh): ${messageOf(error)}`);
  }
}

/** `promise`, or a rejection with the signal's reason as soon as it aborts. */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolvePromise, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolvePromise(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error as Error);
      },
    );
  });
}

export function helpText(): string {
  return [
    `Usage: ${KAFKA_USAGE}`,
    '',
    'Runs the whole FLTS chain in event mode on the built-in sample data: a temporary Apache Kafka broker (KRaft),',
    'MinIO and MLflow on 127.0.0.1, the six components as Kafka services (node dist/<component>.js kafka), one',
    'raw-data claim in, performance-eval out. Prints the promotion and where the inference log went, then stops',
    'every process it started.',
    '',
    'Options:',
    '  --param name=value    a component parameter (repeatable): any input of any component, e.g. epochs=5,',
    '                        hidden_size=16, sample_train_rows=1200; defaults: the compiled pipeline\'s (epochs,',
    '                        horizon, input_length, target_column, identifier), then each component\'s own',
    '  --out <dir>           where the run keeps the sample data, service logs, the promotion record and the',
    '                        inference log line, as <dir>/flts-kafka-<timestamp>/ (default: local_outputs)',
    `  --timeout <seconds>   how long the chain may take from the claim to performance-eval (default: ${DEFAULT_TIMEOUT_S})`,
    '  -h, --help            this text',
    '',
    'Needs Java 17+ (the broker), Maven once (to fetch the broker\'s jars), the MinIO binary and .venv\'s MLflow',
    '(test/services/install.sh installs them).',
  ].join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  // Exit now, not when the event loop drains: a server still starting when the run failed or was interrupted is
  // killed by test/services' exit hook instead of being waited for.
  process.exit(await main(process.argv.slice(2)));
}
