/**
 * The KServe Open Inference Protocol (v2) for the served model: model metadata and `infer`, so the image runs
 * as a KServe custom predictor.
 *
 * Tensor layout accepted by `POST /v2/models/{name}/infer`: one series per request, one tensor per column,
 * each of shape [N] (or [N, 1]) with its values in `data`, row-major:
 *   - the timestamps: a tensor named `ts` (or `timestamp`, `time`, `date`, or the name given in the request
 *     parameter `index_col`), datatype BYTES (ISO 8601 text, naive = UTC) or INT64 (epoch milliseconds);
 *   - one tensor per column the model reads (GET /v2/models/{name} lists them), datatype FP32, FP64 or an
 *     integer type;
 *   - request parameter `inference_length`: steps to forecast (default: one model horizon).
 * The answer has tensors `time` (BYTES, ISO 8601), `forecast` (FP64, original units) and, where the model has
 * intervals, `lower` and `upper` (FP64), each of shape [inference_length]; its parameters carry `run_id`,
 * `model_type` and `target`, and `model_version` the registry version.
 */
import { formatTimestamp } from '../../../shared/series/timestamps.js';
import { BadRequestError } from './errors.js';
import type { ModelSlot } from './holder.js';
import type { ForecastAnswer, ForecastRequest } from './model.js';
import { validateSeries } from './request.js';

const INDEX_CANDIDATES = ['ts', 'timestamp', 'time', 'date'];
const NUMERIC = new Set(['FP16', 'FP32', 'FP64', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64']);

interface Tensor {
  name: string;
  datatype: string;
  shape: number[];
  data: unknown[];
}

/** `GET /v2/models/{name}`: what the model takes and gives. */
export function modelMetadata(slot: ModelSlot, name: string) {
  const d = slot.model.description;
  const column = (column: string) => ({ name: column, datatype: 'FP64', shape: [-1] });
  return {
    name,
    versions: [slot.version],
    platform: `flts-ts/${d.modelType}`,
    inputs: [{ name: 'ts', datatype: 'BYTES', shape: [-1] }, ...d.requiredColumns.map(column)],
    outputs: [{ name: 'time', datatype: 'BYTES', shape: [-1] }, column('forecast'), ...(d.hasIntervals ? [column('lower'), column('upper')] : [])],
    parameters: {
      run_id: slot.runId ?? null,
      target: d.target,
      input_length: d.inputLength,
      horizon: d.horizon,
      frequency: d.frequency,
      config_hash: d.configHash,
      optional_inputs: [...d.timeFeatureColumns, ...d.ignoredColumns],
    },
  };
}

/** The forecast request in an infer body, validated against the served model. */
export function parseInfer(body: unknown, slot: ModelSlot, maxSteps: number): { request: ForecastRequest; id: string | undefined } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('body', 'The body must be a JSON object with "inputs".');
  const record = body as Record<string, unknown>;
  const parameters = (record['parameters'] ?? {}) as Record<string, unknown>;
  if (typeof parameters !== 'object' || Array.isArray(parameters)) throw new BadRequestError('parameters', '"parameters" must be an object.');
  const inputs = record['inputs'];
  if (!Array.isArray(inputs) || inputs.length === 0) throw new BadRequestError('inputs', '"inputs" must be a non-empty array of tensors, one per column.');
  const tensors = new Map<string, Tensor>();
  inputs.forEach((input, i) => {
    const tensor = checkTensor(input, `inputs[${i}]`);
    if (tensors.has(tensor.name)) throw new BadRequestError(`inputs[${i}].name`, `inputs[${i}]: a second tensor named "${tensor.name}".`);
    tensors.set(tensor.name, tensor);
  });
  const index = indexOf(parameters['index_col'], tensors);
  const fieldOf = (name: string) => {
    const at = inputs.findIndex((input) => (input as Tensor).name === name);
    return at >= 0 ? `inputs[${at}] (${name})` : `inputs (${name})`;
  };
  const time = tensors.get(index)!;
  if (time.datatype !== 'BYTES' && time.datatype !== 'INT64') {
    throw new BadRequestError(`${fieldOf(index)}.datatype`, `${fieldOf(index)} holds the timestamps and must be BYTES (ISO 8601) or INT64 (epoch ms); got ${time.datatype}.`);
  }
  tensors.delete(index);
  for (const [name, tensor] of tensors) {
    if (!NUMERIC.has(tensor.datatype)) throw new BadRequestError(`${fieldOf(name)}.datatype`, `${fieldOf(name)} must be a numeric tensor (FP32, FP64 or an integer type); got ${tensor.datatype}.`);
  }
  const id = record['id'];
  const request = validateSeries(
    {
      timestamps: time.data,
      timestampField: fieldOf(index),
      columns: new Map([...tensors].map(([name, tensor]) => [name, tensor.data])),
      columnField: fieldOf,
      columnsField: '"inputs"',
      steps: parameters['inference_length'],
      stepsField: 'parameters.inference_length',
    },
    slot.model.description,
    maxSteps,
  );
  return { request, id: typeof id === 'string' ? id : undefined };
}

function checkTensor(input: unknown, field: string): Tensor {
  if (typeof input !== 'object' || input === null) throw new BadRequestError(field, `${field} must be a tensor object {name, datatype, shape, data}.`);
  const { name, datatype, shape, data } = input as Record<string, unknown>;
  if (typeof name !== 'string' || name === '') throw new BadRequestError(`${field}.name`, `${field}.name must be a non-empty string.`);
  const where = `${field} (${name})`;
  if (typeof datatype !== 'string') throw new BadRequestError(`${where}.datatype`, `${where}.datatype must be a string such as "FP64".`);
  if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0)) throw new BadRequestError(`${where}.shape`, `${where}.shape must be an array of non-negative integers.`);
  if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
    throw new BadRequestError(`${where}.shape`, `${where}.shape is ${JSON.stringify(shape)}; each column is one tensor of shape [N] or [N, 1].`);
  }
  if (!Array.isArray(data)) throw new BadRequestError(`${where}.data`, `${where}.data must be a flat array.`);
  if (data.length !== shape[0]) throw new BadRequestError(`${where}.data`, `${where}.data has ${data.length} elements for shape ${JSON.stringify(shape)}.`);
  return { name, datatype, shape: shape as number[], data };
}

function indexOf(indexCol: unknown, tensors: Map<string, Tensor>): string {
  if (indexCol !== undefined) {
    if (typeof indexCol !== 'string' || !tensors.has(indexCol)) throw new BadRequestError('parameters.index_col', `parameters.index_col is ${JSON.stringify(indexCol)}, which names no input tensor.`);
    return indexCol;
  }
  const found = INDEX_CANDIDATES.find((name) => tensors.has(name));
  if (!found) throw new BadRequestError('inputs', `"inputs" has no timestamp tensor: name it one of ${INDEX_CANDIDATES.join(', ')}, or set parameters.index_col.`);
  return found;
}

/** The infer answer. */
export function inferResponse(slot: ModelSlot, name: string, answer: ForecastAnswer, id: string | undefined) {
  const k = answer.time.length;
  const fp64 = (tensorName: string, values: Float64Array) => ({ name: tensorName, datatype: 'FP64', shape: [k], data: Array.from(values) });
  return {
    model_name: name,
    model_version: slot.version,
    ...(id === undefined ? {} : { id }),
    parameters: { run_id: slot.runId ?? null, model_type: slot.model.description.modelType, target: slot.model.description.target },
    outputs: [
      { name: 'time', datatype: 'BYTES', shape: [k], data: Array.from(answer.time, formatTimestamp) },
      fp64('forecast', answer.forecast),
      ...(answer.lower && answer.upper ? [fp64('lower', answer.lower), fp64('upper', answer.upper)] : []),
    ],
  };
}
