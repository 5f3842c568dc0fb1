/**
 * A real MLflow tracking server for tests, from the project's .venv (pinned mlflow), on a free 127.0.0.1 port
 * with a fresh SQLite backend and one worker. Artifacts either go through the server (`--serve-artifacts`,
 * run URIs `mlflow-artifacts:/…`) or straight to S3 on a test MinIO (`s3://…`); optionally behind MLflow's
 * basic-auth app.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStore } from '../../shared/store/index.js';
import type { MinioServer } from './minio.js';
import { freePort, removeWorkDir, startService } from './process.js';

export interface MlflowOptions {
  /**
   * Where run artifacts go: `"proxy"` — through the server into a local directory; `"s3"` — the client writes
   * them to `s3://<bucket>/artifacts` on `minio` itself.
   * @default "proxy"
   */
  artifacts?: 'proxy' | 's3';
  /** The MinIO server that holds artifacts in `"s3"` mode. */
  minio?: MinioServer;
  /** Bucket of the S3 artifact root; created before the server starts. @default "mlflow" */
  bucket?: string;
  /** Run MLflow's basic-auth app (`--app-name basic-auth`) with this admin. */
  auth?: { username: string; password: string };
  /**
   * Serve this offline `mlruns/` directory (MLflow's FileStore, as users open our offline runs) instead of a fresh
   * SQLite store; its runs keep their own `file://` artifact locations.
   */
  mlruns?: string;
  /** Readiness timeout in milliseconds. @default 120_000 */
  timeoutMs?: number;
}

export interface MlflowServer {
  /** `http://127.0.0.1:<port>` — the tracking URI. */
  url: string;
  port: number;
  /** `mlflow-artifacts:/` or `s3://<bucket>/artifacts`. */
  artifactRoot: string;
  /** Variables a client needs: MLFLOW_TRACKING_URI, plus the S3 ones in `"s3"` mode and the credentials with `auth`. */
  env: Record<string, string>;
  workDir: string;
  logFile: string;
  /** Freezes (SIGSTOP) or thaws (SIGCONT) the server: it accepts connections and answers nothing (fault tests). */
  freeze(frozen: boolean): void;
  stop(): Promise<void>;
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The `mlflow` executable of the project's virtualenv. */
export function mlflowExecutable(): string {
  const path = join(REPO_ROOT, '.venv', 'bin', 'mlflow');
  if (!existsSync(path)) throw new Error(`${path} is missing; run test/services/install.sh (or tools/python-env.sh) first.`);
  return path;
}

/** Starts the server and waits until `/health` answers. */
export async function startMlflow(options: MlflowOptions = {}): Promise<MlflowServer> {
  const mode = options.artifacts ?? 'proxy';
  const workDir = mkdtempSync(join(tmpdir(), 'flts-mlflow-'));
  const logFile = join(workDir, 'mlflow.log');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ['server', '--host', '127.0.0.1', '--port', String(port), '--workers', '1'];
  // Four slashes: sqlite:/// plus an absolute path.
  args.push('--backend-store-uri', options.mlruns ?? `sqlite:///${join(workDir, 'mlflow.db')}`);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    HOME: workDir,
    LANG: 'C.UTF-8',
    PYTHONUNBUFFERED: '1',
    // MLflow 3.x starts a job runner (another process importing mlflow) by default; tests need no jobs, and on a
    // small machine it slows the start-up of the server they wait for.
    MLFLOW_SERVER_ENABLE_JOB_EXECUTION: 'false',
    // MLflow >= 3.13 serves the FileStore only when asked to (reference/mlflow.md §5.6).
    ...(options.mlruns && { MLFLOW_ALLOW_FILE_STORE: 'true' }),
  };
  const clientEnv: Record<string, string> = { MLFLOW_TRACKING_URI: url };
  let artifactRoot: string;

  if (mode === 's3') {
    const minio = options.minio;
    if (!minio) throw new Error('startMlflow({ artifacts: "s3" }) needs the MinIO server as `minio`.');
    const bucket = options.bucket ?? 'mlflow';
    // MLflow does not create buckets; the store does on its first write.
    await createStore({ env: minio.env }).writeBytes(`s3://${bucket}/.keep`, '');
    artifactRoot = `s3://${bucket}/artifacts`;
    args.push('--default-artifact-root', artifactRoot, '--no-serve-artifacts');
    Object.assign(env, minio.env);
    Object.assign(clientEnv, minio.env);
  } else {
    artifactRoot = 'mlflow-artifacts:/';
    args.push('--serve-artifacts', '--artifacts-destination', join(workDir, 'mlartifacts'));
  }

  if (options.auth) {
    const config = join(workDir, 'basic_auth.ini');
    writeFileSync(
      config,
      [
        '[mlflow]',
        'default_permission = READ',
        `database_uri = sqlite:///${join(workDir, 'basic_auth.db')}`,
        `admin_username = ${options.auth.username}`,
        `admin_password = ${options.auth.password}`,
        'authorization_function = mlflow.server.auth:authenticate_request_basic_auth',
        // Each request would otherwise re-run the PBKDF2 password check (about a second on a small CI machine).
        'auth_cache_ttl_seconds = 300',
        '',
      ].join('\n'),
    );
    args.push('--app-name', 'basic-auth');
    env['MLFLOW_AUTH_CONFIG_PATH'] = config;
    env['MLFLOW_FLASK_SERVER_SECRET_KEY'] = `flts-test-${port}`;
    clientEnv['MLFLOW_TRACKING_USERNAME'] = options.auth.username;
    clientEnv['MLFLOW_TRACKING_PASSWORD'] = options.auth.password;
  }

  const service = await startService({
    name: 'MLflow',
    command: mlflowExecutable(),
    args,
    cwd: workDir,
    env,
    logFile,
    readyUrl: `${url}/health`,
    timeoutMs: options.timeoutMs ?? Number(process.env['FLTS_MLFLOW_START_TIMEOUT_MS'] ?? 120_000),
  });
  return {
    url,
    port,
    artifactRoot,
    env: clientEnv,
    workDir,
    logFile,
    freeze: (frozen) => service.freeze(frozen),
    stop: async () => {
      await service.stop();
      removeWorkDir(workDir);
    },
  };
}
