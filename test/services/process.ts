/**
 * Starting and stopping the real servers the tests use: a free loopback port, a child process in its own
 * process group with its output in a log file, bounded readiness polling, and a clear error with the log's
 * tail when a server does not come up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { FltsError } from '../../shared/errors.js';

/** A test service (MinIO, MLflow) that did not start or become ready in time. */
export class ServiceStartError extends FltsError {
  override name = 'ServiceStartError';
  readonly service: string;
  readonly logFile: string;

  constructor(service: string, message: string, logFile: string) {
    super(message);
    this.service = service;
    this.logFile = logFile;
  }
}

/** A port on 127.0.0.1 that was free a moment ago (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

export interface ServiceSpec {
  /** Name used in messages, e.g. "MinIO". */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** File that receives the server's stdout and stderr. */
  logFile: string;
  /** URL polled until it answers 200 (HTTP servers). Give this or `isReady`. */
  readyUrl?: string;
  /** Polled until it resolves true, for servers that speak no HTTP (Kafka: a real client connection). */
  isReady?: () => Promise<boolean>;
  /** What readiness means, for the timeout message. @default readyUrl */
  readyDescription?: string;
  /** How long to wait for readiness, in milliseconds. @default 90_000 */
  timeoutMs?: number;
}

export interface RunningService {
  pid: number;
  logFile: string;
  /** Stops the whole process group: SIGTERM, then SIGKILL after 10 s. Safe to call twice. */
  stop(): Promise<void>;
  /** Sends `signal` to the process group and resolves once the server has exited (for crash tests: SIGKILL). */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Freezes (SIGSTOP) or thaws (SIGCONT) the whole process group: a server that accepts connections and never answers. */
  freeze(frozen: boolean): void;
}

const running = new Set<ChildProcess>();

// Last resort against orphans when a test process exits without its `after` hook (a crash, a timeout).
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

/** Spawns the service and resolves once `readyUrl` answers 200; throws ServiceStartError with the log tail otherwise. */
export async function startService(spec: ServiceSpec): Promise<RunningService> {
  const log = openSync(spec.logFile, 'a');
  const child = spawn(spec.command, spec.args, {
    cwd: spec.cwd,
    env: spec.env ?? process.env,
    detached: true, // own process group, so that stop() also reaches the server's workers
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  running.add(child);
  let exit: string | undefined;
  child.once('exit', (code, signal) => {
    exit = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    running.delete(child);
  });
  child.once('error', (error) => {
    exit = `could not be started: ${error.message}`;
    running.delete(child);
  });

  const service: RunningService = {
    pid: child.pid ?? -1,
    logFile: spec.logFile,
    stop: () => stopChild(child),
    kill: (signal) => killChild(child, signal),
    freeze: (frozen) => killGroup(child, frozen ? 'SIGSTOP' : 'SIGCONT'),
  };
  const isReady = spec.isReady ?? (() => answers200(spec.readyUrl ?? ''));
  const timeoutMs = spec.timeoutMs ?? 90_000;
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (exit !== undefined) break;
    if (await isReady()) return service;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  // Read the reason before stopping: stopping sets `exit` too.
  const readiness = spec.readyDescription ?? `answer ${spec.readyUrl}`;
  const reason = exit !== undefined ? `${spec.name} ${exit}` : `${spec.name} did not ${readiness} within ${timeoutMs / 1000} s`;
  await service.stop();
  throw new ServiceStartError(
    spec.name,
    `${reason} (command: ${spec.command} ${spec.args.join(' ')}). Last lines of ${spec.logFile}:\n${logTail(spec.logFile, 30)}`,
    spec.logFile,
  );
}

/** The last `lines` lines of a log file, or a note that it is empty. */
export function logTail(path: string, lines: number): string {
  if (!existsSync(path)) return '(no log file)';
  const text = readFileSync(path, 'utf8').trimEnd();
  return text === '' ? '(log is empty)' : text.split('\n').slice(-lines).join('\n');
}

async function answers200(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  killGroup(child, 'SIGCONT'); // a frozen server would not see the SIGTERM until thawed
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
  // Workers that outlived their parent (uvicorn) still belong to the group: killed, and waited for, so that nothing
  // still writes in the server's directory when the caller removes it.
  killGroup(child, 'SIGKILL');
  await groupGone(child.pid);
}

/**
 * Resolves once no live process is left in the group (SIGKILLed members take a moment to go), or after 10 s. Read
 * from /proc: a killed member stays a zombie until its reaper gets to it, and signal 0 still reaches a zombie.
 */
async function groupGone(pgid: number): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 10_000; await new Promise((resolve) => setTimeout(resolve, 20))) {
    if (!liveMembers(pgid)) return;
  }
}

function liveMembers(pgid: number): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // ended while we looked
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so read after its last ")".
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}

/**
 * Deletes a server's working directory. Retried: a file created while the tree is walked (a server's last write)
 * makes the removal of its folder fail with ENOTEMPTY.
 */
export function removeWorkDir(path: string): void {
  rmSync(path, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
}

async function killChild(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child, signal);
  await exited;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}
