/**
 * S3 settings from the environment, and a `minio://` URI without an endpoint refused before any request
 * (without an endpoint the client would go to AWS S3); with one, requests reach it (a real MinIO).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StorageError } from '../../shared/errors.js';
import { createStore, requireObjectEndpoint, s3ConfigFromEnv, type ObjectStore } from '../../shared/store/index.js';
import { startMinio, type MinioServer } from '../services/minio.js';

const NO_RETRY = { retries: 0, baseDelayMs: 1, maxDelayMs: 1, jitterMs: 0 };
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'key-id-never-printed', AWS_SECRET_ACCESS_KEY: 'secret-never-printed' };

describe('s3ConfigFromEnv', () => {
  it('goes to AWS S3 when no endpoint is set, and says so', () => {
    const config = s3ConfigFromEnv({});
    assert.equal(config.host, 's3.amazonaws.com');
    assert.equal(config.useSSL, true);
    assert.equal(config.endpointConfigured, false);
  });

  it('takes MINIO_ENDPOINT over AWS_ENDPOINT_URL', () => {
    const config = s3ConfigFromEnv({ MINIO_ENDPOINT: 'minio:9000', AWS_ENDPOINT_URL: 'https://other:443' });
    assert.deepEqual([config.host, config.port, config.useSSL, config.endpointConfigured], ['minio', 9000, false, true]);
  });

  it('accepts AWS_ENDPOINT_URL alone', () => {
    const config = s3ConfigFromEnv({ AWS_ENDPOINT_URL: 'https://objects.example:8443' });
    assert.deepEqual([config.host, config.port, config.useSSL, config.endpointConfigured], ['objects.example', 8443, true, true]);
  });
});

describe('requireObjectEndpoint', () => {
  it('refuses minio:// without an endpoint, naming the variables to set', () => {
    assert.throws(
      () => requireObjectEndpoint('minio', 'minio://dataset/ElBorn.csv', { endpointConfigured: false }),
      (error: unknown) => {
        assert.ok(error instanceof StorageError);
        assert.equal(error.uri, 'minio://dataset/ElBorn.csv');
        assert.match(error.message, /^minio:\/\/dataset\/ElBorn\.csv is on a MinIO server, but no endpoint is configured/);
        for (const name of ['MINIO_ENDPOINT', 'AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']) assert.ok(error.message.includes(name), name);
        return true;
      },
    );
  });

  it('lets s3:// go to AWS S3 without an endpoint, and minio:// with one', () => {
    requireObjectEndpoint('s3', 's3://bucket/key', { endpointConfigured: false });
    requireObjectEndpoint('minio', 'minio://bucket/key', { endpointConfigured: true });
  });
});

describe('object store: minio:// without an endpoint', () => {
  let store: ObjectStore;
  let dir: string;
  let file: string;

  before(async () => {
    // Credentials but no endpoint: the case that used to try https://s3.amazonaws.com five times.
    store = createStore({ env: { ...CREDENTIALS }, retry: NO_RETRY });
    dir = await mkdtemp(join(tmpdir(), 'flts-s3-config-'));
    file = join(dir, 'local.csv');
    await writeFile(file, 'time,down\n');
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const refused = (error: unknown) => {
    assert.ok(error instanceof StorageError, `expected a StorageError, got ${String(error)}`);
    assert.match(error.message, /no endpoint is configured: set MINIO_ENDPOINT/);
    assert.ok(!error.message.includes('amazonaws'), error.message);
    assert.ok(!error.message.includes(CREDENTIALS.AWS_SECRET_ACCESS_KEY) && !error.message.includes(CREDENTIALS.AWS_ACCESS_KEY_ID));
    assert.equal(error.cause, undefined, 'no request was made, so there is no underlying error');
    return true;
  };

  it('fails every operation at once with a StorageError telling to set MINIO_ENDPOINT', async () => {
    const started = performance.now();
    await assert.rejects(store.download('minio://dataset/ElBorn.csv', join(dir, 'ElBorn.csv')), refused);
    await assert.rejects(store.readBytes('minio://dataset/ElBorn.csv'), refused);
    await assert.rejects(store.exists('minio://dataset/ElBorn.csv'), refused);
    await assert.rejects(store.list('minio://dataset/runs'), refused);
    await assert.rejects(store.upload(file, 'minio://dataset/copy.csv'), refused);
    await assert.rejects(store.writeJson('minio://dataset/doc.json', { a: 1 }), refused);
    await assert.rejects(store.remove('minio://dataset/doc.json'), refused);
    // No connection was attempted: well under any network timeout or retry backoff.
    assert.ok(performance.now() - started < 2000, `took ${performance.now() - started} ms`);
  });

  it('refuses minio:// also with an empty environment (no credentials either)', async () => {
    await assert.rejects(createStore({ env: {}, retry: NO_RETRY }).readBytes('minio://dataset/ElBorn.csv'), refused);
  });

  it('still validates the URI first', async () => {
    await assert.rejects(store.readBytes('minio://Bad_Bucket/key'), /Invalid bucket name "Bad_Bucket"/);
  });
});

describe('object store: minio:// with an endpoint goes to that endpoint (a real MinIO)', () => {
  let minio: MinioServer;

  before(async () => {
    minio = await startMinio();
    const store = createStore({ env: minio.env });
    await store.writeBytes('minio://endpoint-check/hello.txt', Buffer.from('hello'));
  });
  after(async () => minio?.stop());

  const credentials = () => ({ AWS_ACCESS_KEY_ID: minio.accessKey, AWS_SECRET_ACCESS_KEY: minio.secretKey });
  for (const variable of ['MINIO_ENDPOINT', 'AWS_ENDPOINT_URL'] as const) {
    it(`reads ${variable}`, async () => {
      const endpoint = variable === 'MINIO_ENDPOINT' ? `127.0.0.1:${minio.port}` : `http://127.0.0.1:${minio.port}`;
      const store = createStore({ env: { ...credentials(), [variable]: endpoint }, retry: NO_RETRY });
      assert.equal((await store.readBytes('minio://endpoint-check/hello.txt')).toString(), 'hello');
    });
  }

  it('counts an explicit host as an endpoint', async () => {
    const store = createStore({ env: credentials(), s3: { host: '127.0.0.1', port: minio.port, useSSL: false }, retry: NO_RETRY });
    assert.equal((await store.readBytes('minio://endpoint-check/hello.txt')).toString(), 'hello');
  });
});
