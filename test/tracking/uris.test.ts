import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIndirectUri, redactUri, trackingUriFrom } from '../../shared/tracking/index.js';
import { proxyLocation } from '../../shared/tracking/artifacts.js';

describe('parseIndirectUri', () => {
  it('reads runs:/<id>/<path>', () => {
    assert.deepEqual(parseIndirectUri('runs:/0a1b2c/model/data'), { kind: 'run', runId: '0a1b2c', path: 'model/data' });
  });

  it('reads every models:/ form with an optional sub-path', () => {
    assert.deepEqual(parseIndirectUri('models:/flts-gru/3'), { kind: 'model-version', name: 'flts-gru', version: '3', path: '' });
    assert.deepEqual(parseIndirectUri('models:/flts-gru@champion/MLmodel'), { kind: 'model-alias', name: 'flts-gru', alias: 'champion', path: 'MLmodel' });
    assert.deepEqual(parseIndirectUri('models:/flts-gru/Latest'), { kind: 'model-latest', name: 'flts-gru', path: '' });
  });

  it('leaves concrete artifact URIs alone', () => {
    assert.equal(parseIndirectUri('s3://mlflow/1/abc/artifacts'), undefined);
  });

  it('explains the accepted forms when a models URI is malformed', () => {
    assert.throws(() => parseIndirectUri('models:/flts-gru/Production'), {
      name: 'TrackingError',
      message:
        'Invalid models URI "models:/flts-gru/Production": expected models:/<name>/<version>, models:/<name>@<alias> or models:/<name>/latest (stages and logged-model ids are not supported).',
    });
  });
});

describe('proxyLocation', () => {
  it('maps mlflow-artifacts:/ onto the tracking server, keeping its path prefix', () => {
    assert.deepEqual(proxyLocation('mlflow-artifacts:/1/abc/artifacts', 'http://mlflow.ns.svc:5000/prefix'), {
      base: 'http://mlflow.ns.svc:5000/prefix/api/2.0/mlflow-artifacts/artifacts',
      path: '1/abc/artifacts',
    });
  });

  it('uses the host an mlflow-artifacts URI names', () => {
    assert.equal(proxyLocation('mlflow-artifacts://other:7000/1/abc', 'https://mlflow:5000').base, 'https://other:7000/api/2.0/mlflow-artifacts/artifacts');
  });
});

describe('tracking URI', () => {
  it('prefers the explicit URI, then MLFLOW_TRACKING_URI, else empty (offline)', () => {
    assert.equal(trackingUriFrom('http://a:5000', { MLFLOW_TRACKING_URI: 'http://b:5000' }), 'http://a:5000');
    assert.equal(trackingUriFrom('', { MLFLOW_TRACKING_URI: 'http://b:5000' }), 'http://b:5000');
    assert.equal(trackingUriFrom(undefined, {}), '');
  });

  it('is printed without credentials', () => {
    assert.equal(redactUri('https://kfp:s3cret@mlflow:5000/x'), 'https://***@mlflow:5000/x');
  });
});
