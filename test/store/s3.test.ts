import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Client } from 'minio';
import { StorageError } from '../../shared/errors.js';
import { createStore, type ObjectStore } from '../../shared/store/index.js';
import { startMinio, type MinioServer } from '../services/minio.js';
import { freePort } from '../services/process.js';

const MIB = 1024 * 1024;

describe('object store on a real MinIO server', () => {
  let minio: MinioServer;
  let store: ObjectStore;
  let admin: Client;
  let dir: string;

  before(async () => {
    minio = await startMinio();
    // Parts of 5 MiB (the S3 minimum) so that a 12 MiB object is uploaded in three parts.
    store = createStore({ env: minio.env, s3: { partSize: 5 * MIB } });
    admin = new Client({ endPoint: '127.0.0.1', port: minio.port, useSSL: false, accessKey: minio.accessKey, secretKey: minio.secretKey });
    dir = await mkdtemp(join(tmpdir(), 'flts-store-s3-'));
  });
  after(async () => {
    await minio?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('upload and download', () => {
    it('creates a missing bucket on the first upload', async () => {
      const file = join(dir, 'first.csv');
      await writeFile(file, 'time,value\n1,2\n');
      assert.equal(await admin.bucketExists('fresh-bucket'), false);
      assert.deepEqual(await store.upload(file, 's3://fresh-bucket/data/first.csv'), { uri: 's3://fresh-bucket/data/first.csv', size: 15 });
      assert.equal(await admin.bucketExists('fresh-bucket'), true);
    });

    it('downloads an object to a local file with the same bytes', async () => {
      const file = join(dir, 'bytes.bin');
      const bytes = randomBytes(100_000);
      await writeFile(file, bytes);
      await store.upload(file, 's3://round-trip/bytes.bin');
      const back = await store.download('s3://round-trip/bytes.bin', join(dir, 'down', 'bytes.bin'));
      assert.deepEqual(await readFile(back), bytes);
    });

    it('treats minio:// and s3:// as the same object storage', async () => {
      await store.writeBytes('minio://schemes/a.txt', 'via minio');
      assert.equal((await store.readBytes('s3://schemes/a.txt')).toString(), 'via minio');
    });

    it('round-trips JSON documents', async () => {
      await store.writeJson('s3://docs/promotion/current.json', { model: 'gru', rmse: 0.12 });
      assert.deepEqual(await store.readJson('s3://docs/promotion/current.json'), { model: 'gru', rmse: 0.12 });
    });

    it('uploads a directory recursively and downloads it back', async () => {
      const tree = join(dir, 'model');
      await writeFile(join(dir, 'ignored.txt'), 'not part of the tree');
      await store.writeBytes(join(tree, 'model.json'), '{"format":"layers-model"}');
      await store.writeBytes(join(tree, 'weights', 'group1-shard1of1.bin'), Buffer.from([9, 8, 7]));
      await store.uploadDirectory(tree, 's3://models/gru/1');
      const files = await store.downloadDirectory('s3://models/gru/1', join(dir, 'model-back'));
      assert.deepEqual(files, [join(dir, 'model-back', 'model.json'), join(dir, 'model-back', 'weights', 'group1-shard1of1.bin')]);
      assert.deepEqual(await readFile(files[1]!), Buffer.from([9, 8, 7]));
    });
  });

  describe('list and exists', () => {
    it('lists every object below a prefix, taken as a directory, with relative paths and sizes', async () => {
      await store.writeBytes('s3://listing/run-7/a.txt', 'a');
      await store.writeBytes('s3://listing/run-7/sub/b.txt', 'bb');
      await store.writeBytes('s3://listing/run-70/not-below.txt', 'c');
      assert.deepEqual(await store.list('s3://listing/run-7'), [
        { uri: 's3://listing/run-7/a.txt', path: 'a.txt', size: 1 },
        { uri: 's3://listing/run-7/sub/b.txt', path: 'sub/b.txt', size: 2 },
      ]);
    });

    it('tells an existing object from a missing one', async () => {
      await store.writeBytes('s3://exists/yes.txt', 'y');
      assert.equal(await store.exists('s3://exists/yes.txt'), true);
      assert.equal(await store.exists('s3://exists/no.txt'), false);
      assert.equal(await store.exists('s3://exists'), true);
      assert.equal(await store.exists('s3://no-such-bucket-here'), false);
    });

    it('removes an object', async () => {
      await store.writeBytes('s3://exists/gone.txt', 'g');
      await store.remove('s3://exists/gone.txt');
      assert.equal(await store.exists('s3://exists/gone.txt'), false);
    });
  });

  describe('large objects', () => {
    it('streams an object larger than one part as a multipart upload and reads it back as a stream', async () => {
      const data = randomBytes(12 * MIB);
      const chunks = Array.from({ length: 12 }, (_, i) => data.subarray(i * MIB, (i + 1) * MIB));
      await store.writeStream('s3://large/12mib.bin', Readable.from(chunks));
      const stat = await admin.statObject('large', '12mib.bin');
      assert.equal(stat.size, 12 * MIB);
      assert.match(stat.etag, /-3$/, 'a multipart ETag names its part count');
      const hash = createHash('sha256');
      for await (const chunk of await store.openRead('s3://large/12mib.bin')) hash.update(chunk as Buffer);
      assert.equal(hash.digest('hex'), createHash('sha256').update(data).digest('hex'));
    });

    it('leaves no object and no unfinished upload when the stream fails after some parts were sent', async () => {
      async function* failing() {
        for (let i = 0; i < 11; i++) yield randomBytes(MIB);
        throw new Error('source went away');
      }
      await assert.rejects(store.writeStream('s3://large/broken.bin', Readable.from(failing())), (error: unknown) => {
        assert.ok(error instanceof StorageError);
        assert.match(error.message, /^Failed to upload s3:\/\/large\/broken\.bin at http:\/\/127\.0\.0\.1:\d+: source went away\.$/);
        return true;
      });
      assert.equal(await store.exists('s3://large/broken.bin'), false);
      const unfinished: unknown[] = [];
      for await (const upload of admin.listIncompleteUploads('large', 'broken', true)) unfinished.push(upload);
      assert.deepEqual(unfinished, []);
    });

    it('refuses a stream shorter than its announced size and stores nothing', async () => {
      await assert.rejects(store.writeStream('s3://large/short.bin', Readable.from([Buffer.from('abc')]), 10), {
        name: 'StorageError',
        message: 'Upload to s3://large/short.bin stopped: the stream gave 3 bytes, 10 were announced.',
      });
      assert.equal(await store.exists('s3://large/short.bin'), false);
    });
  });

  describe('bad input', () => {
    it('names the missing object', async () => {
      await store.writeBytes('s3://present/a.txt', 'a');
      await assert.rejects(store.download('s3://present/missing.parquet', join(dir, 'never.parquet')), {
        name: 'StorageError',
        message: `No object at s3://present/missing.parquet (download at ${minio.endpoint}).`,
      });
    });

    it('names the missing bucket', async () => {
      await assert.rejects(store.readBytes('s3://absent-bucket/a.txt'), {
        message: `Bucket "absent-bucket" does not exist (read s3://absent-bucket/a.txt at ${minio.endpoint}).`,
      });
    });

    it('refuses an invalid bucket name before any request', async () => {
      await assert.rejects(store.writeBytes('s3://Bad_Bucket/key.txt', 'x'), {
        name: 'StorageError',
        message:
          'Invalid bucket name "Bad_Bucket" in s3://Bad_Bucket/key.txt: bucket names use only lowercase letters, digits, "." and "-", and start and end with a letter or digit.',
      });
    });

    it('refuses a bucket URI where an object is needed', async () => {
      await assert.rejects(store.readBytes('s3://present'), {
        message: 's3://present names a bucket or a prefix, not an object; add an object key.',
      });
    });

    it('reports wrong credentials without revealing the secret', async () => {
      const wrong = createStore({ env: { ...minio.env, AWS_SECRET_ACCESS_KEY: 'wrong-secret-value' } });
      await assert.rejects(wrong.readBytes('s3://present/a.txt'), (error: unknown) => {
        assert.ok(error instanceof StorageError);
        assert.equal(
          error.message,
          `Access denied to read s3://present/a.txt at ${minio.endpoint} (SignatureDoesNotMatch); check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.`,
        );
        assert.ok(!error.message.includes('wrong-secret-value') && !error.message.includes(minio.secretKey));
        return true;
      });
    });

    it('gives up on an unreachable endpoint after a bounded number of retries', async () => {
      const port = await freePort();
      const unreachable = createStore({
        env: { ...minio.env, MINIO_ENDPOINT: `http://127.0.0.1:${port}` },
        retry: { retries: 2, baseDelayMs: 20, jitterMs: 0 },
      });
      await assert.rejects(unreachable.readBytes('s3://present/a.txt'), (error: unknown) => {
        assert.ok(error instanceof StorageError);
        assert.match(
          error.message,
          new RegExp(`^Cannot reach the S3 endpoint http://127\\.0\\.0\\.1:${port} to read s3://present/a\\.txt: ECONNREFUSED; gave up after 3 attempts in \\d+ ms\\.$`),
        );
        return true;
      });
    });
  });
});
