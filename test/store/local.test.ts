import assert from 'node:assert/strict';
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { StorageError } from '../../shared/errors.js';
import { createStore, parseLocation } from '../../shared/store/index.js';

describe('object store on the local file system', () => {
  const store = createStore({ env: {} });
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flts-store-local-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  describe('paths and file:// URIs', () => {
    it('treat a plain path and its file:// URI as the same file', async () => {
      const path = join(dir, 'same', 'a.txt');
      await store.writeBytes(path, 'hello');
      assert.equal((await store.readBytes(pathToFileURL(path).href)).toString(), 'hello');
    });

    it('round-trips JSON documents', async () => {
      const uri = pathToFileURL(join(dir, 'json', 'doc.json')).href;
      await store.writeJson(uri, { hash: 'abc', rows: 3, nested: { ok: true } });
      assert.deepEqual(await store.readJson(uri), { hash: 'abc', rows: 3, nested: { ok: true } });
    });
  });

  describe('upload and download', () => {
    it('copy files, creating parent directories', async () => {
      const source = join(dir, 'source.bin');
      await writeFile(source, Buffer.from([1, 2, 3, 4]));
      const stored = await store.upload(source, join(dir, 'deep', 'er', 'copy.bin'));
      assert.deepEqual(stored, { uri: join(dir, 'deep', 'er', 'copy.bin'), size: 4 });
      const back = await store.download(stored.uri, join(dir, 'back', 'copy.bin'));
      assert.deepEqual(await readFile(back), Buffer.from([1, 2, 3, 4]));
    });

    it('upload a directory recursively and download it back with the same relative paths', async () => {
      const tree = join(dir, 'tree');
      await mkdir(join(tree, 'sub'), { recursive: true });
      await writeFile(join(tree, 'a.json'), '{}');
      await writeFile(join(tree, 'sub', 'b.bin'), 'bb');
      const stored = await store.uploadDirectory(tree, join(dir, 'mirror'));
      assert.deepEqual(stored.map((object) => object.size), [2, 2]);
      const files = await store.downloadDirectory(join(dir, 'mirror'), join(dir, 'mirror-back'));
      assert.deepEqual(files, [join(dir, 'mirror-back', 'a.json'), join(dir, 'mirror-back', 'sub', 'b.bin')]);
    });
  });

  describe('list', () => {
    it('returns every file below a directory with its relative path and size, sorted', async () => {
      const root = join(dir, 'listing');
      await store.writeBytes(join(root, 'b.txt'), 'bb');
      await store.writeBytes(join(root, 'a', 'c.txt'), 'c');
      assert.deepEqual(await store.list(root), [
        { uri: join(root, 'a', 'c.txt'), path: 'a/c.txt', size: 1 },
        { uri: join(root, 'b.txt'), path: 'b.txt', size: 2 },
      ]);
    });

    it('returns nothing for a directory that does not exist', async () => {
      assert.deepEqual(await store.list(join(dir, 'nowhere')), []);
    });

    it('leaves out a file removed while it lists (another process removing objects), rather than failing', async () => {
      const root = join(dir, 'churn');
      await mkdir(root, { recursive: true });
      // Another process writes 50 files and removes them, over and over, while this one lists the folder.
      const churn = spawn(process.execPath, ['-e', `
        const fs = require('node:fs');
        for (;;) {
          for (let i = 0; i < 50; i++) fs.writeFileSync(${JSON.stringify(root)} + '/f' + i, 'x');
          for (let i = 0; i < 50; i++) fs.rmSync(${JSON.stringify(root)} + '/f' + i);
        }
      `], { stdio: 'ignore' });
      try {
        for (let i = 0; i < 1000; i++) await store.list(root);
      } finally {
        churn.kill('SIGKILL');
      }
    });
  });

  describe('atomic writes', () => {
    it('leave neither the file nor a temporary file when the stream fails midway', async () => {
      const target = join(dir, 'atomic', 'broken.bin');
      async function* failing() {
        yield Buffer.from('first half');
        throw new Error('source went away');
      }
      await assert.rejects(store.writeStream(target, Readable.from(failing())), StorageError);
      assert.equal(await store.exists(target), false);
      assert.deepEqual(await readdir(join(dir, 'atomic')), []);
    });

    it('replace an existing file only once the new content is complete', async () => {
      const target = join(dir, 'atomic', 'kept.txt');
      await store.writeBytes(target, 'old');
      async function* failing() {
        yield Buffer.from('new');
        throw new Error('interrupted');
      }
      await assert.rejects(store.writeStream(target, Readable.from(failing())));
      assert.equal((await store.readBytes(target)).toString(), 'old');
    });
  });

  describe('exists', () => {
    it('is true for a written file and false for a missing one', async () => {
      await store.writeBytes(join(dir, 'here.txt'), 'x');
      assert.equal(await store.exists(join(dir, 'here.txt')), true);
      assert.equal(await store.exists(join(dir, 'not-here.txt')), false);
    });
  });

  describe('bad input', () => {
    it('names the missing file', async () => {
      const missing = join(dir, 'missing.parquet');
      await assert.rejects(store.readBytes(missing), { name: 'StorageError', message: `No file at ${missing}.` });
    });

    it('refuses a URI scheme it does not support', () => {
      assert.throws(() => parseLocation('gs://bucket/key'), {
        name: 'StorageError',
        message: 'Unsupported storage URI scheme "gs://" in gs://bucket/key; use a local path, file://, s3:// or minio://.',
      });
    });

    it('refuses an upload of a directory that does not exist', async () => {
      const missing = join(dir, 'no-such-dir');
      await assert.rejects(store.uploadDirectory(missing, join(dir, 'x')), { message: `No directory at ${missing} to upload.` });
    });
  });
});
