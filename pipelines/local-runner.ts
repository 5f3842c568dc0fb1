/**
 * Runs the compiled KFP pipeline (pipelines/flts_pipeline.yaml) on this machine, the way kfp.local would with
 * containers: tasks in dependency order, each given a kfp.local-style ExecutorInput (parameters resolved from
 * pipeline inputs, constants and upstream outputs; artifacts from upstream outputs) and run as
 * `node dist/<component>.js`. Outputs go under `<root>/<pipeline>-<timestamp>/<task>/`. The pipeline parameters
 * are checked against the IR's `root.inputDefinitions` (names and types) and the components' own constraints
 * before the first task starts.
 */
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { allComponentSpecs } from '../components/specs.js';
import { FltsError, InvalidParameterError, type ParameterIssue } from '../shared/errors.js';
import { commandFor } from '../shared/kfp/component-yaml.js';
import { coerceParameter } from '../shared/kfp/parameters.js';
import type { ComponentSpec, InputParameterSpec, JsonValue, ParameterType } from '../shared/kfp/spec.js';
import { runDag, select, type DagIr, type DagPipelineIr, type ParameterSource, type TaskEvent, type TaskResult } from './local-dag.js';
import { TaskCache } from './task-cache.js';

export { topologicalOrder, type TaskEvent, type TaskResult } from './local-dag.js';

export interface RunOptions {
  /** Pipeline parameters, by the names and types the pipeline declares; the compiled defaults fill the rest. */
  parameters: Record<string, JsonValue>;
  /** Directory for this run's task outputs. */
  runRoot: string;
  /** Extra environment for every component. */
  env?: NodeJS.ProcessEnv;
  /** CPUs the tasks may use at once. @default the CPUs this process may use */
  cpus?: number;
  /** Where task outputs are recorded for reuse (KFP's cache); unset: no cache. */
  cacheDir?: string;
  /** Run every task even where the cache holds its outputs (`--no-cache`); they are recorded all the same. @default false */
  noCache?: boolean;
  /** Called as tasks start, finish (or are served from the cache) and fail. */
  onEvent?: (event: TaskEvent) => void;
  /** Called as each task finishes. */
  onTask?: (result: TaskResult) => void;
}

/** The parts of the compiled pipeline (KFP IR) that the runner reads. */
export interface PipelineIr extends DagPipelineIr {
  root: DagPipelineIr['root'] & {
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

/** Reads the compiled pipeline YAML (its first document; a second one holds kfp-kubernetes' platform settings). */
export async function loadPipelineIr(irPath: string): Promise<PipelineIr> {
  let text: string;
  try {
    text = await readFile(irPath, 'utf8');
  } catch (cause) {
    throw new FltsError(`Cannot read the compiled pipeline ${irPath}: ${(cause as Error).message}`, { cause });
  }
  const ir = parseAllDocuments(text)[0]?.toJS() as PipelineIr | null | undefined;
  if (!ir?.root?.dag?.tasks) throw new FltsError(`${irPath} is not a compiled KFP pipeline (no root.dag.tasks).`);
  return ir;
}

/** Runs every task of the compiled pipeline; throws naming the task that failed. */
export async function runCompiledPipeline(irPath: string, options: RunOptions): Promise<Record<string, TaskResult>> {
  return runPipelineIr(await loadPipelineIr(irPath), options);
}

/**
 * Runs every task of a loaded pipeline (local-dag.ts). The parameters are checked first — unknown names, values
 * of the wrong type, values the consuming components refuse — so a mistake fails before any task starts.
 */
export async function runPipelineIr(ir: PipelineIr, options: RunOptions): Promise<Record<string, TaskResult>> {
  const parameters = resolvePipelineParameters(ir, options.parameters);
  return runDag(ir, parameters, options.runRoot, {
    cpus: options.cpus ?? availableParallelism(),
    env: options.env ?? {},
    ...(options.cacheDir ? { cache: new TaskCache(options.cacheDir) } : {}),
    readCache: !options.noCache,
    onEvent: (event) => {
      options.onEvent?.(event);
      if (event.kind === 'done') options.onTask?.(event.result);
    },
  });
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
    // The components' own constraints on the values the pipeline passes them straight through (or, for a
    // ParallelFor over a list parameter, on the fields of each of its items).
    for (const leaf of leafInputs(ir)) {
      const parameter = (leaf.spec.inputs.parameters as Record<string, InputParameterSpec>)[leaf.input];
      const value = values[leaf.root];
      if (parameter === undefined || value === null || value === undefined || issues.some((issue) => issue.path === leaf.root)) continue;
      const checks: { value: JsonValue; of: string }[] = [];
      if (!leaf.item) checks.push({ value, of: '' });
      else {
        for (const [i, item] of (Array.isArray(value) ? value : []).entries()) {
          let field: JsonValue;
          try {
            field = leaf.selector ? select(item, leaf.selector, leaf.task, leaf.input) : item;
          } catch {
            issues.push({ path: leaf.root, message: `Parameter "${leaf.root}" item ${i + 1} has no field ${leaf.selector?.replace(/^parseJson\(string_value\)/, '')}, which task ${leaf.task} needs as its input "${leaf.input}".` });
            break;
          }
          checks.push({ value: field, of: ` item ${i + 1}` });
        }
      }
      for (const check of checks) {
        const checked = coerceParameter(leaf.input, parameter, check.value);
        if (!checked.ok) {
          const reason = checked.issue.message.replace(/^Parameter "[^"]*" /, `its input "${leaf.input}" `);
          issues.push({ path: leaf.root, message: `Parameter "${leaf.root}"${check.of} is refused by task ${leaf.task}: ${reason}` });
          break;
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
  const consumers = [...new Set(leafInputs(ir, true).filter((leaf) => name in leaf.spec.inputs.parameters).map((leaf) => leaf.spec.name))];
  const known = consumers.length > 0 ? ` It is an input of ${consumers.join(', ')} that the compiled pipeline does not expose.` : '';
  return { path: name, message: `Unknown pipeline parameter "${name}".${known} The pipeline parameters are: ${valid}.` };
}

/** A container task's input parameter that comes from a pipeline parameter (`item`: from each item of that list). */
interface LeafInput {
  task: string;
  spec: ComponentSpec;
  input: string;
  root: string;
  item: boolean;
  selector?: string;
}

/**
 * Every container task's input that is fed by a pipeline parameter, through any number of sub-DAGs; with `all`,
 * one entry per task's every input (root empty), to learn which components the pipeline runs.
 */
function leafInputs(ir: PipelineIr, all = false): LeafInput[] {
  const leaves: LeafInput[] = [];
  const rootNames = Object.keys(ir.root.inputDefinitions?.parameters ?? {});
  const walk = (dag: DagIr, sources: Record<string, { root: string; item: boolean }>, path: string): void => {
    for (const [name, task] of Object.entries(dag.tasks).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const component = ir.components?.[task.componentRef.name];
      const fed = (source: ParameterSource) =>
        source.componentInputParameter === undefined ? undefined : sources[source.componentInputParameter];
      if (component?.dag) {
        const inner: Record<string, { root: string; item: boolean }> = {};
        for (const [input, source] of Object.entries(task.inputs?.parameters ?? {})) {
          const from = fed(source);
          if (from && !source.parameterExpressionSelector) inner[input] = from;
        }
        const iterator = task.parameterIterator;
        const items = iterator?.items.inputParameter !== undefined ? inner[iterator.items.inputParameter] : undefined;
        if (iterator && items && !items.item) inner[iterator.itemInput] = { root: items.root, item: true };
        walk(component.dag, inner, `${path}${task.taskInfo?.name ?? name}/`);
        continue;
      }
      const command = ir.deploymentSpec?.executors?.[component?.executorLabel ?? '']?.container?.command;
      const spec = allComponentSpecs.find((candidate) => JSON.stringify(commandFor(candidate)) === JSON.stringify(command));
      if (!spec) continue;
      if (all) leaves.push({ task: `${path}${name}`, spec, input: '', root: '', item: false });
      for (const [input, source] of Object.entries(task.inputs?.parameters ?? {})) {
        const from = fed(source);
        if (!from || (source.parameterExpressionSelector && !from.item)) continue;
        leaves.push({ task: `${path}${name}`, spec, input, root: from.root, item: from.item, ...(source.parameterExpressionSelector ? { selector: source.parameterExpressionSelector } : {}) });
      }
    }
  };
  walk(ir.root.dag, Object.fromEntries(rootNames.map((name) => [name, { root: name, item: false }])), '');
  return leaves;
}
