import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { httpSettings } from '../../shared/tracking/index.js';

const basic = (text: string) => `Basic ${Buffer.from(text).toString('base64')}`;

describe('httpSettings', () => {
  it('uses MLflow’s Python defaults: 7 retries, factor 2 s, jitter 1 s, 120 s per request', () => {
    const settings = httpSettings('http://mlflow:5000/', {});
    assert.deepEqual(settings, {
      baseUrl: 'http://mlflow:5000',
      authorization: undefined,
      headers: {},
      timeoutMs: 120_000,
      retry: { retries: 7, baseDelayMs: 2000, maxDelayMs: 120_000, jitterMs: 1000, deadlineMs: 300_000 },
    });
  });

  it('reads the retry and timeout variables', () => {
    const env = {
      MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2',
      MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.5',
      MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0',
      MLFLOW_HTTP_REQUEST_TIMEOUT: '10',
      FLTS_MLFLOW_RETRY_DEADLINE: '30',
    };
    const settings = httpSettings('http://mlflow:5000', env);
    assert.deepEqual(settings.retry, { retries: 2, baseDelayMs: 500, maxDelayMs: 120_000, jitterMs: 0, deadlineMs: 30_000 });
    assert.equal(settings.timeoutMs, 10_000);
  });

  it('refuses a retry count above MLflow’s hard limit of 10', () => {
    assert.throws(() => httpSettings('http://mlflow:5000', { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '50' }), {
      name: 'TrackingError',
      message: 'MLFLOW_HTTP_REQUEST_MAX_RETRIES must be a number from 0 to 10; got "50".',
    });
  });

  describe('authentication', () => {
    it('sends Basic auth from MLFLOW_TRACKING_USERNAME/PASSWORD, which wins over a token (as in Python)', () => {
      const settings = httpSettings('http://mlflow:5000', {
        MLFLOW_TRACKING_USERNAME: 'kfp',
        MLFLOW_TRACKING_PASSWORD: 'pw',
        MLFLOW_TRACKING_TOKEN: 'tok',
      });
      assert.equal(settings.authorization, basic('kfp:pw'));
    });

    it('sends a Bearer token from MLFLOW_TRACKING_TOKEN', () => {
      assert.equal(httpSettings('http://mlflow:5000', { MLFLOW_TRACKING_TOKEN: 'sa-token' }).authorization, 'Bearer sa-token');
    });

    it('takes credentials from the URI’s user-info and removes them from the base URL', () => {
      const settings = httpSettings('https://kfp:p%40ss@mlflow.example/prefix', {});
      assert.equal(settings.baseUrl, 'https://mlflow.example/prefix');
      assert.equal(settings.authorization, basic('kfp:p@ss'));
    });

    it('sends MLFLOW_WORKSPACE as X-MLFLOW-WORKSPACE', () => {
      assert.deepEqual(httpSettings('http://mlflow:5000', { MLFLOW_WORKSPACE: 'team-a' }).headers, { 'X-MLFLOW-WORKSPACE': 'team-a' });
    });
  });
});
