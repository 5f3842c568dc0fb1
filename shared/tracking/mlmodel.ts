/**
 * The MLmodel file that makes an artifact directory an MLflow model, and the entry of the run's
 * `mlflow.log-model.history` tag that makes the UI show it (reference/mlflow.md §6).
 */
import { randomUUID } from 'node:crypto';
import type { LogModelOptions } from './types.js';
import type { YamlValue } from './yaml.js';

/** The MLmodel document for a model logged at `artifactPath` of run `runId`. */
export function mlmodelDocument(runId: string, artifactPath: string, options: LogModelOptions, now: Date = new Date()): Record<string, YamlValue> {
  const document: Record<string, YamlValue> = {
    artifact_path: artifactPath,
    flavors: { [options.flavor.name]: options.flavor.config as YamlValue },
    model_uuid: randomUUID().replaceAll('-', ''),
    run_id: runId,
    utc_time_created: pythonUtcTime(now),
    ...(options.metadata && { metadata: options.metadata as YamlValue }),
  };
  if (options.signature) {
    // MLflow stores each schema as a JSON string inside the YAML.
    // MLflow stores each schema as a JSON string inside the YAML; an empty schema must be absent (null).
    const schema = (columns: unknown[] | undefined) => (columns && columns.length > 0 ? JSON.stringify(columns) : null);
    document['signature'] = {
      inputs: schema(options.signature.inputs),
      outputs: schema(options.signature.outputs),
      params: schema(options.signature.params),
    };
  }
  return document;
}

/**
 * The history entry MLflow appends for a logged model: the MLmodel's identity and flavours, without each
 * flavour's `config` (as `record_logged_model` does, to keep the 8000-character tag small).
 */
export function historyEntry(mlmodel: Record<string, YamlValue>): Record<string, YamlValue> {
  const flavors: Record<string, YamlValue> = {};
  for (const [name, config] of Object.entries((mlmodel['flavors'] ?? {}) as Record<string, YamlValue>)) {
    const { config: _dropped, ...rest } = (config ?? {}) as Record<string, YamlValue>;
    flavors[name] = rest;
  }
  return {
    run_id: mlmodel['run_id']!,
    artifact_path: mlmodel['artifact_path']!,
    utc_time_created: mlmodel['utc_time_created']!,
    model_uuid: mlmodel['model_uuid']!,
    flavors,
  };
}

/** The history tag's new value: the old JSON array (if any) with `entry` appended. */
export function appendHistory(previous: string | undefined, entry: Record<string, YamlValue>): string {
  let list: unknown[] = [];
  try {
    const parsed: unknown = previous ? JSON.parse(previous) : [];
    if (Array.isArray(parsed)) list = parsed;
  } catch {
    // A corrupt tag is replaced rather than blocking the log.
  }
  return JSON.stringify([...list, entry]);
}

/** Python's `str(datetime.utcnow())`: "2024-06-01 12:00:00.123000", the format MLflow writes and its UI parses. */
export function pythonUtcTime(date: Date): string {
  return `${date.toISOString().replace('T', ' ').replace('Z', '')}000`;
}
