/**
 * A real MinIO server for tests, on a free 127.0.0.1 port with a fresh data directory: `startMinio()` in a
 * node:test `before` hook, `server.stop()` in `after`. The binary comes from install.sh (built from the Go
 * module proxy and cached under ~/.cache/flts/minio/<release>/).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, removeWorkDir, startService } from './process.js';

export interface MinioServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  accessKey: string;
  secretKey: string;
  region: string;
  /**
   * The variables that point shared/store (MINIO_ENDPOINT, AWS_*) and MLflow's S3 client
   * (MLFLOW_S3_ENDPOINT_URL) at this server.
   */
  env: Record<string, string>;
  dataDir: string;
  logFile: string;
  /** Freezes (SIGSTOP) or thaws (SIGCONT) the server: it accepts connections and answers nothing (fault tests). */
  freeze(frozen: boolean): void;
  /** Stops the server and deletes its data. */
  stop(): Promise<void>;
  /** Takes the server down (SIGTERM), keeping its data and port: an outage until `up()`. */
  down(): Promise<void>;
  /** Starts it again on the same port and data after `down()`; resolves once it answers. */
  up(): Promise<void>;
}

export interface MinioOptions {
  /** @default "flts-test-admin" */
  accessKey?: string;
  /** At least 8 characters. @default a random string */
  secretKey?: string;
}

const SERVICES_DIR = fileURLToPath(new URL('.', import.meta.url));

/** Starts MinIO and waits until `/minio/health/live` answers. */
export async function startMinio(options: MinioOptions = {}): Promise<MinioServer> {
  const binary = minioBinary();
  const workDir = mkdtempSync(join(tmpdir(), 'flts-minio-'));
  const dataDir = join(workDir, 'data');
  const logFile = join(workDir, 'minio.log');
  const port = await freePort();
  const consolePort = await freePort();
  const accessKey = options.accessKey ?? 'flts-test-admin';
  const secretKey = options.secretKey ?? `secret-${Math.random().toString(36).slice(2)}`;
  const endpoint = `http://127.0.0.1:${port}`;
  const launch = () => startService({
    name: 'MinIO',
    command: binary,
    args: ['server', dataDir, '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet'],
    env: {
      PATH: process.env['PATH'],
      HOME: workDir,
      MINIO_ROOT_USER: accessKey,
      MINIO_ROOT_PASSWORD: secretKey,
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
    },
    logFile,
    readyUrl: `${endpoint}/minio/health/live`,
    timeoutMs: 60_000,
  });
  let service: Awaited<ReturnType<typeof launch>> | undefined = await launch();
  return {
    endpoint,
    port,
    accessKey,
    secretKey,
    region: 'us-east-1',
    env: {
      MINIO_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: accessKey,
      AWS_SECRET_ACCESS_KEY: secretKey,
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      MLFLOW_S3_ENDPOINT_URL: endpoint,
    },
    dataDir,
    logFile,
    freeze: (frozen) => {
      if (!service) throw new Error('MinIO is down; up() it before freezing it.');
      service.freeze(frozen);
    },
    stop: async () => {
      await service?.stop();
      removeWorkDir(workDir);
    },
    down: async () => {
      await service?.stop();
      service = undefined;
    },
    up: async () => {
      service ??= await launch();
    },
  };
}

/** The cached MinIO binary of the pinned release; runs install.sh once if it is missing. */
export function minioBinary(): string {
  const fromEnv = process.env['FLTS_MINIO_BIN'];
  if (fromEnv) return fromEnv;
  const release = /^MINIO_RELEASE=(\S+)$/m.exec(readFileSync(join(SERVICES_DIR, 'minio-release.sh'), 'utf8'))?.[1];
  const cacheRoot = process.env['FLTS_CACHE_DIR'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'flts');
  const binary = join(cacheRoot, 'minio', release ?? 'unknown', 'minio');
  if (!existsSync(binary)) {
    process.stderr.write(`MinIO binary missing at ${binary}; running test/services/install.sh (builds MinIO, a few minutes when cold)\n`);
    execFileSync('bash', [join(SERVICES_DIR, 'install.sh')], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, FLTS_SKIP_PYTHON: '1' } });
  }
  return binary;
}
