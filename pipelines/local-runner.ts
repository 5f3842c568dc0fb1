/**
 * Runs the compiled KFP pipeline (pipelines/flts_pipeline.yaml) on this machine, the way kfp.local would with
 * containers: tasks in dependency order, each given a kfp.local-style ExecutorInput (parameters resolved from
 * pipeline inputs, constants and upstream outputs; artifacts from upstream outputs) and run as
 * `node dist/<component>.js`. Outputs go under `<root>/<pipeline>-<timestamp>/<task>/`.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { componentSpecs } from '../components/specs.js';
import { FltsError } from '../shared/errors.js';
import { localExecutorInput, type LocalArtifact } from '../shared/kfp/local-input.js';
import type { ComponentSpec, JsonObject, JsonValue } from '../shared/kfp/spec.js';

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
  /** Pipeline parameters; the compiled defaults fill the rest. */
  parameters: Record<string, JsonValue>;
  /** Directory for this run's task outputs. */
  runRoot: string;
  /** Extra environment for every component. */
  env?: NodeJS.ProcessEnv;
  /** Called as each task finishes. */
  onTask?: (result: TaskResult) => void;
}

/** Runs every task of the compiled pipeline; throws naming the task that failed. */
export async function runCompiledPipeline(irPath: string, options: RunOptions): Promise<Record<string, TaskResult>> {
  const ir = parse(await readFile(irPath, 'utf8')) as {
    root: { dag: { tasks: Record<string, TaskIr> }; inputDefinitions?: { parameters?: Record<string, { defaultValue?: JsonValue }> } };
  };
  const defaults = Object.fromEntries(
    Object.entries(ir.root.inputDefinitions?.parameters ?? {}).map(([name, definition]) => [name, definition.defaultValue ?? null]),
  );
  const pipelineParameters = { ...defaults, ...options.parameters };
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
