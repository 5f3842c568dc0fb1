/**
 * Initial weights of the recurrent network, computed in plain JavaScript from the seeded generator: Keras's
 * defaults (Glorot-uniform input kernels, orthogonal recurrent kernels, zero biases, LSTM forget-gate bias 1).
 *
 * Why not tfjs's initializers: its Orthogonal runs a QR decomposition in tensor ops (backend-dependent
 * rounding) and warns above 2000 elements. Computing the values here gives the same start on every backend.
 *
 * Porting note: upstream's PyTorch nn.GRU/nn.LSTM draw every weight from U(−1/√h, 1/√h) and have a second
 * (recurrent) bias vector; we follow Keras, whose layer format (tfjs-layers) the saved model uses.
 */
import { gateCount } from './cell-math.js';
import type { CellType } from './hyperparameters.js';
import { normal, type Random } from './random.js';

/** Flat row-major values of one recurrent layer, in tfjs-layers' layout. */
export interface RecurrentLayerValues {
  /** (inputSize, gates · units); gates z, r, h for GRU and i, f, c, o for LSTM. */
  kernel: Float32Array;
  /** (units, gates · units). */
  recurrentKernel: Float32Array;
  /** (gates · units). */
  bias: Float32Array;
}

/** Values for one recurrent layer. */
export function recurrentLayerValues(cell: CellType, inputSize: number, units: number, random: Random): RecurrentLayerValues {
  const width = gateCount(cell) * units;
  const bias = new Float32Array(width);
  // Jozefowicz et al. (2015): a forget-gate bias of 1 lets gradients through early in training (Keras unit_forget_bias).
  if (cell === 'lstm') bias.fill(1, units, 2 * units);
  return { kernel: glorotUniform(inputSize, width, random), recurrentKernel: orthogonal(units, width, random), bias };
}

/** Values for the dense head: Glorot-uniform kernel (inputSize, outputs) and zero bias. */
export function denseValues(inputSize: number, outputs: number, random: Random): { kernel: Float32Array; bias: Float32Array } {
  return { kernel: glorotUniform(inputSize, outputs, random), bias: new Float32Array(outputs) };
}

/** U(−l, l) with l = √(6 / (fanIn + fanOut)) (Glorot & Bengio, 2010), shape (fanIn, fanOut). */
export function glorotUniform(fanIn: number, fanOut: number, random: Random): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  return Float32Array.from({ length: fanIn * fanOut }, () => (2 * random() - 1) * limit);
}

/**
 * A random (rows, cols) matrix with orthonormal rows (rows ≤ cols) or columns (rows > cols), as Keras's
 * Orthogonal (Saxe et al., 2014): Gram–Schmidt on Gaussian vectors, which is the Q of a QR decomposition
 * with a positive diagonal, so it is uniformly distributed.
 */
export function orthogonal(rows: number, cols: number, random: Random): Float32Array {
  const count = Math.min(rows, cols);
  const length = Math.max(rows, cols);
  const vectors = Array.from({ length: count }, () => Float64Array.from({ length }, () => normal(random)));
  orthonormalize(vectors);
  const out = new Float32Array(rows * cols);
  for (let v = 0; v < count; v++) {
    for (let k = 0; k < length; k++) {
      // rows ≤ cols: vector v is row v; otherwise it is column v.
      out[rows <= cols ? v * cols + k : k * cols + v] = vectors[v]![k]!;
    }
  }
  return out;
}

/** Modified Gram–Schmidt, run twice ("twice is enough", Giraud et al. 2005) for orthogonality to rounding. */
function orthonormalize(vectors: Float64Array[]): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let i = 0; i < vectors.length; i++) {
      const v = vectors[i]!;
      for (let j = 0; j < i; j++) {
        const u = vectors[j]!;
        const projection = dot(u, v);
        for (let k = 0; k < v.length; k++) v[k] = v[k]! - projection * u[k]!;
      }
      const norm = Math.sqrt(dot(v, v));
      for (let k = 0; k < v.length; k++) v[k] = v[k]! / norm;
    }
  }
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let k = 0; k < a.length; k++) sum += a[k]! * b[k]!;
  return sum;
}
