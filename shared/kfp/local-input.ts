/**
 * Builds an ExecutorInput the way `kfp.local` does (reference/kfp-contract.md §1.3, §2.4): parameters with
 * their IR defaults filled in, input artifacts given as runtime artifacts, every output under one task root
 * (`<root>/<output name>`) and `<root>/executor_output.json`. The local runner and the tests use it; the
 * conformance tests prove it matches what kfp.local itself builds.
 */
import { join } from 'node:path';
import type { ComponentSpec, JsonObject, JsonValue } from './spec.js';

export interface LocalArtifact {
  uri: string;
  metadata?: JsonObject;
  name?: string;
}

export function localExecutorInput(
  spec: ComponentSpec,
  taskRoot: string,
  parameters: Record<string, JsonValue | undefined>,
  artifacts: Record<string, LocalArtifact | LocalArtifact[] | undefined> = {},
): JsonObject {
  const parameterValues: JsonObject = {};
  for (const [name, declared] of Object.entries(spec.inputs.parameters)) {
    const value = parameters[name] ?? declared.default;
    if (value !== undefined) parameterValues[name] = value as JsonValue;
  }
  for (const [name, value] of Object.entries(parameters)) {
    if (!(name in spec.inputs.parameters) && value !== undefined) parameterValues[name] = value;
  }
  const inputArtifacts: JsonObject = {};
  for (const [name, value] of Object.entries(artifacts)) {
    if (value === undefined) continue;
    const type = spec.inputs.artifacts[name]?.type ?? 'system.Artifact';
    const list = Array.isArray(value) ? value : [value];
    inputArtifacts[name] = {
      artifacts: list.map((artifact) => ({
        name: artifact.name ?? name,
        type: { schemaTitle: type, schemaVersion: '0.0.1' },
        uri: artifact.uri,
        metadata: artifact.metadata ?? {},
      })),
    };
  }
  const outputArtifacts: JsonObject = {};
  for (const [name, declared] of Object.entries(spec.outputs.artifacts)) {
    outputArtifacts[name] = {
      artifacts: [{ name, type: { schemaTitle: declared.type, schemaVersion: '0.0.1' }, uri: join(taskRoot, name), metadata: {} }],
    };
  }
  const outputParameters: JsonObject = {};
  for (const name of Object.keys(spec.outputs.parameters)) outputParameters[name] = { outputFile: join(taskRoot, name) };
  return {
    inputs: { parameterValues, artifacts: inputArtifacts },
    outputs: { parameters: outputParameters, artifacts: outputArtifacts, outputFile: join(taskRoot, 'executor_output.json') },
  };
}
