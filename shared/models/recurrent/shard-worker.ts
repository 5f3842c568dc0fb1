/**
 * A second thread for the JavaScript cell loops on the WASM backend, which runs single-threaded under Node
 * (tensorflow/tfjs#3830): cell-loop-layer.ts splits each batch in two, and this worker runs cell-math.ts on one
 * half with its own tfjs-backend-wasm (XNNPACK) while the main thread runs the other. Rows of a batch are
 * independent through the whole recurrence, so only the weight gradients are summed (float32 rounding).
 *
 * The worker is called synchronously (blocking-worker.ts), because a layer call is a synchronous tfjs op. Its code
 * is rebuilt from the source text of the functions it runs, so it also runs from a single-file bundle; tfjs comes
 * from node_modules, as it does for the bundle itself (tools/build.ts keeps @tensorflow/* external).
 * One thread (`FLTS_RNN_THREADS=1`, or one CPU for this process) turns the worker off. Whether it runs, and if not why, is shardWorkerStatus().
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { wasmDirectory } from '../../tf/wasm.js';
import { BlockingWorker } from './blocking-worker.js';
import { recurrentThreads, THREADS_ENV } from './compiled-cells.js';
import { cellMathScript, type LayerGradients, type LayerTrace, type LayerValues } from './cell-math.js';
import { backendMatrixProduct } from './matrix-product.js';

type ShardRequest =
  | { op: 'forward'; layer: LayerValues; x: Float32Array; batch: number; steps: number; returnSequences: boolean }
  | { op: 'backward'; layer: LayerValues; trace: LayerTrace; dy: Float32Array; returnSequences: boolean };
type ShardReply = { trace: LayerTrace; output: Float32Array } | { grads: LayerGradients };

type ShardWorker = BlockingWorker<ShardRequest, ShardReply>;

/** Whether the worker runs (with the requests it has had), or why not: not needed yet, or off. */
export type ShardWorkerStatus = { state: 'running'; requests: number } | { state: 'unused' | 'off'; why: string };

/** How long to wait for the worker to load tfjs and the WASM backend before running single-threaded instead. */
const START_TIMEOUT_MS = 20_000;

// undefined until first needed; then the worker, or why there is none.
let shard: { worker: ShardWorker } | { off: string } | undefined;

/** The process's WASM shard worker, started on first use where a second core exists; undefined if none. */
export function shardWorker(): ShardWorker | undefined {
  shard ??= startShardWorker();
  if (!('worker' in shard)) return undefined;
  // A worker that exited failed the call it was in, if any; from here on the layers run single-threaded.
  const exited = shard.worker.exited;
  if (exited === undefined) return shard.worker;
  shard = { off: exited.message };
  return undefined;
}

/** Whether the worker runs, or why not; the trainer logs it on WASM. */
export function shardWorkerStatus(): ShardWorkerStatus {
  if (shard === undefined) return { state: 'unused', why: 'no batch on the WASM backend was large enough to split yet' };
  if ('worker' in shard) {
    const exited = shard.worker.exited;
    return exited === undefined ? { state: 'running', requests: shard.worker.requests } : { state: 'off', why: exited.message };
  }
  return { state: 'off', why: shard.off };
}

function startShardWorker(): { worker: ShardWorker } | { off: string } {
  if (recurrentThreads() < 2) return { off: `one thread (${THREADS_ENV} or the CPUs this process may use)` };
  const directory = wasmDirectory();
  if (directory === undefined) return { off: 'the WASM backend was not started by startWasm (shared/tf/wasm.ts), so its binaries are unknown' };
  let urls: { tfjs: string; wasm: string };
  try {
    const require = createRequire(import.meta.url);
    const url = (name: string) => pathToFileURL(require.resolve(name)).href;
    urls = { tfjs: url('@tensorflow/tfjs'), wasm: url('@tensorflow/tfjs-backend-wasm') };
  } catch (error) {
    return { off: `TensorFlow.js cannot be found for a worker: ${String(error).split('\n')[0]}` };
  }
  const started = BlockingWorker.start<ShardRequest, ShardReply>('shard', workerScript(), { urls, directory }, START_TIMEOUT_MS);
  return started.ok ? { worker: started.worker } : { off: started.why };
}

/** The worker's script (see blocking-worker.ts for `setup` and `handle`). */
function workerScript(): string {
  return `${cellMathScript()}
const matrixProduct = (${String(backendMatrixProduct)});
async function setup({ urls, directory }) {
  const tf = await import(urls.tfjs);
  const wasm = await import(urls.wasm);
  wasm.setWasmPaths(directory + '/');
  if (!(await tf.setBackend('wasm'))) throw new Error('the WASM backend failed to initialise from ' + directory);
  await tf.ready();
  return (request) => {
    const product = matrixProduct(tf);
    try {
      if (request.op === 'forward') {
        const trace = cellMath.layerForward(request.layer, request.x, request.batch, request.steps, product);
        const output = cellMath.layerOutput(trace, request.layer.units, request.returnSequences);
        return [{ trace, output }, [trace.x.buffer, trace.h.buffer, trace.gates.buffer, trace.extra.buffer, output.buffer]];
      }
      const grads = cellMath.layerBackward(request.layer, request.trace, request.dy, request.returnSequences, product);
      return [{ grads }, [grads.x.buffer, grads.kernel.buffer, grads.recurrentKernel.buffer, grads.bias.buffer]];
    } finally {
      product.dispose();
    }
  };
}
`;
}
