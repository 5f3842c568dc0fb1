import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { artifactPath, localPathForUri, metadataBoolean, sanitizeMetadata, unwrapMetadata } from '../../shared/kfp/artifacts.js';

describe('localPathForUri (the launcher rule)', () => {
  const cases: [string, string][] = [
    ['gs://bucket/a/b', '/gcs/bucket/a/b'],
    ['s3://bucket/a/b', '/s3/bucket/a/b'],
    ['minio://mlpipeline/v2/artifacts/p/r/t/data', '/minio/mlpipeline/v2/artifacts/p/r/t/data'],
    ['oci://registry.io/org/model:1', '/oci/registry.io_org_model:1/models'],
    ['/home/u/local_outputs/task/data', '/home/u/local_outputs/task/data'],
    ['https://example.com/x', 'https://example.com/x'],
  ];
  for (const [uri, path] of cases) {
    it(`maps ${uri} to ${path}`, () => assert.equal(localPathForUri(uri), path));
  }

  it('relocates the mounts under a root when one is given', () => {
    assert.equal(localPathForUri('minio://b/k', '/tmp/root'), '/tmp/root/minio/b/k');
    assert.equal(localPathForUri('/abs/path', '/tmp/root'), '/abs/path');
  });
});

describe('artifactPath', () => {
  it('prefers customPath over the URI', () => {
    assert.equal(artifactPath({ uri: 'minio://b/k', customPath: '/out/model', metadata: {} }), '/out/model');
  });

  it('puts workspace artifacts under the workspace mount', () => {
    assert.equal(artifactPath({ uri: 'minio://b/k', metadata: { _kfp_workspace: true } }), '/kfp-workspace/.artifacts/minio/b/k');
  });
});

describe('unwrapMetadata', () => {
  it("undoes MLMD's list and struct wrapping at every depth", () => {
    assert.deepEqual(
      unwrapMetadata({ rows: 100, columns: { list: ['a', 'b'] }, scaler: { struct: { min: { list: [1, 2] } } }, display_name: 'data' }),
      { rows: 100, columns: ['a', 'b'], scaler: { min: [1, 2] }, display_name: 'data' },
    );
  });

  it('leaves objects with other keys alone', () => {
    assert.deepEqual(unwrapMetadata({ list: [1], other: 2 }), { list: [1], other: 2 });
  });
});

describe('metadataBoolean', () => {
  it('reads booleans that came back from MLMD as 0/1', () => {
    assert.deepEqual([1, 0, true, false, 'true', 2, undefined].map(metadataBoolean), [true, false, true, false, true, undefined, undefined]);
  });
});

describe('sanitizeMetadata', () => {
  it('drops nulls and non-finite numbers, which would fail the backend task', () => {
    assert.deepEqual(sanitizeMetadata({ a: null, b: NaN, c: Infinity, d: 1.5, e: [1, null, NaN, 2], f: { g: undefined, h: 'x' } }), {
      d: 1.5,
      e: [1, 2],
      f: { h: 'x' },
    });
  });
});
