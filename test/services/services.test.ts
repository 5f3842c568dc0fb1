import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { minioBinary, startMinio, type MinioServer } from './minio.js';
import { freePort, ServiceStartError, startService } from './process.js';

const run = promisify(execFile);
const INSTALL = fileURLToPath(new URL('install.sh', import.meta.url));

async function answers(url: string): Promise<number | string> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).status;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('test services', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flts-services-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  describe('install.sh', () => {
    it('finds the cached MinIO build and returns at once when warm', async () => {
      const started = Date.now();
      const { stdout, stderr } = await run('bash', [INSTALL], { env: { ...process.env, FLTS_SKIP_PYTHON: '1' } });
      assert.equal(stdout.trim(), minioBinary());
      assert.match(stderr, /install\.sh: MinIO RELEASE\.\S+ ready in \d+s at /);
      assert.ok(Date.now() - started < 30_000, 'a warm install takes seconds');
    });
  });

  describe('startMinio', () => {
    let minio: MinioServer;
    before(async () => {
      minio = await startMinio();
    });

    it('serves S3 on a loopback port and reports its endpoint and credentials', async () => {
      assert.match(minio.endpoint, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.equal(await answers(`${minio.endpoint}/minio/health/live`), 200);
      assert.deepEqual(Object.keys(minio.env).sort(), [
        'AWS_ACCESS_KEY_ID',
        'AWS_DEFAULT_REGION',
        'AWS_REGION',
        'AWS_SECRET_ACCESS_KEY',
        'MINIO_ENDPOINT',
        'MLFLOW_S3_ENDPOINT_URL',
      ]);
    });

    it('stops the server so that its port no longer answers', async () => {
      await minio.stop();
      assert.equal(await answers(`${minio.endpoint}/minio/health/live`), 'fetch failed');
    });
  });

  describe('startService', () => {
    it('reports a server that exits during start-up, with the tail of its log', async () => {
      const logFile = join(dir, 'exits.log');
      const port = await freePort();
      await assert.rejects(
        startService({ name: 'MinIO', command: minioBinary(), args: ['server', '--address', `127.0.0.1:${port}`], logFile, readyUrl: `http://127.0.0.1:${port}/minio/health/live` }),
        (error: unknown) => {
          assert.ok(error instanceof ServiceStartError);
          assert.match(error.message, /^MinIO exited with code 1 \(command: \S+minio server --address 127\.0\.0\.1:\d+\)\. Last lines of \S+exits\.log:\n/);
          assert.match(error.message, /server/i, 'the log tail shows MinIO complaining about its arguments');
          return true;
        },
      );
    });

    it('gives up on a server that never becomes ready, within the timeout, and stops it', async () => {
      const port = await freePort();
      const logFile = join(dir, 'silent.log');
      const started = Date.now();
      await assert.rejects(
        startService({ name: 'Sleeper', command: 'sleep', args: ['30'], logFile, readyUrl: `http://127.0.0.1:${port}/health`, timeoutMs: 1000 }),
        {
          name: 'ServiceStartError',
          message: `Sleeper did not answer http://127.0.0.1:${port}/health within 1 s (command: sleep 30). Last lines of ${logFile}:\n(log is empty)`,
        },
      );
      assert.ok(Date.now() - started < 5000);
    });
  });
});
