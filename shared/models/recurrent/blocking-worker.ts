/**
 * A worker thread that the main thread calls synchronously, for work that must finish inside a synchronous call
 * (a tfjs op's forward or backward pass cannot await a message): the request is posted, the main thread does its
 * own share meanwhile, then blocks on Atomics.wait until the worker flags its answer and reads it with
 * receiveMessageOnPort. shard-worker.ts is its one user; its tests run it with small scripts, without WASM.
 *
 * The worker flags its own exit too, whatever the cause (an uncaught error, process.exit), and says why, so that a
 * blocked main thread stops waiting with an error instead of hanging. Not covered: a worker stopped without
 * running its exit handlers (worker.terminate(), which nothing here calls while a request is out, or running out
 * of heap); between requests the Worker's 'exit' event still marks it gone.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

// The shared flag: the worker sets ANSWERED (a reply, or at start-up readiness, is in the port) or EXITED; the
// main thread resets ANSWERED to IDLE once it has read the reply. EXITED stays.
const IDLE = 0;
const ANSWERED = 1;
const EXITED = 2;

/**
 * The worker's side. The script's text is run only once the exit handler is in place, so a script that does not
 * even compile is reported like any other failure. The script defines
 * `async function setup(workerData)` resolving to `handle(request) → [reply, transfer]`; an error thrown by
 * `handle` is sent back as that request's answer, while one thrown anywhere else ends the thread.
 */
const WORKER_CODE = `'use strict';
// In a function, so that none of these names can clash with the script's globals.
(() => {
  const { workerData } = require('node:worker_threads');
  const { port, flag, script, name } = workerData;
  const signal = new Int32Array(flag);
  const raise = (state) => { Atomics.store(signal, 0, state); Atomics.notify(signal, 0); };
  const describe = (error) => ({ message: String(error), stack: (error && error.stack) || undefined });
  let fatal;
  process.on('uncaughtExceptionMonitor', (error) => { fatal = error; });
  process.on('exit', (code) => {
    port.postMessage({ exited: code, error: fatal === undefined ? undefined : describe(fatal) });
    raise(${EXITED});
  });
  // Indirect eval: the script's declarations become globals, and import() works in it (under vm it would not).
  (0, eval)(script + '\\n//# sourceURL=' + name + '-worker-script.js');
  setup(workerData).then((handle) => {
    port.on('message', (request) => {
      try {
        const [reply, transfer] = handle(request);
        port.postMessage({ reply }, transfer);
      } catch (error) {
        port.postMessage({ error: describe(error) });
      }
      raise(${ANSWERED});
    });
    raise(${ANSWERED});
  });
})();
`;

/** An error as the worker sends it: String(error) ("TypeError: …"), and its stack. */
type SentError = { message: string; stack: string | undefined };
type Message<Reply> = { reply: Reply } | { error: SentError } | { exited: number; error: SentError | undefined };

/** Outcome of starting a worker: running, or why not (the same words shard-worker.ts reports). */
type WorkerStart<Request, Reply> = { ok: true; worker: BlockingWorker<Request, Reply> } | { ok: false; why: string };

export class BlockingWorker<Request, Reply> {
  readonly #name: string;
  readonly #port: MessagePort;
  readonly #signal: Int32Array;
  #requests = 0;
  // From the Worker's events, which arrive only while the main thread is not blocked.
  #exitCode: number | undefined;
  #errorEvent: Error | undefined;
  #exit: Error | undefined;

  private constructor(name: string, worker: Worker, port: MessagePort, signal: Int32Array) {
    this.#name = name;
    this.#port = port;
    this.#signal = signal;
    // A listener keeps a worker's uncaught error from becoming the main thread's; the worker reports it itself.
    worker.on('error', (error) => {
      this.#errorEvent ??= error;
    });
    worker.on('exit', (code) => {
      this.#exitCode = code;
    });
  }

  /**
   * Starts a worker running `script` (see WORKER_CODE) with `data` as its workerData, and waits until it is ready.
   * `name` appears in errors and stack traces.
   */
  static start<Request, Reply>(name: string, script: string, data: Record<string, unknown>, timeoutMs: number): WorkerStart<Request, Reply> {
    const channel = new MessageChannel();
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(WORKER_CODE, {
      eval: true,
      name,
      workerData: { ...data, port: channel.port2, flag: signal.buffer, script, name },
      transferList: [channel.port2],
      // Node's own flags only: a loader such as tsx is not needed by the eval'd plain JavaScript.
      execArgv: [],
    });
    // Neither keeps the process alive: it ends when the main thread's work does.
    worker.unref();
    channel.port1.unref();
    const started = new BlockingWorker<Request, Reply>(name, worker, channel.port1, signal);
    if (Atomics.wait(signal, 0, IDLE, timeoutMs) === 'timed-out') {
      void worker.terminate();
      return { ok: false, why: `it did not start within ${timeoutMs / 1000} s` };
    }
    if (Atomics.compareExchange(signal, 0, ANSWERED, IDLE) === EXITED) return { ok: false, why: started.#exitError('while starting').message };
    return { ok: true, worker: started };
  }

  /** Requests sent so far: how a caller (or a test) sees that work really went to the other thread. */
  get requests(): number {
    return this.#requests;
  }

  /** Why the worker is gone, once it is: later requests fail at once, so callers stop using it. */
  get exited(): Error | undefined {
    return this.#exit ?? (Atomics.load(this.#signal, 0) === EXITED || this.#exitCode !== undefined ? this.#exitError('between requests') : undefined);
  }

  /**
   * Sends `request`, runs `here` on this thread while the worker answers it, and returns both results. The answer
   * is collected even when `here` fails, so that the worker is free for the next call; `here`'s error is then the
   * one thrown, with the worker's, if it failed too, as its cause.
   */
  runAlongside<T>(request: Request, transfer: readonly ArrayBuffer[], here: () => T): { here: T; there: Reply } {
    const gone = this.exited;
    if (gone !== undefined) throw gone;
    // A request that could not be sent (say, an uncloneable value) throws here, with nothing to collect.
    this.#port.postMessage(request, transfer);
    this.#requests++;
    let result: T;
    try {
      result = here();
    } catch (error) {
      try {
        this.#collect();
      } catch (remote) {
        if (error instanceof Error && error.cause === undefined) error.cause = remote;
      }
      throw error;
    }
    return { here: result, there: this.#collect() };
  }

  #collect(): Reply {
    Atomics.wait(this.#signal, 0, IDLE);
    // Left at EXITED if the worker exited, even right after answering.
    if (Atomics.compareExchange(this.#signal, 0, ANSWERED, IDLE) === EXITED) throw this.#exitError('during a request');
    const message = receiveMessageOnPort(this.#port)?.message as Message<Reply> | undefined;
    if (message === undefined) throw new Error(`The ${this.#name} worker flagged an answer but sent none.`);
    if ('reply' in message) return message.reply;
    const cause = remoteError(message.error ?? { message: 'no error given', stack: undefined });
    throw new Error(`The ${this.#name} worker failed: ${cause.message}`, { cause });
  }

  /** The error that says why the worker exited (from its own exit message, else the Worker's events); kept. */
  #exitError(when: string): Error {
    if (this.#exit !== undefined) return this.#exit;
    let code = this.#exitCode;
    let cause = this.#errorEvent;
    for (let received = receiveMessageOnPort(this.#port); received !== undefined; received = receiveMessageOnPort(this.#port)) {
      const message = received.message as Message<Reply>;
      if (!('exited' in message)) continue;
      code = message.exited;
      if (message.error !== undefined) cause = remoteError(message.error);
    }
    const why = cause === undefined ? '' : `: ${cause.message}`;
    this.#exit = new Error(`The ${this.#name} worker thread exited${code === undefined ? '' : ` with code ${code}`} ${when}${why}`, { cause });
    return this.#exit;
  }
}

/** An error the worker sent, rebuilt here: its String() ("TypeError: …") as message, its stack kept. */
function remoteError(sent: SentError): Error {
  const error = new Error(sent.message);
  if (sent.stack !== undefined) error.stack = sent.stack;
  return error;
}
