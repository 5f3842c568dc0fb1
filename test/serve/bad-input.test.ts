/**
 * Every kind of bad request gets a 4xx whose body names the field that is wrong, and none of them hurts the
 * server: malformed JSON, missing and extra columns, values that are not finite numbers, too few rows for one
 * input window, unsorted, duplicate or irregular timestamps, a horizon beyond the limit, a body over the size
 * limit, and malformed Open Inference Protocol tensors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { get, inferBody, MODEL, post, predictBody, startServe, TASK, trainedRegistry, type Answer, type Registry, type ServeProcess } from './fixtures.js';

const BODY_LIMIT = 16_384;
const MAX_STEPS = 200;

let registry: Registry;
let server: ServeProcess;

before(async () => {
  registry = await trainedRegistry();
  server = await startServe({
    'tracking-uri': registry.mlflow.url,
    model: `models:/${MODEL}@champion`,
    'poll-interval-ms': 0,
    'body-limit': BODY_LIMIT,
    'max-inference-length': MAX_STEPS,
  });
});
after(async () => {
  await server?.stop();
  await registry?.stop();
});

type Data = Record<string, unknown[]>;

/** A valid 30-row body with `change` applied to its columns. */
function body(change: (data: Data) => void, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const request = predictBody(registry.rows, 0, 30, 5) as { data: Data };
  change(request.data);
  return { ...request, ...extra };
}

const predict = (request: unknown) => post(`${server.url}/predict`, request);

function rejected(answer: Answer, status: number, field: string, message?: string | RegExp): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.equal(answer.body['field'], field, JSON.stringify(answer.body));
  if (typeof message === 'string') assert.equal(answer.body['error'], message);
  else if (message) assert.match(String(answer.body['error']), message);
}

describe('POST /predict with bad input', () => {
  it('malformed JSON is a 400 on the body', async () => {
    rejected(await post(`${server.url}/predict`, '{"data": {"ts": [', { raw: true }), 400, 'body', /^Malformed request body: /);
  });

  it('a body that is not an object, or without data, is a 400 naming it', async () => {
    rejected(await predict([1, 2]), 400, 'body');
    rejected(await predict({ index_col: 'ts' }), 400, 'data', '"data" must be a non-empty object of columns: {"ts": [...], "<column>": [...]}.');
    rejected(await predict({ ...body(() => undefined), window: 3 }), 400, 'window', 'Unknown field "window" in the body; the fields are data, index_col and inference_length.');
  });

  it('a missing feature column is a 400 naming it and the columns the model reads', async () => {
    rejected(
      await predict(body((data) => delete data['rnti_count'])),
      400,
      'data.rnti_count',
      '"data" lacks column "rnti_count" that the model reads; it needs "down", "up", "rnti_count".',
    );
  });

  it('a column that is not in the model\'s data is a 400 naming it', async () => {
    rejected(await predict(body((data) => (data['bogus'] = data['down']!))), 400, 'data.bogus', /^"data" has column "bogus" that is not in the model's data; it accepts "down", "up", "rnti_count", "min_of_day_sin"/);
  });

  it('a value that is not a number is a 400 naming the cell', async () => {
    rejected(await predict(body((data) => (data['down']![3] = 'abc'))), 400, 'data.down[3]', 'data.down[3] is "abc"; expected a finite number.');
    rejected(await predict(body((data) => (data['up']![0] = true))), 400, 'data.up[0]', 'data.up[0] is true; expected a finite number.');
  });

  it('a non-finite value (null, "NaN", "Infinity") is a 400 naming the cell', async () => {
    rejected(await predict(body((data) => (data['up']![2] = null))), 400, 'data.up[2]', 'data.up[2] is null; expected a finite number.');
    rejected(await predict(body((data) => (data['down']![29] = 'NaN'))), 400, 'data.down[29]');
    rejected(await predict(body((data) => (data['rnti_count']![5] = 'Infinity'))), 400, 'data.rnti_count[5]');
  });

  it('a column with another length than the timestamps is a 400 naming it', async () => {
    rejected(await predict(body((data) => data['up']!.pop())), 400, 'data.up', 'data.up has 29 values for 30 timestamps; every column needs one value per timestamp.');
  });

  it('too few rows for one input window is a 400 naming the length needed', async () => {
    rejected(
      await predict(predictBody(registry.rows, 0, TASK.input_length - 1)),
      400,
      'data.ts',
      `data.ts has ${TASK.input_length - 1} rows; the model reads input_length = ${TASK.input_length} rows per forecast.`,
    );
  });

  it('an unparseable timestamp is a 400 naming the cell', async () => {
    rejected(await predict(body((data) => (data['ts']![4] = 'yesterday'))), 400, 'data.ts[4]', /^data\.ts\[4\] is "yesterday"; expected an ISO 8601 timestamp/);
  });

  it('unsorted timestamps are a 400 naming the first one out of order', async () => {
    rejected(
      await predict(body((data) => (data['ts']![8] = data['ts']![6]))),
      400,
      'data.ts[8]',
      /^data\.ts\[8\] \(.*\) is earlier than the timestamp before it; timestamps must be sorted in increasing order\.$/,
    );
  });

  it('a duplicate timestamp is a 400 naming it', async () => {
    rejected(await predict(body((data) => (data['ts']![10] = data['ts']![9]))), 400, 'data.ts[10]', /repeats the timestamp before it; timestamps must be unique\.$/);
  });

  it('a step that is not the model frequency (a gap, or finer data) is a 400 naming it and the frequency', async () => {
    const gap = predictBody(registry.rows, 0, 30) as { data: Data };
    for (const column of Object.values(gap.data)) column.splice(15, 1);
    rejected(await predict(gap), 400, 'data.ts[15]', /is 4min after the timestamp before it; the model's frequency is 2min, and every step must be exactly one interval \(no gaps\)\.$/);
    const finer = body((data) => (data['ts'] = data['ts']!.map((_, i) => new Date(Date.UTC(2018, 2, 28) + i * 60_000).toISOString())));
    rejected(await predict(finer), 400, 'data.ts[1]', /is 1min after the timestamp before it/);
  });

  it('an inference_length beyond the limit, zero or not an integer is a 400 naming it', async () => {
    const message = (value: unknown) => `inference_length must be an integer from 1 to ${MAX_STEPS} (max-inference-length); got ${JSON.stringify(value)}.`;
    rejected(await predict(body(() => undefined, { inference_length: MAX_STEPS + 1 })), 400, 'inference_length', message(MAX_STEPS + 1));
    rejected(await predict(body(() => undefined, { inference_length: 0 })), 400, 'inference_length', message(0));
    rejected(await predict(body(() => undefined, { inference_length: 2.5 })), 400, 'inference_length', message(2.5));
    rejected(await post(`${server.url}/predict?inference_length=9999`, body(() => undefined)), 400, 'query inference_length');
  });

  it('an index_col that is not a column, or no timestamp column at all, is a 400 on index_col', async () => {
    rejected(await predict(body(() => undefined, { index_col: 'when' })), 400, 'index_col', /^"index_col" is "when", which is not a column of "data"/);
    const { data } = body(() => undefined) as { data: Data };
    const { ts, ...columns } = data;
    rejected(await predict({ data: { stamp: ts, ...columns } }), 400, 'index_col', '"data" has no timestamp column: set "index_col", or name it one of ts, timestamp, time, date.');
  });

  it('a body over the size limit is a 413', async () => {
    const big = predictBody(registry.rows, 0, 400);
    assert.ok(JSON.stringify(big).length > BODY_LIMIT);
    rejected(await predict(big), 413, 'body', `The request body is larger than the limit of ${BODY_LIMIT} bytes (body-limit).`);
  });

  it('a body that is not JSON is a 415', async () => {
    const response = await fetch(`${server.url}/predict`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: 'ts,down\n' });
    assert.equal(response.status, 415);
  });
});

describe('POST /v2/models/{name}/infer with bad input', () => {
  const infer = (request: unknown, name = MODEL) => post(`${server.url}/v2/models/${name}/infer`, request);
  const tensors = (change: (inputs: { name: string; datatype: string; shape: number[]; data: unknown[] }[]) => void) => {
    const request = inferBody(registry.rows, 0, 30, 5) as { inputs: { name: string; datatype: string; shape: number[]; data: unknown[] }[] };
    change(request.inputs);
    return request;
  };

  it('an unknown model name is a 404', async () => {
    const answer = await infer(inferBody(registry.rows), 'other');
    assert.equal(answer.status, 404);
    assert.equal(answer.body['error'], `No model named "other"; this server serves "${MODEL}".`);
  });

  it('a missing column tensor is a 400 naming it', async () => {
    rejected(await infer(tensors((inputs) => inputs.splice(2, 1))), 400, 'inputs (up)', /^"inputs" lacks column "up" that the model reads/);
  });

  it('a tensor whose data does not fill its shape is a 400 naming the tensor', async () => {
    rejected(await infer(tensors((inputs) => (inputs[1]!.shape = [31]))), 400, 'inputs[1] (down).data', 'inputs[1] (down).data has 30 elements for shape [31].');
  });

  it('a tensor of more than one column is a 400 naming its shape', async () => {
    rejected(await infer(tensors((inputs) => (inputs[1]!.shape = [15, 2]))), 400, 'inputs[1] (down).shape', 'inputs[1] (down).shape is [15,2]; each column is one tensor of shape [N] or [N, 1].');
  });

  it('a column tensor that is not numeric, or timestamps that are neither BYTES nor INT64, is a 400 on its datatype', async () => {
    rejected(await infer(tensors((inputs) => (inputs[3]!.datatype = 'BYTES'))), 400, 'inputs[3] (rnti_count).datatype');
    rejected(await infer(tensors((inputs) => (inputs[0]!.datatype = 'FP32'))), 400, 'inputs[0] (ts).datatype');
  });

  it('a non-finite value in a tensor is a 400 naming the element', async () => {
    rejected(await infer(tensors((inputs) => (inputs[1]!.data[2] = null))), 400, 'inputs[1] (down)[2]', 'inputs[1] (down)[2] is null; expected a finite number.');
  });

  it('epoch-millisecond INT64 timestamps are accepted', async () => {
    const request = tensors((inputs) => {
      inputs[0]!.datatype = 'INT64';
      inputs[0]!.data = inputs[0]!.data.map((text) => Date.parse(`${String(text)}Z`));
    });
    const answer = await infer(request);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
  });
});

describe('after every bad request', () => {
  it('the server is alive, ready, and counted them as bad requests', async () => {
    assert.equal((await get(`${server.url}/ready`)).status, 200);
    assert.equal((await post(`${server.url}/predict`, predictBody(registry.rows))).status, 200);
    const text = (await get(`${server.url}/metrics`)).text;
    const count = Number(/flts_serve_requests_total\{route="\/predict",outcome="bad_request"\} (\d+)/.exec(text)?.[1]);
    assert.ok(count >= 20, `${count} bad requests counted`);
    assert.match(text, /flts_serve_requests_total\{route="\/predict",outcome="too_large"\} 1/);
  });
});
