/**
 * The KFP v2 executor contract in one class: validated parameters, input artifacts, staged output artifacts
 * that appear under their final names only when the whole component succeeded, and the ExecutorOutput JSON
 * (reference/kfp-contract.md §0, §7), committed together: all of them or none. Outputs that would overwrite an
 * input or each other are refused before any work. Components never touch the raw ExecutorInput.
 */
import { existsSync, statSync } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { ArtifactError, ExecutorInputError, FltsError, InvalidArtifactError, InvalidParameterError, messageOf } from '../errors.js';
import { temporaryPath } from '../files.js';
import { stopRequested } from '../shutdown.js';
import { artifactPath, mountedPath, sanitizeMetadata, unwrapMetadata } from './artifacts.js';
import type { ExecutorInput, RuntimeArtifact } from './executor-input.js';
import { coerceParameter, resolveParameters } from './parameters.js';
import type { ComponentSpec, JsonObject, JsonValue, OutputParameters, Parameters } from './spec.js';

/** An input artifact as the component sees it: where its bytes are and what its producer said about it. */
export interface InputArtifact {
  name: string;
  uri: string;
  /** Local path of the bytes (the launcher downloaded them there). */
  path: string;
  /** Producer metadata, with MLMD's list/struct wrapping removed. */
  metadata: JsonObject;
}

/** An output artifact: write the bytes at `path`; they move to their final location on success. */
export interface OutputArtifact {
  name: string;
  uri: string;
  /** Staging path to write to (file or directory). */
  path: string;
  /** Where the bytes end up, the local path of `uri`. */
  finalPath: string;
}

type InputArtifactName<S extends ComponentSpec> = keyof S['inputs']['artifacts'] & string;
type OutputArtifactName<S extends ComponentSpec> = keyof S['outputs']['artifacts'] & string;

export class Executor<S extends ComponentSpec> {
  readonly spec: S;
  readonly parameters: Parameters<S>;
  readonly #input: ExecutorInput;
  readonly #inputs = new Map<string, InputArtifact[]>();
  readonly #outputs = new Map<string, OutputArtifact & { runtime: RuntimeArtifact; metadata: JsonObject }>();
  readonly #outputParameters = new Map<string, JsonValue>();
  readonly #givenEmpty: string[] = [];
  readonly #mountRoot: string;
  readonly #outputFile: string;
  /** Set once `commit` has put everything in place; `discard` then removes the committed outputs too. */
  #committed = false;
  /** What `discard` undoes besides the outputs (objects written elsewhere for them), newest first. */
  readonly #undo: (() => Promise<unknown>)[] = [];
  #committing: Promise<void> | undefined;

  /**
   * Validates everything the ExecutorInput says against `spec`; throws before any work is done.
   * `mountRoot` relocates the launcher's /gcs, /s3, /minio mounts (tests); `stagingTag` names staged outputs.
   */
  constructor(spec: S, input: ExecutorInput, options: { stagingTag?: string; mountRoot?: string } = {}) {
    this.spec = spec;
    this.#input = input;
    this.#mountRoot = options.mountRoot ?? '';
    if (!input.outputFile) {
      throw new ExecutorInputError('The ExecutorInput has no outputs.outputFile; KFP always sets it, and the ExecutorOutput must be written there.');
    }
    if (!isAbsolute(input.outputFile)) {
      throw new ExecutorInputError(`outputs.outputFile must be an absolute path; got "${input.outputFile}" (KFP always sends one).`);
    }
    this.#outputFile = mountedPath(input.outputFile, this.#mountRoot);
    if (isDirectorySync(this.#outputFile)) {
      throw new ExecutorInputError(`outputs.outputFile ${input.outputFile} is a directory; it must name the file the ExecutorOutput is written to.`);
    }
    this.parameters = resolveParameters(spec, input);
    this.#resolveInputs();
    this.#resolveOutputs(options.stagingTag ?? `partial-${process.pid}`);
    this.#checkNoAliases();
  }

  /** Where the ExecutorOutput JSON is written. */
  get outputFile(): string {
    return this.#outputFile;
  }

  /** The single input artifact `name`; throws if a required one is absent, `undefined` if an optional one is. */
  inputArtifact(name: InputArtifactName<S>): InputArtifact | undefined {
    return this.#inputs.get(name)?.[0];
  }

  /** Like `inputArtifact`, but the artifact must be there. */
  requireInputArtifact(name: InputArtifactName<S>): InputArtifact {
    const artifact = this.inputArtifact(name);
    if (!artifact) throw new InvalidArtifactError(name, `Input artifact "${name}" was not provided.`);
    return artifact;
  }

  /**
   * Optional inputs the ExecutorInput names but leaves empty (`{}`, `[]`, `null`, an empty list): KFP's way of
   * saying "not provided", which a component that would silently lose a candidate says aloud.
   */
  get inputsGivenEmpty(): readonly string[] {
    return this.#givenEmpty;
  }

  /** All artifacts of a list input (`isArtifactList`), in the order KFP sent them. */
  inputArtifactList(name: InputArtifactName<S>): InputArtifact[] {
    return this.#inputs.get(name) ?? [];
  }

  /** The output artifact `name`, with the staging path to write its bytes to. */
  outputArtifact(name: OutputArtifactName<S>): OutputArtifact {
    const output = this.#outputs.get(name);
    if (!output) throw new ArtifactError(name, `"${name}" is not an output artifact of ${this.spec.name}.`);
    const { runtime: _runtime, metadata: _metadata, ...artifact } = output;
    return artifact;
  }

  /** Merges `metadata` into what is reported for output artifact `name` (nulls and non-finite numbers dropped). */
  setMetadata(name: OutputArtifactName<S>, metadata: Record<string, unknown>): void {
    const output = this.#outputs.get(name);
    if (!output) throw new ArtifactError(name, `"${name}" is not an output artifact of ${this.spec.name}.`);
    Object.assign(output.metadata, sanitizeMetadata(metadata));
  }

  /**
   * Records scalar metrics for a `system.Metrics` output: the KFP UI shows the artifact's metadata, and the
   * same numbers are written as JSON at its path so that the file exists like every other output.
   */
  async writeMetrics(name: OutputArtifactName<S>, metrics: Record<string, number>): Promise<void> {
    const finite = Object.fromEntries(Object.entries(metrics).filter(([, value]) => Number.isFinite(value)));
    const output = this.outputArtifact(name);
    await writeFile(output.path, `${JSON.stringify(finite, null, 2)}\n`);
    this.setMetadata(name, finite);
  }

  /** Sets output parameter `name`; the value is checked against its declared type. */
  setOutput<K extends keyof S['outputs']['parameters'] & string>(name: K, value: OutputParameters<S>[K]): void {
    const declared = this.spec.outputs.parameters[name];
    if (!declared) throw new InvalidParameterError(`"${name}" is not an output parameter of ${this.spec.name}.`);
    const checked = coerceParameter(name, { type: declared.type, description: declared.description }, value as JsonValue);
    if (!checked.ok) throw new InvalidParameterError(`Output ${checked.issue.message.replace(/^Parameter/, 'parameter')}`);
    this.#outputParameters.set(name, checked.value);
  }

  /**
   * Commits the component's work: every declared output must be staged; the ExecutorOutput is written first
   * under a temporary name, the staged outputs are moved to their final paths, and the ExecutorOutput is renamed
   * into place last. A failure at any step (ENOSPC included) removes what was moved, so either everything is in
   * place or nothing is. Idempotent; refused once a signal is stopping the process.
   */
  async commit(): Promise<void> {
    if (this.#committed) return;
    const signal = stopRequested();
    if (signal) throw new FltsError(`${this.spec.name} was stopped by ${signal} before it committed its outputs.`);
    const missing: string[] = [];
    for (const [name, output] of this.#outputs) {
      if (!existsSync(output.path)) missing.push(`artifact "${name}"`);
    }
    for (const name of Object.keys(this.spec.outputs.parameters)) {
      if (!this.#outputParameters.has(name)) missing.push(`parameter "${name}"`);
    }
    if (missing.length > 0) {
      throw new ArtifactError(missing[0]!, `${this.spec.name} finished without writing its output ${missing.join(', ')}.`);
    }
    this.#committing = this.#moveIntoPlace();
    await this.#committing;
  }

  async #moveIntoPlace(): Promise<void> {
    const stagedOutputFile = temporaryPath(this.#outputFile);
    const moved: string[] = [];
    try {
      await writeFile(stagedOutputFile, `${JSON.stringify(this.#executorOutput())}\n`);
      for (const output of this.#outputs.values()) {
        await rm(output.finalPath, { recursive: true, force: true });
        await rename(output.path, output.finalPath);
        moved.push(output.finalPath);
      }
      await rename(stagedOutputFile, this.#outputFile);
      this.#committed = true;
    } catch (cause) {
      for (const path of [stagedOutputFile, ...moved]) await rm(path, { recursive: true, force: true }).catch(() => undefined);
      throw new ArtifactError('outputs', `Cannot commit the outputs of ${this.spec.name}: ${messageOf(cause)}; none was left in place.`, { cause });
    }
  }

  /**
   * Registers `step` to run if the component fails or is stopped (best effort): for what an output wrote outside
   * its own path, e.g. the claim-check objects behind a dataset artifact.
   */
  onDiscard(step: () => Promise<unknown>): void {
    this.#undo.push(step);
  }

  /** Removes every staged output; called when the component fails. */
  async abort(): Promise<void> {
    for (const output of this.#outputs.values()) {
      await rm(output.path, { recursive: true, force: true });
    }
  }

  /**
   * Undoes everything this executor wrote, committed or not: for a process stopped by a signal, whose task
   * fails, so that its outputs (complete or not) are not left behind. Waits for a commit under way.
   */
  async discard(): Promise<void> {
    await this.#committing?.catch(() => undefined);
    await this.abort();
    for (const step of this.#undo.splice(0).reverse()) await step().catch(() => undefined);
    if (!this.#committed) return;
    for (const output of this.#outputs.values()) await rm(output.finalPath, { recursive: true, force: true });
    await rm(this.#outputFile, { force: true });
  }

  #executorOutput(): JsonObject {
    const artifacts: JsonObject = {};
    for (const [name, output] of this.#outputs) {
      artifacts[name] = {
        artifacts: [{ name: output.runtime.name ?? name, uri: output.uri, metadata: output.metadata }],
      };
    }
    const result: JsonObject = { artifacts };
    if (this.#outputParameters.size > 0) result['parameterValues'] = Object.fromEntries(this.#outputParameters);
    return result;
  }

  #resolveInputs(): void {
    for (const [name, declared] of Object.entries(this.spec.inputs.artifacts)) {
      const runtime = this.#input.inputArtifacts[name] ?? [];
      if (runtime.length === 0) {
        if (!declared.optional) throw new InvalidArtifactError(name, `Required input artifact "${name}" (${declared.type}) was not provided.`);
        if (name in this.#input.inputArtifacts) this.#givenEmpty.push(name);
        continue;
      }
      const artifacts = runtime.map((artifact): InputArtifact => {
        const path = artifactPath(artifact, this.#mountRoot);
        if (!path) throw new InvalidArtifactError(name, `Input artifact "${name}" has no URI.`);
        if (!existsSync(path)) {
          throw new InvalidArtifactError(name, `Input artifact "${name}" (${artifact.uri}) has no file at its local path ${path}.`);
        }
        return { name: artifact.name ?? name, uri: artifact.uri, path, metadata: unwrapMetadata(artifact.metadata) as JsonObject };
      });
      this.#inputs.set(name, declared.list ? artifacts : artifacts.slice(0, 1));
    }
  }

  #resolveOutputs(stagingTag: string): void {
    for (const [name, declared] of Object.entries(this.spec.outputs.artifacts)) {
      const runtime = this.#input.outputArtifacts[name]?.[0];
      if (!runtime || !runtime.uri) {
        throw new ExecutorInputError(`The ExecutorInput declares no location for output artifact "${name}" (${declared.type}).`);
      }
      const finalPath = artifactPath(runtime, this.#mountRoot);
      this.#outputs.set(name, {
        name,
        uri: runtime.uri,
        finalPath,
        path: `${finalPath}.${stagingTag}`,
        runtime,
        metadata: {},
      });
    }
  }

  /**
   * Refuses an output that would overwrite an input (an input artifact, or a local file named by a parameter) or
   * another output, before anything is written.
   */
  #checkNoAliases(): void {
    const taken = new Map<string, string>();
    const claim = (path: string, what: string, isOutput: boolean) => {
      const key = resolve(path);
      for (const [other, owner] of taken) {
        if (other === key || isInside(key, other) || isInside(other, key)) {
          if (!isOutput && !owner.startsWith('output')) continue;
          throw new ExecutorInputError(`${what} (${path}) and ${owner} (${other}) are the same path or one contains the other; each output needs a place of its own.`);
        }
      }
      taken.set(key, what);
    };
    for (const [name, artifacts] of this.#inputs) for (const artifact of artifacts) claim(artifact.path, `input artifact "${name}"`, false);
    for (const [name, value] of Object.entries(this.parameters as Record<string, unknown>)) {
      // Files only: a directory parameter (a local bucket, an mlruns root) may well hold outputs.
      if (typeof value === 'string' && isAbsolute(value) && isFileSync(value)) claim(value, `the file of parameter "${name}"`, false);
    }
    for (const [name, output] of this.#outputs) claim(output.finalPath, `output artifact "${name}"`, true);
    claim(this.#outputFile, 'outputs.outputFile', true);
  }

  /** Creates the parent directories of every output and checks that they are writable, before any work. */
  async prepareOutputs(): Promise<void> {
    const parents = new Map<string, string>();
    for (const [name, output] of this.#outputs) {
      if (!parents.has(dirname(output.finalPath))) parents.set(dirname(output.finalPath), `output artifact "${name}"`);
    }
    if (!parents.has(dirname(this.#outputFile))) parents.set(dirname(this.#outputFile), 'outputs.outputFile');
    for (const [dir, what] of parents) {
      try {
        await mkdir(dir, { recursive: true });
        const probe = `${dir}/.flts-write-probe-${process.pid}`;
        await writeFile(probe, '');
        await rm(probe);
      } catch (cause) {
        throw new ArtifactError(what, `Cannot write ${what} under ${dir}: ${(cause as Error).message}`, { cause });
      }
    }
    for (const output of this.#outputs.values()) await rm(output.path, { recursive: true, force: true });
  }
}

function isInside(path: string, directory: string): boolean {
  const rel = relative(directory, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}

function isFileSync(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectorySync(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** True when `path` is an existing directory. */
export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
