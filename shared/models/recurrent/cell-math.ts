/**
 * The GRU and LSTM layer over a whole sequence, forward and backward, written by hand over plain Float32Arrays:
 * the gate arithmetic of every time step runs in one JavaScript loop, and the only calls out are matrix products
 * (a `MatrixProduct`, which hands them to the backend's GEMM). This replaces the ~30 tfjs ops per time step of the
 * reference implementation (reference-layers.ts), whose per-op cost dominated training (bench/results/rnn-speed.md).
 *
 * Same equations as reference-layers.ts (Keras GRU with the reset gate before the recurrent product; Keras LSTM
 * with gates i, f, c, o; logistic sigmoid). Shapes: B windows, T steps, F inputs, u units, G gates (3 or 4).
 * Internally everything is time-major ((T, B, ·), rows t·B + b), so each step's state is one contiguous (B, u)
 * block that a matrix product can read in place.
 *
 * Backward pass, per step from the last: the gate pre-activation gradients dG_t (B, G·u) and the state gradient
 * dh_{t−1} = (direct terms) + dG_t·Uᵀ. Weight gradients are then three large products over all steps at once:
 * dW = Xᵀ·dG, dU = Hₜ₋₁ᵀ·dG (GRU: the candidate block uses (r ⊙ h)ᵀ), db = Σ dG, and dX = dG·Wᵀ.
 */
import type { CellType } from './hyperparameters.js';

/** Right-hand operand of a product, registered once and reused (weights), or a plain array used once. */
export type Operand = { readonly rows: number; readonly cols: number } & ({ values: Float32Array } | { handle: unknown });

/** Matrix products for the cell loops: the active backend's GEMM, or plain JavaScript in tests (matrix-product.ts). */
export interface MatrixProduct {
  /** Registers (rows, cols) row-major `values` for many products; freed by `dispose`. */
  constant(values: Float32Array, rows: number, cols: number): Operand;
  /** a (m, b.rows) · b → a new (m, b.cols) array. */
  multiply(a: Float32Array, m: number, b: Operand): Float32Array;
  dispose(): void;
}

/** One recurrent layer's weights in tfjs-layers' layout. */
export interface LayerValues {
  cell: CellType;
  /** (F, G·u). */
  kernel: Float32Array;
  /** (u, G·u). */
  recurrentKernel: Float32Array;
  /** (G·u). */
  bias: Float32Array;
  inputSize: number;
  units: number;
}

/** What the forward pass keeps for the backward pass; all time-major. */
export interface LayerTrace {
  batch: number;
  steps: number;
  /** Inputs (T, B, F). */
  x: Float32Array;
  /** States h₀ … h_T, (T + 1, B, u); h₀ = 0. */
  h: Float32Array;
  /** Post-activation gates per step, (T, B, G·u): GRU z | r | ĥ; LSTM i | f | g | o. */
  gates: Float32Array;
  /** GRU: r ⊙ h_{t−1}, (T, B, u). LSTM: cell states c₀ … c_T, (T + 1, B, u). */
  extra: Float32Array;
}

/** Gradients of one layer: weights in tfjs-layers' layout, inputs batch-major (B, T, F). */
export interface LayerGradients {
  x: Float32Array;
  kernel: Float32Array;
  recurrentKernel: Float32Array;
  bias: Float32Array;
}

/** Gate blocks per cell: GRU update/reset/candidate; LSTM input/forget/cell/output. */
export function gateCount(cell: CellType): number {
  return cell === 'gru' ? 3 : 4;
}

/** Runs the layer over windows `x` (B, T, F), batch-major as tfjs holds them. */
export function layerForward(layer: LayerValues, x: Float32Array, batch: number, steps: number, product: MatrixProduct): LayerTrace {
  const xt = swapLeadingAxes(x, batch, steps, layer.inputSize);
  const projected = product.multiply(xt, steps * batch, product.constant(layer.kernel, layer.inputSize, gateCount(layer.cell) * layer.units));
  addRowVector(projected, layer.bias);
  const trace = layer.cell === 'gru' ? gruSteps(layer, projected, batch, steps, product) : lstmSteps(layer, projected, batch, steps, product);
  return { ...trace, x: xt };
}

/** The layer's output, batch-major: the whole sequence (B, T, u) or the last state (B, u). */
export function layerOutput(trace: LayerTrace, units: number, returnSequences: boolean): Float32Array {
  const { batch, steps, h } = trace;
  if (!returnSequences) return h.slice(steps * batch * units);
  return swapLeadingAxes(h.subarray(batch * units), steps, batch, units);
}

/**
 * Gradients of the layer given the gradient of its output (`dy`, batch-major, the shape `layerOutput` gave).
 * `product` must be able to multiply (it may be a fresh one: the trace holds plain arrays only).
 */
export function layerBackward(layer: LayerValues, trace: LayerTrace, dy: Float32Array, returnSequences: boolean, product: MatrixProduct): LayerGradients {
  const { batch, steps } = trace;
  const dyt = returnSequences ? swapLeadingAxes(dy, batch, steps, layer.units) : dy;
  const dG = layer.cell === 'gru' ? gruBackSteps(layer, trace, dyt, returnSequences, product) : lstmBackSteps(layer, trace, dyt, returnSequences, product);
  return weightGradients(layer, trace, dG, product);
}

// ---------------------------------------------------------------------------------------------------- GRU

function gruSteps(layer: LayerValues, projected: Float32Array, batch: number, steps: number, product: MatrixProduct): Omit<LayerTrace, 'x'> {
  const u = layer.units;
  const width = 3 * u;
  const [updateReset, candidate] = splitColumns(layer.recurrentKernel, u, [2 * u, u]);
  const uZR = product.constant(updateReset!, u, 2 * u);
  const uH = product.constant(candidate!, u, u);
  const block = batch * u;
  const h = new Float32Array((steps + 1) * block);
  const gates = new Float32Array(steps * batch * width);
  const resetState = new Float32Array(steps * block);
  for (let t = 0; t < steps; t++) {
    const hPrev = h.subarray(t * block, (t + 1) * block);
    const recurrentZR = product.multiply(hPrev, batch, uZR);
    const g0 = t * batch * width;
    const rh = resetState.subarray(t * block, (t + 1) * block);
    for (let b = 0; b < batch; b++) {
      const p = g0 + b * width;
      for (let j = 0; j < u; j++) {
        const z = sigmoid(projected[p + j]! + recurrentZR[b * 2 * u + j]!);
        const r = sigmoid(projected[p + u + j]! + recurrentZR[b * 2 * u + u + j]!);
        gates[p + j] = z;
        gates[p + u + j] = r;
        rh[b * u + j] = r * hPrev[b * u + j]!;
      }
    }
    const recurrentH = product.multiply(rh, batch, uH);
    const hNext = h.subarray((t + 1) * block, (t + 2) * block);
    for (let b = 0; b < batch; b++) {
      const p = g0 + b * width;
      for (let j = 0; j < u; j++) {
        const candidateValue = tanh(projected[p + 2 * u + j]! + recurrentH[b * u + j]!);
        gates[p + 2 * u + j] = candidateValue;
        // z·h + (1 − z)·ĥ
        hNext[b * u + j] = candidateValue + gates[p + j]! * (hPrev[b * u + j]! - candidateValue);
      }
    }
  }
  return { batch, steps, h, gates, extra: resetState };
}

/** dG (T, B, 3u): gradients of the pre-activations of z, r and ĥ. */
function gruBackSteps(layer: LayerValues, trace: LayerTrace, dyt: Float32Array, returnSequences: boolean, product: MatrixProduct): Float32Array {
  const { batch, steps, h, gates } = trace;
  const u = layer.units;
  const width = 3 * u;
  const block = batch * u;
  const [updateReset, candidate] = splitColumns(layer.recurrentKernel, u, [2 * u, u]);
  const uZRt = product.constant(transpose(updateReset!, u, 2 * u), 2 * u, u);
  const uHt = product.constant(transpose(candidate!, u, u), u, u);
  const dG = new Float32Array(steps * batch * width);
  const dZR = new Float32Array(batch * 2 * u);
  const dH = new Float32Array(block);
  let dh: Float32Array = new Float32Array(block);
  for (let t = steps - 1; t >= 0; t--) {
    addOutputGradient(dh, dyt, t, steps, block, returnSequences);
    const hPrev = h.subarray(t * block, (t + 1) * block);
    const g0 = t * batch * width;
    const dhPrev = new Float32Array(block);
    for (let b = 0; b < batch; b++) {
      const p = g0 + b * width;
      for (let j = 0; j < u; j++) {
        const k = b * u + j;
        const z = gates[p + j]!;
        const hc = gates[p + 2 * u + j]!;
        const g = dh[k]!;
        const dCandidate = g * (1 - z) * (1 - hc * hc);
        const dUpdate = g * (hPrev[k]! - hc) * z * (1 - z);
        dG[p + j] = dUpdate;
        dG[p + 2 * u + j] = dCandidate;
        dZR[b * 2 * u + j] = dUpdate;
        dH[k] = dCandidate;
        dhPrev[k] = g * z;
      }
    }
    const dRH = product.multiply(dH, batch, uHt);
    for (let b = 0; b < batch; b++) {
      const p = g0 + b * width;
      for (let j = 0; j < u; j++) {
        const k = b * u + j;
        const r = gates[p + u + j]!;
        const dReset = dRH[k]! * hPrev[k]! * r * (1 - r);
        dG[p + u + j] = dReset;
        dZR[b * 2 * u + u + j] = dReset;
        dhPrev[k] = dhPrev[k]! + dRH[k]! * r;
      }
    }
    addInto(dhPrev, product.multiply(dZR, batch, uZRt));
    dh = dhPrev;
  }
  return dG;
}

// --------------------------------------------------------------------------------------------------- LSTM

function lstmSteps(layer: LayerValues, projected: Float32Array, batch: number, steps: number, product: MatrixProduct): Omit<LayerTrace, 'x'> {
  const u = layer.units;
  const width = 4 * u;
  const recurrent = product.constant(layer.recurrentKernel, u, width);
  const block = batch * u;
  const h = new Float32Array((steps + 1) * block);
  const c = new Float32Array((steps + 1) * block);
  const gates = new Float32Array(steps * batch * width);
  for (let t = 0; t < steps; t++) {
    const hPrev = h.subarray(t * block, (t + 1) * block);
    const recurrentAll = product.multiply(hPrev, batch, recurrent);
    const g0 = t * batch * width;
    for (let b = 0; b < batch; b++) {
      const p = g0 + b * width;
      const q = b * width;
      for (let j = 0; j < u; j++) {
        const i = sigmoid(projected[p + j]! + recurrentAll[q + j]!);
        const f = sigmoid(projected[p + u + j]! + recurrentAll[q + u + j]!);
        const g = tanh(projected[p + 2 * u + j]! + recurrentAll[q + 2 * u + j]!);
        const o = sigmoid(projected[p + 3 * u + j]! + recurrentAll[q + 3 * u + j]!);
        gates[p + j] = i;
        gates[p + u + j] = f;
        gates[p + 2 * u + j] = g;
        gates[p + 3 * u + j] = o;
        const k = b * u + j;
        const cell = f * c[t * block + k]! + i * g;
        c[(t + 1) * block + k] = cell;
        h[(t + 1) * block + k] = o * tanh(cell);
      }
    }
  }
  return { batch, steps, h, gates, extra: c };
}

/** dG (T, B, 4u): gradients of the pre-activations of i, f, g, o. */
function lstmBackSteps(layer: LayerValues, trace: LayerTrace, dyt: Float32Array, returnSequences: boolean, product: MatrixProduct): Float32Array {
  const { batch, steps, gates, extra: c } = trace;
  const u = layer.units;
  const width = 4 * u;
  const block = batch * u;
  const recurrentT = product.constant(transpose(layer.recurrentKernel, u, width), width, u);
  const dG = new Float32Array(steps * batch * width);
  let dh: Float32Array = new Float32Array(block);
  let dc = new Float32Array(block);
  for (let t = steps - 1; t >= 0; t--) {
    addOutputGradient(dh, dyt, t, steps, block, returnSequences);
    const g0 = t * batch * width;
    const dcPrev = new Float32Array(block);
    for (let b = 0; b < batch; b++) {
      const p = g0 + b * width;
      for (let j = 0; j < u; j++) {
        const k = b * u + j;
        const i = gates[p + j]!;
        const f = gates[p + u + j]!;
        const g = gates[p + 2 * u + j]!;
        const o = gates[p + 3 * u + j]!;
        // tanh(c_t) is recomputed rather than stored: one more array of (T, B, u) costs more than the call.
        const tc = tanh(c[(t + 1) * block + k]!);
        const dhk = dh[k]!;
        const dcell = dc[k]! + dhk * o * (1 - tc * tc);
        dG[p + j] = dcell * g * i * (1 - i);
        dG[p + u + j] = dcell * c[t * block + k]! * f * (1 - f);
        dG[p + 2 * u + j] = dcell * i * (1 - g * g);
        dG[p + 3 * u + j] = dhk * tc * o * (1 - o);
        dcPrev[k] = dcell * f;
      }
    }
    dh = product.multiply(dG.subarray(g0, g0 + batch * width), batch, recurrentT);
    dc = dcPrev;
  }
  return dG;
}

// ------------------------------------------------------------------------------------------------- shared

/** dW = Xᵀ·dG, dU = Hₜ₋₁ᵀ·dG (GRU candidate: (r ⊙ h)ᵀ·dG), db = Σ dG, dX = dG·Wᵀ, over all steps at once. */
function weightGradients(layer: LayerValues, trace: LayerTrace, dG: Float32Array, product: MatrixProduct): LayerGradients {
  const { batch, steps, x, h } = trace;
  const { inputSize, units: u } = layer;
  const width = gateCount(layer.cell) * u;
  const rows = steps * batch;
  const dGm = { values: dG, rows, cols: width };
  const kernel = product.multiply(transpose(x, rows, inputSize), inputSize, dGm);
  const hPrevT = transpose(h.subarray(0, rows * u), rows, u);
  let recurrentKernel: Float32Array;
  if (layer.cell === 'gru') {
    const [dZR, dH] = splitColumns(dG, rows, [2 * u, u]);
    const zr = product.multiply(hPrevT, u, { values: dZR!, rows, cols: 2 * u });
    const candidate = product.multiply(transpose(trace.extra, rows, u), u, { values: dH!, rows, cols: u });
    recurrentKernel = joinColumns([zr, candidate], u, [2 * u, u]);
  } else {
    recurrentKernel = product.multiply(hPrevT, u, dGm);
  }
  const bias = new Float32Array(width);
  for (let r = 0; r < rows; r++) for (let j = 0; j < width; j++) bias[j] = bias[j]! + dG[r * width + j]!;
  const dxt = product.multiply(dG, rows, { values: transpose(layer.kernel, inputSize, width), rows: width, cols: inputSize });
  return { x: swapLeadingAxes(dxt, steps, batch, inputSize), kernel, recurrentKernel, bias };
}

/** dh += the output's gradient at step t: every step's slice for a sequence output, else only at the last step. */
function addOutputGradient(dh: Float32Array, dyt: Float32Array, t: number, steps: number, block: number, returnSequences: boolean): void {
  if (returnSequences) addInto(dh, dyt.subarray(t * block, (t + 1) * block));
  else if (t === steps - 1) addInto(dh, dyt);
}

function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

/** tanh v = 2σ(2v) − 1: within 4e-16 of Math.tanh, and faster in V8 (12 against 17–19 ns per element). */
function tanh(v: number): number {
  return 2 / (1 + Math.exp(-2 * v)) - 1;
}

function addInto(target: Float32Array, values: Float32Array): void {
  for (let k = 0; k < target.length; k++) target[k] = target[k]! + values[k]!;
}

function addRowVector(matrix: Float32Array, row: Float32Array): void {
  const n = row.length;
  for (let k = 0; k < matrix.length; k += n) for (let j = 0; j < n; j++) matrix[k + j] = matrix[k + j]! + row[j]!;
}

/** (a, b, c) row-major → (b, a, c). */
function swapLeadingAxes(values: Float32Array, a: number, b: number, c: number): Float32Array {
  const out = new Float32Array(a * b * c);
  for (let i = 0; i < a; i++) for (let j = 0; j < b; j++) out.set(values.subarray((i * b + j) * c, (i * b + j + 1) * c), (j * a + i) * c);
  return out;
}

function transpose(values: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c]!;
  return out;
}

/** Column blocks of a (rows, Σ widths) matrix as separate contiguous matrices. */
function splitColumns(values: Float32Array, rows: number, widths: number[]): Float32Array[] {
  const total = widths.reduce((s, w) => s + w, 0);
  let offset = 0;
  return widths.map((w) => {
    const out = new Float32Array(rows * w);
    for (let r = 0; r < rows; r++) out.set(values.subarray(r * total + offset, r * total + offset + w), r * w);
    offset += w;
    return out;
  });
}

function joinColumns(blocks: Float32Array[], rows: number, widths: number[]): Float32Array {
  const total = widths.reduce((s, w) => s + w, 0);
  const out = new Float32Array(rows * total);
  let offset = 0;
  blocks.forEach((block, i) => {
    const w = widths[i]!;
    for (let r = 0; r < rows; r++) out.set(block.subarray(r * w, (r + 1) * w), r * total + offset);
    offset += w;
  });
  return out;
}

/**
 * Every function above. Kept by hand: a function missing here fails cell-math.test.ts, which runs the script
 * below in a fresh context.
 */
const CELL_MATH_FUNCTIONS: readonly ((...args: never[]) => unknown)[] = [
  gateCount,
  layerForward,
  layerOutput,
  layerBackward,
  gruSteps,
  gruBackSteps,
  lstmSteps,
  lstmBackSteps,
  weightGradients,
  addOutputGradient,
  sigmoid,
  tanh,
  addInto,
  addRowVector,
  swapLeadingAxes,
  transpose,
  splitColumns,
  joinColumns,
];

/**
 * This module as script text, for shard-worker.ts, which rebuilds it in a worker thread (a bundle has no separate
 * module file a worker could load): the source of every function above, which call only each other and `Math`,
 * and `cellMath` holding the three a caller needs, under the names the text gives them (a bundler may rename).
 */
export function cellMathScript(): string {
  return [
    // Run from source, tsx compiles with esbuild's keepNames, which wraps a named inner function in
    // __name(fn, "name"); the bundles do not (tools/build.ts leaves keepNames off). None of these functions has
    // one now; the identity keeps the text valid if one is added.
    'var __name = (f) => f;',
    ...CELL_MATH_FUNCTIONS.map(String),
    `const cellMath = { layerForward: ${layerForward.name}, layerOutput: ${layerOutput.name}, layerBackward: ${layerBackward.name} };`,
  ].join('\n');
}
