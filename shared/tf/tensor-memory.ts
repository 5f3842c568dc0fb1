/**
 * Float32 tensor values for code outside TensorFlow.js (the compiled cell loops' addon) without copies where the
 * backend allows: on WASM, tensors live in the WebAssembly heap, and the addon can read and write them there through
 * views of it; elsewhere values are copied out (dataSync) and new tensors made from arrays. On the WASM fallback the
 * copies in and out of the heap, and the garbage they made, had cost about 0.4 ms per layer call.
 *
 * A view is valid only until TensorFlow.js next allocates (the heap may grow, which detaches it): `produce` allocates
 * every output first and only then hands out views, and `read` is meant for inside `produce`'s callback.
 */
import * as tf from '@tensorflow/tfjs';

/** The parts of tfjs-backend-wasm's BackendWasm used here (tfjs 4.22, tf-backend-wasm.node.js). */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array;
}

interface EngineWithInfo {
  makeTensorFromTensorInfo(info: tf.TensorInfo): tf.Tensor;
}

function wasmHeap(): WasmHeapBackend | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const backend = tf.backend() as unknown as Partial<WasmHeapBackend>;
  return typeof backend.makeOutput === 'function' && typeof backend.typedArrayFromHeap === 'function' ? (backend as WasmHeapBackend) : undefined;
}

/**
 * The float32 values of `tensor`: a view of the WASM heap (only to be used before the next tfjs call), or a copy.
 * The array is only read by the callers; on the cpu backend it is the tensor's own storage.
 */
export function readFloats(tensor: tf.Tensor): Float32Array {
  const heap = wasmHeap();
  return heap ? heap.typedArrayFromHeap(tensor) : (tensor.dataSync() as Float32Array);
}

/**
 * New float32 tensors of `shapes`, whose values `fill` writes (every element) into the arrays it is given: on WASM
 * views of the tensors' own memory, elsewhere new arrays the tensors are then made from. `fill` may call
 * `readFloats` for its inputs but nothing else of TensorFlow.js.
 */
export function produceTensors(shapes: number[][], fill: (outputs: Float32Array[]) => void): tf.Tensor[] {
  const heap = wasmHeap();
  if (heap === undefined) {
    const arrays = shapes.map((shape) => new Float32Array(shape.reduce((n, d) => n * d, 1)));
    fill(arrays);
    return arrays.map((array, i) => tf.tensor(array, shapes[i]!, 'float32'));
  }
  const infos = shapes.map((shape) => heap.makeOutput(shape, 'float32'));
  try {
    fill(infos.map((info) => heap.typedArrayFromHeap(info)));
  } catch (error) {
    for (const info of infos) tf.backend().disposeData(info.dataId);
    throw error;
  }
  return infos.map((info) => (tf.engine() as unknown as EngineWithInfo).makeTensorFromTensorInfo(info));
}
