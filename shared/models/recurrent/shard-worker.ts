/**
 * A second thread for the JavaScript cell loops on the WASM backend, which runs single-threaded under Node
 * (tensorflow/tfjs#3830): each batch is split in two, the worker runs cell-math.ts on one half with its own
 * tfjs-backend-wasm (XNNPACK) while this thread runs the other, and fused-layer.ts joins the halves. Rows of a
 * batch are independent through the whole recurrence, so only the weight gradients are summed (float32 rounding).
 *
 * The layer call must stay synchronous (it is a tfjs op), so this thread blocks on Atomics.wait until the worker
 * flags its answer and reads it with receiveMessageOnPort. The worker's code is rebuilt from the source text of
 * the functions it runs, so it also runs from a single-file bundle; tfjs comes from node_modules, as it does for
 * the bundle itself (tools/build.ts keeps @tensorflow/* external). `FLTS_RNN_THREADS=1` turns the worker off.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { wasmDirectory } from '../../tf/wasm.js';
import { CELL_MATH_FUNCTIONS, type LayerGradients, type LayerTrace, type LayerValues } from './cell-math.js';

/** Requests of the WASM worker. */
export type ShardRequest =
  | { op: 'forward'; layer: LayerValues; x: Float32Array; batch: number; steps: number; returnSequences: boolean }
  | { op: 'backward'; layer: LayerValues; trace: LayerTrace; dy: Float32Array; returnSequences: boolean };
/** Replies of the worker. */
type ShardReply = { trace: LayerTrace; output: Float32Array } | { grads: LayerGradients } | { error: string };

/** How long to wait for the worker to load tfjs and the WASM backend before running single-threaded instead. */
const START_TIMEOUT_MS = 20_000;

export class ShardWorker {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  readonly #signal: Int32Array;
  #pending = false;
  #requests = 0;

  private constructor(worker: Worker, port: MessagePort, signal: Int32Array) {
    this.#worker = worker;
    this.#port = port;
    this.#signal = signal;
  }

  /** Starts a worker running `source` and waits until it says it is ready; undefined where that fails. */
  static start(source: string, data: Record<string, unknown>): ShardWorker | undefined {
    const channel = new MessageChannel();
    const flag = new SharedArrayBuffer(4);
    const signal = new Int32Array(flag);
    const worker = new Worker(source, {
      eval: true,
      workerData: { ...data, port: channel.port2, flag },
      transferList: [channel.port2],
      // Node's own flags only: a loader such as tsx is not needed by the eval'd plain JavaScript.
      execArgv: [],
    });
    worker.unref();
    channel.port1.unref();
    const ready = Atomics.wait(signal, 0, 0, START_TIMEOUT_MS) !== 'timed-out' && Atomics.load(signal, 0) === 1;
    Atomics.store(signal, 0, 0);
    if (!ready) {
      void worker.terminate();
      return undefined;
    }
    return new ShardWorker(worker, channel.port1, signal);
  }

  /** Sends the worker its half; `collect` then blocks until the answer is there. One request at a time. */
  post(request: ShardRequest, transfer: ArrayBuffer[] = []): void {
    if (this.#pending) throw new Error('ShardWorker: a request is already pending.');
    this.#pending = true;
    this.#requests++;
    this.#port.postMessage(request, transfer);
  }

  /** Requests sent so far: how a caller (or a test) sees that work really went to the second thread. */
  get requests(): number {
    return this.#requests;
  }

  collect(): Exclude<ShardReply, { error: string }> {
    Atomics.wait(this.#signal, 0, 0);
    Atomics.store(this.#signal, 0, 0);
    this.#pending = false;
    const reply = receiveMessageOnPort(this.#port)?.message as ShardReply | undefined;
    if (reply === undefined) throw new Error('ShardWorker: the worker flagged an answer but sent none.');
    if ('error' in reply) throw new Error(`ShardWorker: ${reply.error}`);
    return reply;
  }

  terminate(): Promise<number> {
    return this.#worker.terminate();
  }
}

// null: not tried yet; undefined: tried, none (one core, turned off, or it failed to start).
let shared: ShardWorker | undefined | null = null;

/** The process's WASM shard worker, started on first use where a second core exists; undefined if none. */
export function shardWorker(): ShardWorker | undefined {
  if (shared === null) shared = availableParallelism() > 1 && process.env['FLTS_RNN_THREADS'] !== '1' ? startWasmWorker() : undefined;
  return shared;
}

function startWasmWorker(): ShardWorker | undefined {
  const directory = wasmDirectory();
  const urls = resolveUrls(['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm']);
  return directory === undefined || urls === undefined ? undefined : ShardWorker.start(wasmSource(), { urls: { tfjs: urls[0], wasm: urls[1] }, directory });
}

function resolveUrls(names: string[]): string[] | undefined {
  const require = createRequire(import.meta.url);
  try {
    return names.map((name) => pathToFileURL(require.resolve(name)).href);
  } catch {
    return undefined;
  }
}

/** Head of a worker's code: `answer` posts a reply and flags it; `ready`/`failed` end the start-up wait. */
const PRELUDE = `'use strict';
var __name = (f) => f;
const { workerData } = require('node:worker_threads');
const { port, flag } = workerData;
const signal = new Int32Array(flag);
const answer = (reply, transfer) => {
  port.postMessage(reply, transfer);
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
};
const ready = () => { Atomics.store(signal, 0, 1); Atomics.notify(signal, 0); };
const failed = () => { Atomics.store(signal, 0, 2); Atomics.notify(signal, 0); };
`;

function wasmSource(): string {
  return `${PRELUDE}
${CELL_MATH_FUNCTIONS.map(String).join('\n')}
const { urls, directory } = workerData;
(async () => {
  const tf = await import(urls.tfjs);
  const wasm = await import(urls.wasm);
  wasm.setWasmPaths(directory + '/');
  if (!(await tf.setBackend('wasm'))) throw new Error('no wasm backend');
  await tf.ready();
  const product = () => {
    const kept = [];
    return {
      constant(values, rows, cols) { const t = tf.tensor2d(values, [rows, cols]); kept.push(t); return { rows, cols, handle: t }; },
      multiply(a, m, b) {
        const left = tf.tensor2d(a, [m, b.rows]);
        const right = b.handle ?? tf.tensor2d(b.values, [b.rows, b.cols]);
        const out = tf.matMul(left, right);
        const values = out.dataSync();
        tf.dispose([left, out]);
        if (right !== b.handle) right.dispose();
        return values;
      },
      dispose() { tf.dispose(kept); },
    };
  };
  port.on('message', (request) => {
    const p = product();
    try {
      if (request.op === 'forward') {
        const trace = layerForward(request.layer, request.x, request.batch, request.steps, p);
        const output = layerOutput(trace, request.layer.units, request.returnSequences);
        answer({ trace, output }, [trace.x.buffer, trace.h.buffer, trace.gates.buffer, trace.extra.buffer, output.buffer]);
      } else {
        const grads = layerBackward(request.layer, request.trace, request.dy, request.returnSequences, p);
        answer({ grads }, [grads.x.buffer, grads.kernel.buffer, grads.recurrentKernel.buffer, grads.bias.buffer]);
      }
    } catch (error) {
      answer({ error: String((error && error.stack) || error) }, []);
    } finally {
      p.dispose();
    }
  });
  ready();
})().catch(failed);
`;
}
