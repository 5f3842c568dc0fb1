/**
 * Run dataset inputs as MLflow stores them: the dataset entity (`mlflow.entities.Dataset`: name, digest, source
 * type, source, schema, profile, the last three JSON text) that the REST API sends and the FileStore writes
 * under `<experiment>/datasets/`, checked against MLflow's limits (`mlflow/utils/validation.py`).
 */
import { TrackingError } from '../errors.js';
import type { DatasetInput } from './types.js';

/** MLflow's `mlflow.data.context` input tag: what the run used the dataset for. */
export const DATASET_CONTEXT_TAG = 'mlflow.data.context';

/** The dataset entity's fields, as on the wire (`Dataset` in service.proto) and in the FileStore's meta.yaml. */
export interface DatasetEntity {
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema: string;
  profile: string;
}

const LIMITS = { name: 500, digest: 36, source: 65535, schema: 1048575 };

/** The entity of an input, or TrackingError naming the dataset and the field that is out of bounds. */
export function datasetEntity(input: DatasetInput): DatasetEntity {
  const entity: DatasetEntity = {
    name: input.name,
    digest: input.digest,
    source_type: sourceType(input.sourceUri),
    // The JSON of MLflow's artifact dataset sources (`{"uri": …}`) and of its column-based schema (mlflow.types.Schema).
    source: JSON.stringify({ uri: input.sourceUri }),
    schema: JSON.stringify({ mlflow_colspec: input.schema.map((column) => ({ type: column.type, name: column.name, required: true })) }),
    profile: JSON.stringify(input.profile),
  };
  for (const field of ['name', 'digest', 'source', 'schema'] as const) {
    const length = entity[field].length;
    if (length === 0 || length > LIMITS[field]) {
      throw new TrackingError(`Dataset input ${JSON.stringify(input.name)}: ${field} must be 1 to ${LIMITS[field]} characters; got ${length}.`);
    }
  }
  return entity;
}

/** The input's tags, the context first. */
export function datasetInputTags(input: DatasetInput): { key: string; value: string }[] {
  return Object.entries({ [DATASET_CONTEXT_TAG]: input.context, ...input.tags }).map(([key, value]) => ({ key, value }));
}

/** MLflow's source type for a URI: its scheme (`s3`, `gs`, `http`…), `local` for a path or `file:` URI. */
function sourceType(uri: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
  if (!scheme || scheme === 'file' || /^[a-z]:[\\/]/i.test(uri)) return 'local';
  return scheme === 'https' ? 'http' : scheme;
}
