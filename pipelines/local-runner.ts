/**
 * Runs the compiled KFP pipeline (pipelines/flts_pipeline.yaml) on this machine, the way kfp.local would with
 * containers: tasks in dependency order, each given a kfp.local-style ExecutorInput (parameters resolved from
 * pipeline inputs, constants and upstream outputs; artifacts from upstream outputs) and run as
 * `node dist/<component>.js`. Outputs go under `<root>/<pipeline>-<timestamp>/<task>/`. The pipeline parameters
 * are checked against the IR's `root.inputDefinitions` (names and types) and the components' own constraints
 * before the first task starts.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { componentSpecs } from '../components/specs.js';
import { FltsError, InvalidParameterError, type ParameterIssue } from '../shared/errors.js';
import { localExecutorInput, type LocalArtifact } from '../shared/kfp/local-input.js';
import { coerceParameter } from '../shared/kfp/parameters.js';
import type { ComponentSpec, InputParameterSpec, JsonObject, JsonValue, ParameterType } from '../shared/kfp/spec.js';

interface TaskIr {
  componentRef: { name: string };
  dependentTasks?: string[];
  taskInfo?: { name?: string };
  inputs?: {
    parameters?: Record<string, ParameterSource>;
    artifacts?: Record<string, { taskOutputArtifact?: { producerTask: string; outputArtifactKey: string } }>;
  };
}
type ParameterSource = {
  componentInputParameter?: string;
  taskOutputParameter?: { producerTask: string; outputParameterKey: string };
  runtimeValue?: { constant: JsonValue };
};

export interface TaskResult {
  task: string;
  component: string;
  taskRoot: string;
  seconds: number;
  parameters: Record<string, JsonValue>;
  artifacts: Record<string, LocalArtifact>;
}

export interface RunOptions {
  /** Pipeline parameters, by the names and types the pipeline declares; the compiled defaults fill the rest. */
  parameters: Record<string, JsonValue>;
  /** Directory for this run's task outputs. */
  runRoot: string;
  /** Extra environment for every component. */
  env?: NodeJS.ProcessEnv;
  /** Called as each task finishes. */
  onTask?: (result: TaskResult) => void;
}

/** The parts of the compiled pipeline (KFP IR) that the runner reads. */
export interface PipelineIr {
  root: {
    dag: { tasks: Record<string, TaskIr> };
    inputDefinitions?: { parameters?: Record<string, PipelineParameterDefinition> };
  };
}

/** One pipeline parameter as the IR declares it (`root.inputDefinitions.parameters`). */
export interface PipelineParameterDefinition {
  parameterType?: ParameterType;
  defaultValue?: JsonValue;
  isOptional?: boolean;
  description?: string;
}

/** Reads the compiled pipeline YAML. */
export async function loadPipelineIr(irPath: string): Promise<PipelineIr> {
  let text: string;
  try {
    text = await readFile(irPath, 'utf8');
  } catch (cause) {
    throw new FltsError(`Cannot read the compiled pipeline ${irPath}: ${(cause as Error).message}`, { cause });
  }
  const ir = parse(text) as PipelineIr | null;
  if (!ir?.root?.dag?.tasks) throw new FltsError(`${irPath} is not a compiled KFP pipeline (no root.dag.tasks).`);
  return ir;
}

/** Runs every task of the compiled pipeline; throws naming the task that failed. */
export async function runCompiledPipeline(irPath: string, options: RunOptions): Promise<Record<string, TaskResult>> {
  return runPipelineIr(await loadPipelineIr(irPath), options);
}

/**
 * Runs every task of a loaded pipeline. The parameters are checked first — unknown names, values of the wrong
 * type, values the consuming components refuse — so a mistake fails before any task starts.
 */
export async function runPipelineIr(ir: PipelineIr, options: RunOptions): Promise<Record<string, TaskResult>> {
  const pipelineParameters = resolvePipelineParameters(ir, options.parameters);
  const results: Record<string, TaskResult> = {};
  for (const name of topologicalOrder(ir.root.dag.tasks)) {
    const task = ir.root.dag.tasks[name]!;
    const spec = specFor(task.componentRef.name);
    const parameters: Record<string, JsonValue> = {};
    for (const [input, source] of Object.entries(task.inputs?.parameters ?? {})) {
      parameters[input] = resolveParameter(source, pipelineParameters, results, name, input);
    }
    const artifacts: Record<string, LocalArtifact> = {};
    for (const [input, source] of Object.entries(task.inputs?.artifacts ?? {})) {
      const from = source.taskOutputArtifact;
      const artifact = from ? results[from.producerTask]?.artifacts[from.outputArtifactKey] : undefined;
      if (!artifact) throw new FltsError(`Task ${name}: input artifact "${input}" has no producer output.`);
      artifacts[input] = artifact;
    }
    results[name] = await runTask(name, spec, join(options.runRoot, name), parameters, artifacts, options.env ?? {});
    options.onTask?.(results[name]!);
  }
  return results;
}

/** The pipeline's parameters, name → definition, in name order. */
export function pipelineParameters(ir: PipelineIr): Record<string, PipelineParameterDefinition> {
  const declared = ir.root.inputDefinitions?.parameters ?? {};
  return Object.fromEntries(Object.keys(declared).sort().map((name) => [name, declared[name]!]));
}

/** `name (TYPE, default …)` for each pipeline parameter, one per line, for messages and --help. */
export function describePipelineParameters(ir: PipelineIr): string {
  return Object.entries(pipelineParameters(ir))
    .map(([name, definition]) => {
      const type = definition.parameterType ?? 'STRING';
      const fallback = definition.defaultValue === undefined ? '' : `, default ${JSON.stringify(definition.defaultValue)}`;
      return `  ${name} (${type}${fallback})`;
    })
    .join('\n');
}

/** `name=value` of a `--param` option, or the issue naming what is wrong with it. */
export function splitAssignment(assignment: string): { name: string; text: string } | { issue: ParameterIssue } {
  const at = assignment.indexOf('=');
  if (at <= 0) return { issue: { path: assignment, message: `--param expects name=value; got ${JSON.stringify(assignment)}.` } };
  return { name: assignment.slice(0, at).trim(), text: assignment.slice(at + 1) };
}

/**
 * Parses `name=value` assignments (the text of `--param`) by the declared type of each pipeline parameter:
 * STRING verbatim, NUMBER_INTEGER/NUMBER_DOUBLE as decimal numbers, BOOLEAN as true/false, LIST/STRUCT as
 * JSON. Throws InvalidParameterError listing every unknown name and every value that does not parse.
 */
export function parseParameterAssignments(ir: PipelineIr, assignments: readonly string[]): Record<string, JsonValue> {
  const declared = pipelineParameters(ir);
  const issues: ParameterIssue[] = [];
  const values: Record<string, JsonValue> = {};
  for (const assignment of assignments) {
    const split = splitAssignment(assignment);
    if ('issue' in split) {
      issues.push(split.issue);
      continue;
    }
    const { name, text } = split;
    const definition = declared[name];
    if (!definition) {
      issues.push(unknownParameter(ir, name));
      continue;
    }
    if (name in values) {
      issues.push({ path: name, message: `Parameter "${name}" is given twice.` });
      continue;
    }
    const type = definition.parameterType ?? 'STRING';
    const value = parseTyped(type, text);
    if (value === undefined) {
      issues.push({ path: name, message: `Parameter "${name}" must be ${TYPE_NAMES[type]}; got ${JSON.stringify(text)}.` });
    } else {
      values[name] = value;
    }
  }
  if (issues.length > 0) throw new InvalidParameterError(issues);
  return values;
}

/**
 * The value of every pipeline parameter: `given` over the compiled defaults. Throws InvalidParameterError,
 * before anything runs, for names the pipeline does not declare, values not of the declared type, and values
 * that a component consuming the parameter would refuse (its range or its allowed values).
 */
export function resolvePipelineParameters(ir: PipelineIr, given: Record<string, JsonValue>): Record<string, JsonValue> {
  const declared = pipelineParameters(ir);
  const issues: ParameterIssue[] = [];
  for (const name of Object.keys(given)) {
    if (!(name in declared)) issues.push(unknownParameter(ir, name));
  }
  const values: Record<string, JsonValue> = {};
  for (const [name, definition] of Object.entries(declared)) {
    const value = given[name] ?? definition.defaultValue ?? null;
    values[name] = value;
    if (value === null) {
      if (!definition.isOptional && definition.defaultValue === undefined) {
        issues.push({ path: name, message: `Parameter "${name}" is required (${TYPE_NAMES[definition.parameterType ?? 'STRING']}).` });
      }
      continue;
    }
    const checked = coerceParameter(name, { type: definition.parameterType ?? 'STRING', description: '' }, value);
    if (!checked.ok) issues.push(checked.issue);
  }
  if (issues.length === 0) {
    // The components' own constraints on the values the pipeline passes them straight through.
    for (const [taskName, task] of Object.entries(ir.root.dag.tasks).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const spec = componentSpecs.find((candidate) => `comp-${candidate.name}` === task.componentRef.name);
      if (!spec) continue;
      for (const [input, source] of Object.entries(task.inputs?.parameters ?? {})) {
        const from = source.componentInputParameter;
        const parameter = (spec.inputs.parameters as Record<string, InputParameterSpec>)[input];
        if (from === undefined || parameter === undefined || values[from] === null || values[from] === undefined) continue;
        const checked = coerceParameter(input, parameter, values[from]!);
        if (!checked.ok && !issues.some((issue) => issue.path === from)) {
          const reason = checked.issue.message.replace(/^Parameter "[^"]*" /, `its input "${input}" `);
          issues.push({ path: from, message: `Parameter "${from}" is refused by task ${taskName}: ${reason}` });
        }
      }
    }
  }
  if (issues.length > 0) throw new InvalidParameterError(issues);
  return values;
}

export const TYPE_NAMES: Record<ParameterType, string> = {
  STRING: 'a string',
  NUMBER_INTEGER: 'an integer',
  NUMBER_DOUBLE: 'a number',
  BOOLEAN: 'true or false',
  LIST: 'a JSON list',
  STRUCT: 'a JSON object',
};

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/** `text` as a value of `type`, or undefined when it is not one (the reading of `--param name=value`). */
export function parseTyped(type: ParameterType, text: string): JsonValue | undefined {
  switch (type) {
    case 'STRING':
      return text;
    case 'NUMBER_INTEGER':
    case 'NUMBER_DOUBLE': {
      const trimmed = text.trim();
      if (!DECIMAL.test(trimmed)) return undefined;
      const value = Number(trimmed);
      if (!Number.isFinite(value)) return undefined;
      if (type === 'NUMBER_INTEGER' && !Number.isSafeInteger(value)) return undefined;
      return value;
    }
    case 'BOOLEAN':
      if (/^true$/i.test(text.trim())) return true;
      if (/^false$/i.test(text.trim())) return false;
      return undefined;
    case 'LIST':
    case 'STRUCT': {
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return undefined;
      }
      const isList = Array.isArray(value);
      const isObject = typeof value === 'object' && value !== null && !isList;
      return (type === 'LIST' ? isList : isObject) ? (value as JsonValue) : undefined;
    }
  }
}

/** The issue for a name the pipeline does not declare: the valid names, and where the name is known from. */
function unknownParameter(ir: PipelineIr, name: string): ParameterIssue {
  const valid = Object.keys(pipelineParameters(ir)).join(', ');
  const consumers = componentSpecs
    .filter((spec) => name in spec.inputs.parameters && Object.values(ir.root.dag.tasks).some((task) => task.componentRef.name === `comp-${spec.name}`))
    .map((spec) => spec.name);
  const known = consumers.length > 0 ? ` It is an input of ${consumers.join(', ')} that the compiled pipeline does not expose.` : '';
  return { path: name, message: `Unknown pipeline parameter "${name}".${known} The pipeline parameters are: ${valid}.` };
}

function specFor(componentRef: string): ComponentSpec {
  const spec = componentSpecs.find((candidate) => `comp-${candidate.name}` === componentRef);
  if (!spec) throw new FltsError(`The pipeline uses ${componentRef}, which is not one of this project's components.`);
  return spec;
}

function resolveParameter(
  source: ParameterSource,
  pipeline: Record<string, JsonValue>,
  results: Record<string, TaskResult>,
  task: string,
  input: string,
): JsonValue {
  if (source.runtimeValue) return source.runtimeValue.constant;
  if (source.componentInputParameter !== undefined) return pipeline[source.componentInputParameter] ?? null;
  const from = source.taskOutputParameter;
  const value = from ? results[from.producerTask]?.parameters[from.outputParameterKey] : undefined;
  if (value === undefined) throw new FltsError(`Task ${task}: parameter "${input}" has no value from its producer.`);
  return value;
}

async function runTask(
  task: string,
  spec: ComponentSpec,
  taskRoot: string,
  parameters: Record<string, JsonValue>,
  artifacts: Record<string, LocalArtifact>,
  env: NodeJS.ProcessEnv,
): Promise<TaskResult> {
  const input = localExecutorInput(spec, taskRoot, parameters, artifacts);
  const started = performance.now();
  const bundle = new URL(`../dist/${spec.name}.js`, import.meta.url).pathname;
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [bundle, '--executor-input', JSON.stringify(input)], {
      stdio: 'inherit',
      env: { ...process.env, ...env },
    });
    child.on('close', (status) => resolve(status ?? 1));
  });
  if (code !== 0) throw new FltsError(`Task ${task} (${spec.name}) failed with exit code ${code}; its error is printed above.`);
  const output = JSON.parse(await readFile(join(taskRoot, 'executor_output.json'), 'utf8')) as {
    parameterValues?: Record<string, JsonValue>;
    artifacts?: Record<string, { artifacts: { uri: string; metadata: JsonObject }[] }>;
  };
  const outputArtifacts: Record<string, LocalArtifact> = {};
  for (const [name, list] of Object.entries(output.artifacts ?? {})) {
    const artifact = list.artifacts[0];
    if (artifact) outputArtifacts[name] = { uri: artifact.uri, metadata: artifact.metadata, name };
  }
  return {
    task,
    component: spec.name,
    taskRoot,
    seconds: (performance.now() - started) / 1000,
    parameters: output.parameterValues ?? {},
    artifacts: outputArtifacts,
  };
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
