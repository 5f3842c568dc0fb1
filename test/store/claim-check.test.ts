import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkIn, claimCheckMetadata, createStore, resolveClaim, type ObjectStore } from '../../shared/store/index.js';
import { startMinio, type MinioServer } from '../services/minio.js';

/** A small Parquet stand-in: the claim check moves bytes and never looks inside. */
const TRAINING_BYTES = Buffer.from('PAR1 training rows PAR1');
const TRAINING_SHA256 = createHash('sha256').update(TRAINING_BYTES).digest('hex');

describe('claim check', () => {
  let minio: MinioServer;
  let store: ObjectStore;
  let dir: string;
  let training: string;

  before(async () => {
    minio = await startMinio();
    store = createStore({ env: minio.env });
    dir = await mkdtemp(join(tmpdir(), 'flts-claim-'));
    training = join(dir, 'training_data.parquet');
    await writeFile(training, TRAINING_BYTES);
  });
  after(async () => {
    await minio?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  describe('checkIn', () => {
    it('stores the file under bucket/key and returns a pointer with its size and SHA-256', async () => {
      const pointer = await checkIn(training, 'processed-data', 'elborn/abc123/training_data.parquet', { store, env: minio.env });
      assert.deepEqual(pointer, {
        uri: 's3://processed-data/elborn/abc123/training_data.parquet',
        bucket: 'processed-data',
        key: 'elborn/abc123/training_data.parquet',
        size: TRAINING_BYTES.length,
        sha256: TRAINING_SHA256,
      });
      assert.deepEqual(await store.readBytes(pointer.uri), TRAINING_BYTES);
    });

    it('accepts a URI prefix instead of a bare bucket', async () => {
      const pointer = await checkIn(training, 'minio://processed-data/runs/7', 'training_data.parquet', { store });
      assert.equal(pointer.uri, 'minio://processed-data/runs/7/training_data.parquet');
      assert.equal(pointer.key, 'runs/7/training_data.parquet');
    });

    it('works with a local directory prefix, for runs without object storage', async () => {
      const pointer = await checkIn(training, join(dir, 'local-bucket'), 'a/training_data.parquet', { store });
      assert.deepEqual(pointer, {
        uri: join(dir, 'local-bucket', 'a', 'training_data.parquet'),
        bucket: '',
        key: join(dir, 'local-bucket', 'a', 'training_data.parquet'),
        size: TRAINING_BYTES.length,
        sha256: TRAINING_SHA256,
      });
    });

    it('keeps a bare bucket on the local file system when no object storage is configured', async () => {
      const pointer = await checkIn(training, 'processed-data', 'k/training_data.parquet', { store, env: { FLTS_LOCAL_STORE: join(dir, 'store-root') } });
      assert.equal(pointer.uri, join(dir, 'store-root', 'processed-data', 'k', 'training_data.parquet'));
      assert.deepEqual(await readFile(pointer.uri), TRAINING_BYTES);
    });

    it('refuses a prefix that is neither a bucket name nor a URI', async () => {
      await assert.rejects(checkIn(training, 'Processed_Data', 'k', { store }), {
        name: 'StorageError',
        message:
          '"Processed_Data" is neither a bucket name (bucket names use only lowercase letters, digits, "." and "-", and start and end with a letter or digit) nor a URI prefix (s3://, minio://, file://, or a path starting with / or .).',
      });
    });
  });

  describe('claimCheckMetadata', () => {
    it('flattens the pointer into scalar metadata entries that survive MLMD', () => {
      const pointer = { uri: 's3://b/k.parquet', bucket: 'b', key: 'k.parquet', size: 5, sha256: 'ff' };
      assert.deepEqual(claimCheckMetadata(pointer), { claim_check_uri: 's3://b/k.parquet', claim_check_size: 5, claim_check_sha256: 'ff' });
    });
  });

  describe('resolveClaim', () => {
    it('downloads the checked-in bytes for an artifact whose metadata carries a pointer', async () => {
      const pointer = await checkIn(training, 's3://processed-data', 'resolve/training_data.parquet', { store });
      const artifact = { name: 'training_data', path: join(dir, 'no-bytes-here'), metadata: { ...claimCheckMetadata(pointer), rows: 3 } };
      const local = await resolveClaim(artifact, { store, downloadDir: join(dir, 'claims') });
      assert.equal(local, join(dir, 'claims', 'training_data.parquet'));
      assert.deepEqual(await readFile(local), TRAINING_BYTES);
    });

    it('returns the artifact path itself in KFP-native mode (no pointer)', async () => {
      const artifact = { name: 'training_data', path: training, metadata: { rows: 3 } };
      assert.equal(await resolveClaim(artifact, { store }), training);
    });

    it('refuses bytes that changed after check-in', async () => {
      const pointer = await checkIn(training, 's3://processed-data', 'tampered/training_data.parquet', { store });
      await store.writeBytes(pointer.uri, 'something else');
      const artifact = { name: 'training_data', path: '/nowhere', metadata: claimCheckMetadata(pointer) };
      await assert.rejects(resolveClaim(artifact, { store, downloadDir: join(dir, 'tampered') }), {
        name: 'StorageError',
        message: `Input artifact "training_data": the object at ${pointer.uri} has SHA-256 ${createHash('sha256').update('something else').digest('hex')}, but the claim check says ${TRAINING_SHA256}; it was changed after check-in.`,
      });
    });

    it('names the artifact when it has neither bytes nor a pointer', async () => {
      const missing = join(dir, 'missing', 'data');
      await assert.rejects(resolveClaim({ name: 'inference_data', path: missing, metadata: {} }, { store }), {
        name: 'StorageError',
        message: `Input artifact "inference_data" has no bytes at ${missing} and no claim_check_uri in its metadata.`,
      });
    });

    it('names the missing object when the pointer leads nowhere', async () => {
      const artifact = { name: 'training_data', path: '/nowhere', metadata: { claim_check_uri: 's3://processed-data/gone.parquet' } };
      await assert.rejects(resolveClaim(artifact, { store, downloadDir: join(dir, 'gone') }), {
        message: `No object at s3://processed-data/gone.parquet (download at ${minio.endpoint}).`,
      });
    });
  });
});
