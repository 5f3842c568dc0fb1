import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeDouble, encodeJson, isRetryableReply, mlmodelDocument, pythonUtcTime } from '../../shared/tracking/index.js';
import { parseFlatYaml, toYaml } from '../../shared/tracking/yaml.js';
import { appendHistory, historyEntry } from '../../shared/tracking/mlmodel.js';
import { pythonJson } from '../helpers/python.js';

describe('JSON on the wire', () => {
  it('sends NaN and ±Infinity as the strings protobuf accepts for doubles', () => {
    assert.equal(encodeJson({ metrics: [{ value: Number.NaN }, { value: Infinity }, { value: -Infinity }, { value: 0.5 }] }),
      '{"metrics":[{"value":"NaN"},{"value":"Infinity"},{"value":"-Infinity"},{"value":0.5}]}');
  });

  it('reads them back as numbers', () => {
    assert.deepEqual(['NaN', 'Infinity', '-Infinity', 2.5].map(decodeDouble), [Number.NaN, Infinity, -Infinity, 2.5]);
  });
});

describe('isRetryableReply', () => {
  it('retries 408, 429, 502, 503 and 504', () => {
    assert.deepEqual([408, 429, 502, 503, 504].map((status) => isRetryableReply(status, undefined)), [true, true, true, true, true]);
  });

  it('does not retry client errors', () => {
    assert.deepEqual([400, 401, 403, 404].map((status) => isRetryableReply(status, undefined)), [false, false, false, false]);
  });

  it('retries a 500 without an error code or with INTERNAL_ERROR, but not one whose error code is deterministic', () => {
    assert.equal(isRetryableReply(500, undefined), true);
    assert.equal(isRetryableReply(500, 'INTERNAL_ERROR'), true);
    assert.equal(isRetryableReply(500, 'INVALID_STATE'), false);
    assert.equal(isRetryableReply(500, 'INVALID_PARAMETER_VALUE'), false);
  });
});

describe('YAML for meta.yaml and MLmodel', () => {
  it('sorts keys, nests maps and lists, and quotes strings so that ids stay text', () => {
    assert.equal(
      toYaml({ name: 'exp', experiment_id: '123', creation_time: 5, end_time: null, flavors: { tfjs: { files: ['a.bin', 'b.bin'] } }, tags: [] }),
      ['creation_time: 5', 'end_time: null', 'experiment_id: "123"', 'flavors:', '  tfjs:', '    files:', '    - "a.bin"', '    - "b.bin"', 'name: "exp"', 'tags: []', ''].join('\n'),
    );
  });

  it('reads flat files as PyYAML writes them', () => {
    const text = "artifact_uri: file:///tmp/a\nend_time: null\nexperiment_id: '42'\nstatus: 3\nrun_name: \"r 1\"\nname: 'it''s'\n";
    assert.deepEqual(parseFlatYaml(text), { artifact_uri: 'file:///tmp/a', end_time: null, experiment_id: '42', status: 3, run_name: 'r 1', name: "it's" });
  });

  it("types unquoted values as PyYAML does, so strings that YAML 1.2 would read as numbers stay text", async () => {
    const values = { name: '1e3', octal: '0o17', hex_like: '0x1F', experiment_id: '0', creation_time: 1700000000000, lifecycle_stage: 'active', artifact_location: 'file:///tmp/mlruns/1', end_time: null, ratio: 1.5, big: 2.5e-7, flag: true, word: 'yes' };
    const written = await pythonJson<{ text: string; back: Record<string, unknown> }>(`
import json, yaml
values = json.loads(${JSON.stringify(JSON.stringify(values))})
text = yaml.safe_dump(values, default_flow_style=False)
print(json.dumps({'text': text, 'back': yaml.safe_load(text)}))`);
    assert.match(written.text, /^name: 1e3$/m, 'PyYAML leaves 1e3 unquoted');
    assert.deepEqual(parseFlatYaml(written.text), written.back);
    assert.deepEqual(written.back, values);
  });

  it('reads back what it writes', () => {
    const meta = { experiment_id: '0042', name: 'a "quoted" name', start_time: 1717243200000, lifecycle_stage: 'active', deleted_time: null };
    assert.deepEqual(parseFlatYaml(toYaml(meta)), meta);
  });
});

describe('MLmodel', () => {
  const mlmodel = mlmodelDocument(
    'r1',
    'model',
    {
      flavor: { name: 'tfjs_layers', config: { model_file: 'model.json', config: { big: true } } },
      signature: { inputs: [{ type: 'tensor', 'tensor-spec': { dtype: 'float32', shape: [-1, 12, 3] } }], outputs: [] },
    },
    new Date('2024-06-01T12:00:00.123Z'),
  );

  it('names the run, the artifact path, the flavour and the creation time as Python prints it', () => {
    assert.equal(mlmodel['run_id'], 'r1');
    assert.equal(mlmodel['artifact_path'], 'model');
    assert.equal(mlmodel['utc_time_created'], '2024-06-01 12:00:00.123000');
    assert.deepEqual(mlmodel['flavors'], { tfjs_layers: { model_file: 'model.json', config: { big: true } } });
    assert.match(String(mlmodel['model_uuid']), /^[0-9a-f]{32}$/);
  });

  it('stores the signature schemas as JSON strings and an empty schema as null', () => {
    assert.deepEqual(mlmodel['signature'], {
      inputs: '[{"type":"tensor","tensor-spec":{"dtype":"float32","shape":[-1,12,3]}}]',
      outputs: null,
      params: null,
    });
  });

  it('records a history entry without the flavours’ config, appended to earlier ones', () => {
    const entry = historyEntry(mlmodel);
    assert.deepEqual(entry['flavors'], { tfjs_layers: { model_file: 'model.json' } });
    assert.deepEqual(JSON.parse(appendHistory('[{"artifact_path":"old"}]', entry)).map((e: { artifact_path: string }) => e.artifact_path), ['old', 'model']);
  });

  it('formats times like str(datetime.utcnow())', () => {
    assert.equal(pythonUtcTime(new Date('2024-01-02T03:04:05.006Z')), '2024-01-02 03:04:05.006000');
  });
});
