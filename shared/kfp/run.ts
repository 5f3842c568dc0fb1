/**
 * The entrypoint harness every component uses: read the ExecutorInput, validate it against the spec, run the
 * component's body, commit its outputs, and turn any failure into one stderr line and a non-zero exit code
 * with nothing half-written.
 */
import { FltsError, messageOf } from '../errors.js';
import { executorInputText, parseExecutorInput, type ExecutorInput } from './executor-input.js';
import { Executor } from './executor.js';
import { exitOnSignals, onShutdown, SIGNAL_EXIT_CODES, stopRequested, unitOfWork } from '../shutdown.js';
import type { ComponentSpec } from './spec.js';

export type ComponentBody<S extends ComponentSpec> = (executor: Executor<S>) => Promise<void>;

/**
 * Runs `body` as component `spec` with the given command-line arguments and returns the process exit code:
 * 0 on success, 2 for bad input (parameters, ExecutorInput, data), 1 for failures at run time.
 */
export async function runComponent<S extends ComponentSpec>(
  spec: S,
  body: ComponentBody<S>,
  argv: readonly string[] = process.argv.slice(2),
): Promise<number> {
  try {
    await executeComponent(spec, body, parseExecutorInput(executorInputText(argv)));
    return 0;
  } catch (error) {
    // Stopped by a signal: its handler has printed the one line and sets the exit code.
    if (stopRequested()) return SIGNAL_EXIT_CODES[stopRequested()!];
    process.stderr.write(`${failureLine(spec.name, error)}\n`);
    if (process.env['FLTS_DEBUG'] && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    return error instanceof FltsError ? error.exitCode : 1;
  }
}

/**
 * Runs `body` as component `spec` on a parsed ExecutorInput: outputs staged, committed on success, removed on
 * failure, and the error thrown (for callers that run a component in-process, as event mode does).
 */
export async function executeComponent<S extends ComponentSpec>(spec: S, body: ComponentBody<S>, input: ExecutorInput): Promise<void> {
  // One unit of work (shared/shutdown.ts): a signal before it ends marks a run the body FINISHED as KILLED, as it removes the outputs.
  await unitOfWork(() => executeUnit(spec, body, input));
}

async function executeUnit<S extends ComponentSpec>(spec: S, body: ComponentBody<S>, input: ExecutorInput): Promise<void> {
  let executor: Executor<S> | undefined;
  let release = () => undefined as void;
  try {
    executor = new Executor(spec, input);
    const staged = executor;
    // A signal (shared/shutdown.ts) removes what this run wrote, whether or not it had committed yet.
    release = onShutdown(() => staged.discard());
    await executor.prepareOutputs();
    await body(executor);
    await executor.commit();
  } catch (error) {
    // discard, not abort: a body that committed early (a trainer, before ending its run) and then failed leaves nothing.
    await executor?.discard().catch(() => undefined);
    throw error;
  } finally {
    release();
  }
}

/** One line naming the component, the kind of failure and what went wrong, with the cause when it adds news. */
export function failureLine(component: string, error: unknown): string {
  const kind = error instanceof Error ? error.name : 'Error';
  let line = `flts ${component}: ${kind}: ${messageOf(error)}`;
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause !== undefined) {
    const causeMessage = messageOf(cause);
    if (causeMessage && !line.includes(causeMessage)) line += ` (cause: ${causeMessage})`;
  }
  return line.replace(/\s*\n\s*/g, ' ');
}

/**
 * Entry point helper: runs the component and sets the process exit code. SIGTERM or SIGINT end it cleanly:
 * one stderr line, staged (or committed) outputs removed, an open MLflow run marked KILLED, exit 143 or 130.
 */
export function main<S extends ComponentSpec>(spec: S, body: ComponentBody<S>): void {
  try {
    exitOnSignals({
      line: (signal, code) => `flts ${spec.name}: Interrupted: received ${signal}; outputs removed, MLflow run (if any) marked KILLED, exit ${code}.`,
    });
  } catch (error) {
    process.stderr.write(`${failureLine(spec.name, error)}\n`);
    process.exitCode = error instanceof FltsError ? error.exitCode : 1;
    return;
  }
  runComponent(spec, body).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${failureLine(spec.name, error)}\n`);
      process.exitCode = 1;
    },
  );
}
