import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { kafkaLibDir, startKafka } from './kafka.js';
import { minioBinary, startMinio, type MinioServer } from './minio.js';
import { freePort, ServiceStartError, startService } from './process.js';

const run = promisify(execFile);
const INSTALL = fileURLToPath(new URL('install.sh', import.meta.url));
const KAFKA_INSTALL = fileURLToPath(new URL('kafka-install.sh', import.meta.url));

async function answers(url: string): Promise<number | string> {
  try {
    return (await fetch(url, { signal: AbortSignal.timeout(2000) })).status;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Whether a live process runs exactly `argv` (Linux /proc; a reaped or zombie process has no command line). */
function isRunning(argv: string[]): boolean {
  const wanted = `${argv.join('\0')}\0`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8') === wanted) return true;
    } catch {
      // The process ended while we looked.
    }
  }
  return false;
}

describe('test services', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flts-services-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  describe('install.sh', () => {
    it('finds the cached MinIO build and reuses it when warm', async () => {
      const cached = await stat(minioBinary()); // the suite's services were installed before it ran
      const { stdout, stderr } = await run('bash', [INSTALL], { env: { ...process.env, FLTS_SKIP_PYTHON: '1' } });
      assert.equal(stdout.trim(), minioBinary());
      assert.match(stderr, /install\.sh: MinIO RELEASE\.\S+ ready in \d+s at /);
      assert.doesNotMatch(stderr, /building MinIO/, 'the cached binary is used, not rebuilt');
      const reused = await stat(minioBinary());
      assert.deepEqual([reused.ino, reused.mtimeMs], [cached.ino, cached.mtimeMs], 'the cached binary was not replaced');
    });
  });

  describe('kafka-install.sh', () => {
    it('finds the cached Kafka jars and reuses them when warm', async () => {
      const lib = kafkaLibDir(); // installs them if this machine has none yet
      const before = await stat(lib);
      const { stdout, stderr } = await run('bash', [KAFKA_INSTALL]);
      assert.equal(stdout.trim(), lib);
      assert.equal(stderr, '', 'nothing resolved from Maven Central');
      assert.ok(readdirSync(lib).some((jar) => /^kafka_2\.13-\d+\.\d+\.\d+\.jar$/.test(jar)), 'the broker jar is there');
      assert.ok(readdirSync(lib).some((jar) => jar.startsWith('slf4j-simple-')), 'a logging binding is there');
      assert.equal((await stat(lib)).mtimeMs, before.mtimeMs, 'the cached jars were not replaced');
    });
  });

  describe('startKafka', () => {
    it('gives a broker that a client sees, and stops it so that its port no longer accepts connections', async () => {
      const kafka = await startKafka();
      const [host, port] = kafka.brokers[0]!.split(':');
      assert.equal(host, '127.0.0.1');
      assert.equal(kafka.running, true);
      await kafka.stop();
      assert.equal(kafka.running, false);
      const refused = await new Promise<boolean>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1');
        socket.once('connect', () => (socket.destroy(), resolve(false)));
        socket.once('error', () => resolve(true));
      });
      assert.equal(refused, true);
    });
  });

  describe('startMinio', () => {
    let minio: MinioServer;
    before(async () => {
      minio = await startMinio();
    });
    // The last test stops it; this hook covers a run that skips that test (stopping twice is safe).
    after(async () => minio?.stop());

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
      const seconds = `30.${process.pid}`; // a command line no other process has, to look for it afterwards
      await assert.rejects(
        startService({ name: 'Sleeper', command: 'sleep', args: [seconds], logFile, readyUrl: `http://127.0.0.1:${port}/health`, timeoutMs: 1000 }),
        {
          name: 'ServiceStartError',
          // "did not answer … within 1 s", not "exited with code 0": it gave up at its timeout, before sleep ended.
          message: `Sleeper did not answer http://127.0.0.1:${port}/health within 1 s (command: sleep ${seconds}). Last lines of ${logFile}:\n(log is empty)`,
        },
      );
      assert.equal(isRunning(['sleep', seconds]), false, 'the server that never became ready was stopped');
    });

    it('stops the whole process group: a worker that ignores SIGTERM is killed, and gone when stop() resolves', async () => {
      const seconds = `31.${process.pid}`;
      // The shell exits on SIGTERM; its worker ignores it (an ignored signal stays ignored across exec).
      const server = await startService({ name: 'Workers', command: 'sh', args: ['-c', `(trap '' TERM; exec sleep ${seconds}) & wait`], logFile: join(dir, 'workers.log'), isReady: async () => isRunning(['sleep', seconds]) });
      await server.stop();
      assert.equal(isRunning(['sleep', seconds]), false, 'the worker outlived stop()');
    });
  });
});
