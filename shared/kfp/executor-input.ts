/**
 * Reads the KFP v2 ExecutorInput from the command line (`--executor-input <json>`, `--executor-input=<json>`
 * or `--executor-input-file <path>`) and normalises the shapes the OSS backend, `kfp.local` and Vertex send
 * (snake_case aliases, absent maps) into one structure. Facts: reference/kfp-contract.md §1.
 */
import { readFileSync } from 'node:fs';
import { ExecutorInputError } from '../errors.js';
import type { JsonObject, JsonValue } from './spec.js';

export interface RuntimeArtifact {
  name?: string;
  uri: string;
  metadata: JsonObject;
  customPath?: string;
  schemaTitle?: string;
}

/** A deprecated `inputs.parameters` entry (Vertex still sends it beside `parameterValues`). */
export interface LegacyParameterValue {
  intValue?: string;
  doubleValue?: number;
  stringValue?: string;
}

export interface ExecutorInput {
  parameterValues: Record<string, JsonValue>;
  legacyParameters: Record<string, LegacyParameterValue>;
  inputArtifacts: Record<string, RuntimeArtifact[]>;
  outputArtifacts: Record<string, RuntimeArtifact[]>;
  outputParameterFiles: Record<string, string>;
  outputFile: string | undefined;
}

const FLAG = '--executor-input';
const FILE_FLAG = '--executor-input-file';

/** The raw ExecutorInput JSON text from argv. */
export function executorInputText(argv: readonly string[]): string {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === FLAG || arg === '--executor_input') return valueAfter(argv, i, arg);
    if (arg.startsWith(`${FLAG}=`) || arg.startsWith('--executor_input=')) return arg.slice(arg.indexOf('=') + 1);
    if (arg === FILE_FLAG) return readInputFile(valueAfter(argv, i, arg));
    if (arg.startsWith(`${FILE_FLAG}=`)) return readInputFile(arg.slice(FILE_FLAG.length + 1));
  }
  throw new ExecutorInputError(
    `Missing ${FLAG}: pass the ExecutorInput JSON as "${FLAG} <json>" (KFP does this with '{{$}}') or "${FILE_FLAG} <path>".`,
  );
}

function valueAfter(argv: readonly string[], index: number, flag: string): string {
  const value = argv[index + 1];
  if (value === undefined) throw new ExecutorInputError(`${flag} was given without a value.`);
  return value;
}

function readInputFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ExecutorInputError(`Cannot read ${FILE_FLAG} "${path}": ${(cause as Error).message}`, { cause });
  }
}

/** Parses and normalises ExecutorInput JSON text. Unknown keys are ignored, as the contract requires. */
export function parseExecutorInput(text: string): ExecutorInput {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    const shown = text.length > 200 ? `${text.slice(0, 200)}…` : text;
    throw new ExecutorInputError(`The ExecutorInput is not valid JSON (${(cause as Error).message}); received: ${shown}`, {
      cause,
    });
  }
  if (!isObject(raw)) throw new ExecutorInputError(`The ExecutorInput must be a JSON object; received ${kindOf(raw)}.`);

  const inputs = objectAt(raw, 'inputs');
  const outputs = objectAt(raw, 'outputs');
  return {
    parameterValues: objectAt(inputs, 'parameterValues', 'parameter_values') as Record<string, JsonValue>,
    legacyParameters: objectAt(inputs, 'parameters') as Record<string, LegacyParameterValue>,
    inputArtifacts: artifactLists(objectAt(inputs, 'artifacts'), 'inputs.artifacts'),
    outputArtifacts: artifactLists(objectAt(outputs, 'artifacts'), 'outputs.artifacts'),
    outputParameterFiles: outputParameterFiles(objectAt(outputs, 'parameters')),
    outputFile: stringAt(outputs, 'outputFile', 'output_file'),
  };
}

function artifactLists(map: JsonObject, where: string): Record<string, RuntimeArtifact[]> {
  const result: Record<string, RuntimeArtifact[]> = {};
  for (const [name, value] of Object.entries(map)) {
    // {} , [] and null are how a backend says "not provided" (reference/kfp-contract.md); a number, text or
    // boolean is a malformed entry, and dropping it silently would, for eval, drop a candidate.
    if (value !== null && !Array.isArray(value) && !isObject(value)) {
      throw new ExecutorInputError(`${where}.${name} must be an object with an "artifacts" list; received ${kindOf(value)}.`);
    }
    const list = isObject(value) ? value['artifacts'] : undefined;
    if (list === undefined || list === null) {
      result[name] = [];
      continue;
    }
    if (!Array.isArray(list)) throw new ExecutorInputError(`${where}.${name}.artifacts must be a list; received ${kindOf(list)}.`);
    result[name] = list.map((entry, i) => runtimeArtifact(entry, `${where}.${name}.artifacts[${i}]`));
  }
  return result;
}

function runtimeArtifact(value: JsonValue, where: string): RuntimeArtifact {
  if (!isObject(value)) throw new ExecutorInputError(`${where} must be an object; received ${kindOf(value)}.`);
  const type = objectAt(value, 'type');
  const artifact: RuntimeArtifact = {
    uri: stringAt(value, 'uri') ?? '',
    metadata: objectAt(value, 'metadata'),
  };
  const name = stringAt(value, 'name');
  if (name !== undefined) artifact.name = name;
  const customPath = stringAt(value, 'customPath', 'custom_path');
  if (customPath) artifact.customPath = customPath;
  const schemaTitle = stringAt(type, 'schemaTitle', 'schema_title');
  if (schemaTitle) artifact.schemaTitle = schemaTitle;
  return artifact;
}

function outputParameterFiles(map: JsonObject): Record<string, string> {
  const files: Record<string, string> = {};
  for (const [name, value] of Object.entries(map)) {
    const file = isObject(value) ? stringAt(value, 'outputFile', 'output_file') : undefined;
    if (file) files[name] = file;
  }
  return files;
}

function objectAt(parent: JsonObject, ...keys: string[]): JsonObject {
  for (const key of keys) {
    const value = parent[key];
    if (value === undefined || value === null) continue;
    if (!isObject(value)) throw new ExecutorInputError(`ExecutorInput field "${key}" must be an object; received ${kindOf(value)}.`);
    return value;
  }
  return {};
}

function stringAt(parent: JsonObject, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const value = parent[key];
    if (typeof value === 'string') return value;
  }
  return undefined;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short description of a JSON value's kind, for error messages. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}
