/**
 * Ending a process cleanly on SIGTERM or SIGINT: what must be undone registers a hook while it is open (staged
 * outputs, an MLflow run), and the signal handler prints one stderr line, runs the hooks within a bounded grace
 * period and exits with 128 + the signal number (143 for SIGTERM, 130 for SIGINT), as a shell reports it.
 *
 * | variable | meaning |
 * | --- | --- |
 * | `FLTS_SHUTDOWN_GRACE` | seconds the hooks may take together before the process exits anyway (0.1–600, default 10; Kubernetes' own grace period is 30) |
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { numberFromEnv } from './env.js';
import { InvalidParameterError } from './errors.js';

/** Something to undo when the process is stopped by a signal; should not throw (a failure is ignored). */
export type ShutdownHook = () => Promise<unknown> | unknown;

/** Exit codes for the signals a KFP step or a service is stopped with: 128 + the signal number. */
export const SIGNAL_EXIT_CODES = { SIGTERM: 143, SIGINT: 130 } as const;
export type StopSignal = keyof typeof SIGNAL_EXIT_CODES;

const hooks = new Set<ShutdownHook>();
let stopping: StopSignal | undefined;

/** Registers `hook` to run if a signal stops the process; returns the function that unregisters it. */
export function onShutdown(hook: ShutdownHook): () => void {
  hooks.add(hook);
  return () => {
    hooks.delete(hook);
  };
}

const units = new AsyncLocalStorage<(() => void)[]>();

/**
 * Runs `work` as one unit of work: a hook let go inside it with `releaseWhenDone` stays registered until the whole
 * unit has ended, so that a signal before then still runs it — a trainer's run that FINISHED while the work around
 * it (committing the outputs, recording a claim as done) was never completed is marked KILLED, as the work is
 * done again. A unit inside another is part of it.
 */
export async function unitOfWork<T>(work: () => Promise<T>): Promise<T> {
  if (units.getStore()) return work();
  const held: (() => void)[] = [];
  try {
    return await units.run(held, work);
  } finally {
    for (const release of held) release();
  }
}

/**
 * The unit of work is committed (its effect is on record, for others to see): what it held is released now, so a
 * signal from here on leaves a run it FINISHED as it is.
 */
export function commitUnit(): void {
  const held = units.getStore();
  if (held) for (const release of held.splice(0)) release();
}

/** Calls `release` (an onShutdown unregister) now, or, inside a unit of work, when the unit ends. */
export function releaseWhenDone(release: () => void): void {
  const held = units.getStore();
  if (held) held.push(release);
  else release();
}

/** The signal being handled, once one arrived: work that has not committed yet must not start committing. */
export function stopRequested(): StopSignal | undefined {
  return stopping;
}

export interface SignalOptions {
  /** The one stderr line printed on a signal. */
  line: (signal: StopSignal, exitCode: number) => string;
  /** @default the FLTS_SHUTDOWN_GRACE variable, else 10 s */
  graceMs?: number;
  /** @default process.exit */
  exit?: (code: number) => void;
}

/**
 * Installs the SIGTERM and SIGINT handlers: the line, then every registered hook at once (bounded by the grace
 * period), then exit. A second signal during the cleanup exits at once. Returns the function that removes them.
 */
export function exitOnSignals(options: SignalOptions): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const graceMs = options.graceMs ?? graceFromEnv(process.env);
  const handler = (signal: StopSignal) => {
    const code = SIGNAL_EXIT_CODES[signal];
    if (stopping) {
      exit(code);
      return;
    }
    process.stderr.write(`${options.line(signal, code)}\n`);
    void stopWith(signal, graceMs).then(() => exit(code));
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}

/**
 * Marks the process as stopped by `signal` (from now on `stopRequested()` says so, and nothing starts committing)
 * and runs every registered hook, within the grace period. For a service that first lets its work finish
 * (event mode drains) and then ends what is still open as a KFP step would.
 */
export async function stopWith(signal: StopSignal, graceMs = graceFromEnv(process.env)): Promise<void> {
  stopping = signal;
  await runHooks(graceMs);
}

/** Runs every hook concurrently; resolves when all have settled or the grace period is over, whichever is first. */
async function runHooks(graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
  });
  const all = Promise.allSettled([...hooks].map(async (hook) => hook()));
  await Promise.race([all, grace]);
  clearTimeout(timer);
}

function graceFromEnv(env: NodeJS.ProcessEnv): number {
  const range = { fallback: 10, min: 0.1, max: 600, unit: 'seconds' };
  return numberFromEnv(env, 'FLTS_SHUTDOWN_GRACE', range, (message) => new InvalidParameterError(message)) * 1000;
}
