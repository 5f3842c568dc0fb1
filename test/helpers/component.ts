/** Runs a built component bundle (`dist/<name>.js`) the way KFP does, and reads back what it wrote. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localExecutorInput, type LocalArtifact } from '../../shared/kfp/local-input.js';
import type { ComponentSpec, JsonObject, JsonValue } from '../../shared/kfp/spec.js';
import { repoRoot } from './python.js';

export interface ComponentRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/<name>.js …args` from the repository root; never throws on a non-zero exit. */
export function runBundle(name: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ComponentRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [join(repoRoot, 'dist', `${name}.js`), ...args],
      { cwd: repoRoot, env: { ...process.env, FLTS_QUIET: '1', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A fresh temporary directory. */
export function tempDir(prefix = 'flts-test-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function readJson<T = unknown>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

export interface LocalRunResult extends ComponentRun {
  taskRoot: string;
  /** The ExecutorOutput, when the component wrote one. */
  output?: ExecutorOutputJson;
}

export interface ExecutorOutputJson {
  artifacts: Record<string, { artifacts: { name: string; uri: string; metadata: Record<string, unknown> }[] }>;
  parameterValues?: Record<string, unknown>;
}

/** Runs bundle `spec.name` on a kfp.local-style ExecutorInput under `taskRoot` and reads its ExecutorOutput. */
export async function runLocally(
  spec: ComponentSpec,
  taskRoot: string,
  parameters: Record<string, JsonValue | undefined>,
  artifacts: Parameters<typeof localExecutorInput>[3] = {},
  env: NodeJS.ProcessEnv = {},
): Promise<LocalRunResult> {
  const input = localExecutorInput(spec, taskRoot, parameters, artifacts);
  const run = await runBundle(spec.name, ['--executor-input', JSON.stringify(input)], env);
  const output = await readJson<ExecutorOutputJson>(join(taskRoot, 'executor_output.json')).catch(() => undefined);
  return { ...run, taskRoot, ...(output ? { output } : {}) };
}

/** The output artifact `name` of a local run, as an input artifact for the next component. */
export function artifactOf(run: LocalRunResult, name: string): LocalArtifact {
  const artifact = run.output?.artifacts[name]?.artifacts[0];
  if (!artifact) throw new Error(`${run.taskRoot}: no output artifact "${name}" (exit ${run.code}: ${run.stderr.trim()})`);
  return { uri: artifact.uri, metadata: artifact.metadata as JsonObject, name };
}
