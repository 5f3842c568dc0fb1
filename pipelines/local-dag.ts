/**
 * Executes a compiled pipeline's DAG (KFP IR) on this machine, as KFP's drivers would: each task starts when the
 * tasks it depends on have finished, within a CPU budget (cpu-pool.ts); a `parameterIterator` task (dsl.ParallelFor)
 * runs its sub-DAG once per item, at most `iteratorPolicy.parallelismLimit` at a time, and its DAG outputs are
 * the per-iteration outputs collected in item order (dsl.Collected); container tasks run their component's bundle,
 * `node dist/<bundle>.js [subcommand] --executor-input …`, reusing cached outputs where task-cache.ts allows.
 * Not supported (the pipelines here use none, and the error says so): conditions (triggerPolicy), artifact
 * iterators, importers and exit handlers. Retry policies are for services on a cluster; locally a task runs once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { allComponentSpecs } from '../components/specs.js';
import { FltsError } from '../shared/errors.js';
import { commandFor } from '../shared/kfp/component-yaml.js';
import { localExecutorInput, type LocalArtifact } from '../shared/kfp/local-input.js';
import type { ComponentSpec, JsonObject, JsonValue } from '../shared/kfp/spec.js';
import { CpuPool } from './cpu-pool.js';
import { cacheKey, fileDigest, parameterFileDigests, type TaskCache } from './task-cache.js';

export type ParameterSource = {
  componentInputParameter?: string;
  taskOutputParameter?: { producerTask: string; outputParameterKey: string };
  runtimeValue?: { constant: JsonValue };
  /** e.g. `parseJson(string_value)["data_uri"]`: a field of a loop item. */
  parameterExpressionSelector?: string;
};
export type ArtifactSource = {
  taskOutputArtifact?: { producerTask: string; outputArtifactKey: string };
  componentInputArtifact?: string;
};

export interface TaskIr {
  componentRef: { name: string };
  dependentTasks?: string[];
  taskInfo?: { name?: string };
  cachingOptions?: { enableCache?: boolean };
  inputs?: { parameters?: Record<string, ParameterSource>; artifacts?: Record<string, ArtifactSource> };
  parameterIterator?: { itemInput: string; items: { inputParameter?: string; raw?: string } };
  iteratorPolicy?: { parallelismLimit?: number };
  triggerPolicy?: unknown;
  artifactIterator?: unknown;
}

export interface DagIr {
  tasks: Record<string, TaskIr>;
  outputs?: {
    artifacts?: Record<string, { artifactSelectors: { producerSubtask: string; outputArtifactKey: string }[] }>;
    parameters?: Record<string, { valueFromParameter?: { producerSubtask: string; outputParameterKey: string } }>;
  };
}

export interface ContainerIr {
  image: string;
  command: string[];
  args?: string[];
  resources?: { cpuRequest?: number; cpuLimit?: number };
}

/** The parts of a compiled pipeline (KFP IR) that the runner reads. */
export interface DagPipelineIr {
  components?: Record<string, { executorLabel?: string; dag?: DagIr }>;
  deploymentSpec?: { executors?: Record<string, { container?: ContainerIr; importer?: unknown }> };
  root: { dag: DagIr };
}

/** A container task that finished (or was served from the cache). */
export interface TaskResult {
  /** Where it sits in the pipeline: `preprocess`, or `sites[2]/eval` inside a ParallelFor. */
  task: string;
  component: string;
  taskRoot: string;
  /** How long it ran; for a cached task, how long it ran when it was made. */
  seconds: number;
  cached: boolean;
  parameters: Record<string, JsonValue>;
  artifacts: Record<string, LocalArtifact>;
}

export type TaskEvent =
  | { kind: 'start'; task: string; component: string; cpus: number; log: string }
  | { kind: 'done'; result: TaskResult }
  | { kind: 'failed'; task: string; component: string; error: Error };

export interface DagRunOptions {
  /** CPUs the tasks may use at once; a task takes its IR cpuRequest of them, at most half the budget (at least 1). */
  cpus: number;
  /** Extra environment for every task. */
  env: NodeJS.ProcessEnv;
  /** Reuse and record outputs here (undefined: no cache). */
  cache?: TaskCache;
  /** Look outputs up in the cache (false: `--no-cache`, every task runs; its outputs are still recorded). */
  readCache: boolean;
  onEvent?: (event: TaskEvent) => void;
}

/** What a task hands downstream: parameters, and artifacts as lists (one item, or one per loop iteration). */
interface Outputs {
  parameters: Record<string, JsonValue>;
  artifacts: Record<string, LocalArtifact[]>;
}

/** What the tasks of one DAG see: the DAG's own inputs, where its tasks' outputs go, and their order. */
interface Scope {
  parameters: Record<string, JsonValue>;
  artifacts: Record<string, LocalArtifact[]>;
  /** Display prefix (`sites[2]/`) and output directory of the tasks in this DAG. */
  path: string;
  dir: string;
  priority: number[];
}

/** Runs the root DAG; returns every container task's result by its pipeline path. */
export async function runDag(ir: DagPipelineIr, parameters: Record<string, JsonValue>, runRoot: string, options: DagRunOptions): Promise<Record<string, TaskResult>> {
  const run = new DagRun(ir, options);
  await run.dag(ir.root.dag, { parameters, artifacts: {}, path: '', dir: runRoot, priority: [] });
  return run.results;
}

class DagRun {
  readonly results: Record<string, TaskResult> = {};
  readonly #ir: DagPipelineIr;
  readonly #options: DagRunOptions;
  readonly #pool: CpuPool;
  readonly #children = new Set<ChildProcess>();
  #failure: Error | undefined;

  constructor(ir: DagPipelineIr, options: DagRunOptions) {
    this.#ir = ir;
    this.#options = options;
    this.#pool = new CpuPool(options.cpus);
  }

  /** Runs every task of `dag` as its dependencies allow; the first failure stops the run (running tasks are ended). */
  async dag(dag: DagIr, scope: Scope): Promise<Record<string, Outputs>> {
    const order = topologicalOrder(dag.tasks);
    const outputs: Record<string, Outputs> = {};
    const running = new Map<string, Promise<void>>();
    for (const [index, name] of order.entries()) {
      const task = dag.tasks[name]!;
      const after = (task.dependentTasks ?? []).map((dep) => running.get(dep)!);
      running.set(
        name,
        Promise.all(after).then(async () => {
          if (this.#failure) throw this.#failure;
          outputs[name] = await this.#task(name, task, scope, outputs, [...scope.priority, index]);
        }),
      );
    }
    const settled = await Promise.allSettled(running.values());
    const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
    return outputs;
  }

  async #task(name: string, task: TaskIr, scope: Scope, done: Record<string, Outputs>, priority: number[]): Promise<Outputs> {
    const where = `${scope.path}${name}`;
    if (task.triggerPolicy || task.artifactIterator) {
      throw new FltsError(`Task ${where}: conditions and artifact iterators are not supported by the local runner.`);
    }
    const parameters: Record<string, JsonValue> = {};
    for (const [input, source] of Object.entries(task.inputs?.parameters ?? {})) parameters[input] = resolveParameter(source, scope, done, where, input);
    const artifacts: Record<string, LocalArtifact[]> = {};
    for (const [input, source] of Object.entries(task.inputs?.artifacts ?? {})) artifacts[input] = resolveArtifacts(source, scope, done, where, input);

    const component = this.#ir.components?.[task.componentRef.name];
    if (!component) throw new FltsError(`Task ${where}: the IR has no component ${task.componentRef.name}.`);
    if (component.dag) return this.#subDag(name, task, component.dag, { parameters, artifacts }, scope, priority);
    const executor = this.#ir.deploymentSpec?.executors?.[component.executorLabel ?? '']?.container;
    if (!executor) throw new FltsError(`Task ${where}: ${task.componentRef.name} is not a container component (importers are not supported).`);
    const result = await this.#container(where, join(scope.dir, name), executor, task, parameters, artifacts, priority);
    this.results[where] = result;
    return { parameters: result.parameters, artifacts: Object.fromEntries(Object.entries(result.artifacts).map(([key, artifact]) => [key, [artifact]])) };
  }

  /** A sub-DAG: once, or once per item of its parameterIterator, with the outputs collected in item order. */
  async #subDag(name: string, task: TaskIr, dag: DagIr, inputs: Outputs, scope: Scope, priority: number[]): Promise<Outputs> {
    const label = task.taskInfo?.name ?? name;
    const iterator = task.parameterIterator;
    if (!iterator) {
      const outputs = await this.dag(dag, { ...inputs, path: `${scope.path}${label}/`, dir: join(scope.dir, name), priority });
      return collect(dag, [outputs]);
    }
    const items = iterationItems(iterator, inputs.parameters, `${scope.path}${name}`);
    const limit = task.iteratorPolicy?.parallelismLimit || items.length;
    const iterations: Promise<Record<string, Outputs>>[] = [];
    const slots = new CpuPool(Math.max(1, limit));
    for (const [i, item] of items.entries()) {
      iterations.push(
        slots.acquire(1, [i]).then(async (release) => {
          try {
            const path = `${scope.path}${label}[${i}]/`;
            return await this.dag(dag, { parameters: { ...inputs.parameters, [iterator.itemInput]: item }, artifacts: inputs.artifacts, path, dir: join(scope.dir, `${name}-${i}`), priority: [...priority, i] });
          } finally {
            release();
          }
        }),
      );
    }
    const settled = await Promise.allSettled(iterations);
    const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
    return collect(dag, settled.map((result) => (result as PromiseFulfilledResult<Record<string, Outputs>>).value));
  }

  async #container(
    where: string,
    taskRoot: string,
    container: ContainerIr,
    task: TaskIr,
    parameters: Record<string, JsonValue>,
    artifacts: Record<string, LocalArtifact[]>,
    priority: number[],
  ): Promise<TaskResult> {
    const spec = specOfCommand(container.command, where);
    const bundle = new URL(`../dist/${container.command[1]!.split('/').pop()}`, import.meta.url).pathname;
    const subcommand = container.command.slice(2);
    const useCache = this.#options.cache !== undefined && task.cachingOptions?.enableCache !== false;
    const key = useCache
      ? cacheKey({ image: container.image, command: container.command, bundleDigest: await fileDigest(bundle), files: await parameterFileDigests(parameters), parameters, artifacts })
      : '';
    if (useCache && this.#options.readCache) {
      const hit = await this.#options.cache!.lookup(key);
      if (hit) {
        const result: TaskResult = { task: where, component: spec.name, cached: true, ...hit };
        this.#options.onEvent?.({ kind: 'done', result });
        return result;
      }
    }
    // The trainers ask for more than one CPU (their IR cpuRequest); they get up to half the budget, as threads.
    const cpus = Math.max(1, Math.min(Math.floor(container.resources?.cpuRequest ?? 1), Math.floor(this.#options.cpus / 2)));
    const release = await this.#pool.acquire(cpus, priority);
    try {
      if (this.#failure) throw this.#failure;
      await mkdir(taskRoot, { recursive: true });
      const log = join(taskRoot, 'task.log');
      this.#options.onEvent?.({ kind: 'start', task: where, component: spec.name, cpus, log });
      const single = Object.fromEntries(Object.entries(artifacts).map(([input, list]) => [input, spec.inputs.artifacts[input]?.list ? list : list[0]]));
      const input = localExecutorInput(spec, taskRoot, parameters, single);
      const started = performance.now();
      // A trainer's threads are its CPUs, unless the user set FLTS_RNN_THREADS themselves.
      const threads = process.env['FLTS_RNN_THREADS'] || this.#options.env['FLTS_RNN_THREADS'] ? {} : { FLTS_RNN_THREADS: String(cpus) };
      const code = await this.#spawn(bundle, [...subcommand, '--executor-input', JSON.stringify(input)], log, threads);
      if (code !== 0) throw new FltsError(`Task ${where} (${spec.name}) failed with exit code ${code}:\n${await tail(log)}\n(whole log: ${log})`);
      const result: TaskResult = { task: where, component: spec.name, taskRoot, seconds: (performance.now() - started) / 1000, cached: false, ...(await readOutputs(taskRoot)) };
      if (useCache) await this.#options.cache!.store(key, { taskRoot, seconds: result.seconds, parameters: result.parameters, artifacts: result.artifacts });
      this.#options.onEvent?.({ kind: 'done', result });
      return result;
    } catch (error) {
      if (!this.#failure) {
        this.#failure = error as Error;
        this.#options.onEvent?.({ kind: 'failed', task: where, component: spec.name, error: error as Error });
        for (const child of this.#children) child.kill('SIGTERM');
      }
      throw this.#failure;
    } finally {
      release();
    }
  }

  /** Runs `node <bundle> …args` with its output in `log`; resolves to the exit code. */
  #spawn(bundle: string, args: string[], log: string, env: NodeJS.ProcessEnv): Promise<number> {
    return new Promise((resolve, reject) => {
      const out = createWriteStream(log);
      out.on('open', () => {
        const child = spawn(process.execPath, [bundle, ...args], { stdio: ['ignore', out, out], env: { ...process.env, ...this.#options.env, ...env } });
        this.#children.add(child);
        child.on('error', reject);
        child.on('close', (status, signal) => {
          this.#children.delete(child);
          out.end();
          resolve(status ?? (signal ? 128 : 1));
        });
      });
      out.on('error', reject);
    });
  }
}

/** The spec of the component a container command runs (`node /app/dist/<bundle>.js [subcommand]`). */
function specOfCommand(command: readonly string[], where: string): ComponentSpec {
  const spec = allComponentSpecs.find((candidate) => JSON.stringify(commandFor(candidate)) === JSON.stringify(command));
  if (!spec) throw new FltsError(`Task ${where} runs ${JSON.stringify(command)}, which is not one of this project's components.`);
  return spec;
}

function resolveParameter(source: ParameterSource, scope: Scope, done: Record<string, Outputs>, task: string, input: string): JsonValue {
  let value: JsonValue | undefined;
  if (source.runtimeValue) value = source.runtimeValue.constant;
  else if (source.componentInputParameter !== undefined) value = scope.parameters[source.componentInputParameter] ?? null;
  else if (source.taskOutputParameter) value = done[source.taskOutputParameter.producerTask]?.parameters[source.taskOutputParameter.outputParameterKey];
  if (value === undefined) throw new FltsError(`Task ${task}: parameter "${input}" has no value from its producer.`);
  return source.parameterExpressionSelector ? select(value, source.parameterExpressionSelector, task, input) : value;
}

function resolveArtifacts(source: ArtifactSource, scope: Scope, done: Record<string, Outputs>, task: string, input: string): LocalArtifact[] {
  const from = source.taskOutputArtifact;
  const list = from ? done[from.producerTask]?.artifacts[from.outputArtifactKey] : source.componentInputArtifact ? scope.artifacts[source.componentInputArtifact] : undefined;
  if (!list) throw new FltsError(`Task ${task}: input artifact "${input}" has no producer output.`);
  return list;
}

const SELECTOR = /^parseJson\(string_value\)((?:\["[^"\]]*"\])+)$/;

/** `value` through a `parseJson(string_value)["key"]…` selector, the only kind the compiler writes for loop items. */
export function select(value: JsonValue, selector: string, task: string, input: string): JsonValue {
  const match = SELECTOR.exec(selector);
  if (!match) throw new FltsError(`Task ${task}: parameter "${input}" uses the selector ${selector}, which the local runner does not support.`);
  let current: JsonValue = typeof value === 'string' ? (JSON.parse(value) as JsonValue) : value;
  for (const [, key] of match[1]!.matchAll(/\["([^"\]]*)"\]/g)) {
    const next: JsonValue | undefined = current !== null && typeof current === 'object' && !Array.isArray(current) ? current[key!] : undefined;
    if (next === undefined) throw new FltsError(`Task ${task}: parameter "${input}" is the field "${key}" of ${JSON.stringify(current)}, which has no such field.`);
    current = next;
  }
  return current;
}

function iterationItems(iterator: NonNullable<TaskIr['parameterIterator']>, parameters: Record<string, JsonValue>, task: string): JsonValue[] {
  let items: JsonValue | undefined;
  if (iterator.items.raw !== undefined) items = JSON.parse(iterator.items.raw) as JsonValue;
  else if (iterator.items.inputParameter !== undefined) items = parameters[iterator.items.inputParameter];
  if (typeof items === 'string') items = JSON.parse(items) as JsonValue;
  if (!Array.isArray(items)) throw new FltsError(`Task ${task}: the ParallelFor items are not a list: ${JSON.stringify(items)}.`);
  return items;
}

/** A DAG's outputs (its `outputs` selectors) over its iterations: artifacts and parameters as lists, in order. */
function collect(dag: DagIr, iterations: Record<string, Outputs>[]): Outputs {
  const collected: Outputs = { parameters: {}, artifacts: {} };
  for (const [key, { artifactSelectors }] of Object.entries(dag.outputs?.artifacts ?? {})) {
    const selector = artifactSelectors[0]!;
    collected.artifacts[key] = iterations.flatMap((outputs) => outputs[selector.producerSubtask]?.artifacts[selector.outputArtifactKey] ?? []);
  }
  for (const [key, { valueFromParameter }] of Object.entries(dag.outputs?.parameters ?? {})) {
    if (!valueFromParameter) continue;
    const values = iterations.map((outputs) => outputs[valueFromParameter.producerSubtask]?.parameters[valueFromParameter.outputParameterKey] ?? null);
    collected.parameters[key] = iterations.length === 1 ? values[0]! : values;
  }
  return collected;
}

async function readOutputs(taskRoot: string): Promise<Pick<TaskResult, 'parameters' | 'artifacts'>> {
  const output = JSON.parse(await readFile(join(taskRoot, 'executor_output.json'), 'utf8')) as {
    parameterValues?: Record<string, JsonValue>;
    artifacts?: Record<string, { artifacts: { uri: string; metadata: JsonObject }[] }>;
  };
  const artifacts: Record<string, LocalArtifact> = {};
  for (const [name, list] of Object.entries(output.artifacts ?? {})) {
    const artifact = list.artifacts[0];
    if (artifact) artifacts[name] = { uri: artifact.uri, metadata: artifact.metadata, name };
  }
  return { parameters: output.parameterValues ?? {}, artifacts };
}

/** The last lines of a task's log, for the failure message. */
async function tail(log: string, lines = 15): Promise<string> {
  const text = await readFile(log, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).map((line) => `  | ${line}`).join('\n');
}

/** Task names such that every task comes after the tasks it depends on (ties in name order). */
export function topologicalOrder(tasks: Record<string, Pick<TaskIr, 'dependentTasks'>>): string[] {
  const order: string[] = [];
  const remaining = new Set(Object.keys(tasks).sort());
  while (remaining.size > 0) {
    const ready = [...remaining].filter((name) => (tasks[name]!.dependentTasks ?? []).every((dep) => !remaining.has(dep)));
    if (ready.length === 0) throw new FltsError(`The pipeline's tasks depend on each other in a cycle: ${[...remaining].join(', ')}.`);
    for (const name of ready) {
      order.push(name);
      remaining.delete(name);
    }
  }
  return order;
}
