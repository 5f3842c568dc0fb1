/**
 * Sliding windows for direct multi-step forecasting. A window is named by its origin row o, the last row the
 * forecaster may see: its input is rows o − L + 1 … o of the ordered features (L = input length) and its targets
 * are the target at rows o + 1 … o + H (H = horizon), all predicted at once rather than one step fed back into
 * the next.
 *
 * Porting note: upstream FLTS (`window_data`) numbers windows by their first input row s, with
 * X = rows s … s+L−1 and Y = rows s+L … s+L+H−1; our origin is o = s + L − 1, so the windows are the same.
 */
import { InvalidParameterError, type ParameterIssue } from '../errors.js';

/** The two lengths every window of a task shares. */
export interface WindowShape {
  /** Past time steps the forecaster reads (L ≥ 1). */
  inputLength: number;
  /** Future time steps forecast from each origin (H ≥ 1). */
  horizon: number;
}

/** Throws InvalidParameterError naming every length that is not a positive integer. */
export function validateWindowShape(shape: WindowShape): void {
  const issues = windowShapeIssues(shape);
  if (issues.length > 0) throw new InvalidParameterError(issues);
}

/** The problems with `shape`, as parameter issues (`input_length`, `horizon`), for callers that collect issues. */
export function windowShapeIssues(shape: WindowShape): ParameterIssue[] {
  const issues: ParameterIssue[] = [];
  for (const [path, value] of [['input_length', shape.inputLength], ['horizon', shape.horizon]] as const) {
    if (!Number.isInteger(value) || value < 1) issues.push({ path, message: `Parameter "${path}" must be a positive integer; got ${value}.` });
  }
  return issues;
}

/** Rows in one complete window: input plus targets. */
export function windowSpan(shape: WindowShape): number {
  return shape.inputLength + shape.horizon;
}

export interface OriginOptions {
  /**
   * First row that may be a target: only origins whose H targets all lie at or after this row are kept (the
   * input may still reach back before it). Used to forecast one split with context from the splits before it.
   * @default 0
   */
  firstTarget?: number;
  /**
   * Timestamps (epoch ms) of the rows and their expected spacing: when given, windows whose rows are not
   * `frequencyMs` apart throughout (a gap, a duplicate) are left out, so every window is real, contiguous data.
   */
  time?: ArrayLike<number>;
  frequencyMs?: number;
}

/** The range of origins [first, last] that fit in `rows` rows, before gaps are considered; empty when last < first. */
export function originBounds(rows: number, shape: WindowShape, firstTarget = 0): { first: number; last: number } {
  return { first: Math.max(shape.inputLength - 1, firstTarget - 1), last: rows - 1 - shape.horizon };
}

/** Every origin o with a full input window (o ≥ L − 1) and all H targets inside the data, in increasing order. */
export function windowOrigins(rows: number, shape: WindowShape, options: OriginOptions = {}): Int32Array {
  const { first, last } = originBounds(rows, shape, options.firstTarget ?? 0);
  if (last < first) return new Int32Array(0);
  const irregular = options.time !== undefined && options.frequencyMs !== undefined ? irregularStepCounts(options.time, options.frequencyMs) : undefined;
  const origins: number[] = [];
  for (let o = first; o <= last; o++) {
    // irregular[i] counts the irregular steps among rows 1..i; the window's steps are rows o−L+2 … o+H.
    if (irregular && irregular[o + shape.horizon]! - irregular[o - shape.inputLength + 1]! > 0) continue;
    origins.push(o);
  }
  return Int32Array.from(origins);
}

/** Prefix counts: out[i] is how many of the steps time[k−1] → time[k], k ≤ i, differ from `frequencyMs`. */
function irregularStepCounts(time: ArrayLike<number>, frequencyMs: number): Int32Array {
  const out = new Int32Array(time.length);
  for (let i = 1; i < time.length; i++) out[i] = out[i - 1]! + (time[i]! - time[i - 1]! === frequencyMs ? 0 : 1);
  return out;
}

/**
 * The model inputs of the windows at `origins`: shape (n, L, F), row-major, so x[(i·L + t)·F + f] is feature f
 * at row origins[i] − L + 1 + t. Float32 because that is what the model consumes.
 */
export function windowInputs(features: readonly ArrayLike<number>[], origins: ArrayLike<number>, inputLength: number): Float32Array {
  const featureCount = features.length;
  const out = new Float32Array(origins.length * inputLength * featureCount);
  let k = 0;
  for (let i = 0; i < origins.length; i++) {
    const start = origins[i]! - inputLength + 1;
    for (let t = 0; t < inputLength; t++) {
      for (let f = 0; f < featureCount; f++) out[k++] = features[f]![start + t]!;
    }
  }
  return out;
}

/** The targets of the windows at `origins`: shape (n, H), row-major, so y[i·H + h − 1] is the target at row origins[i] + h. */
export function windowTargets(target: ArrayLike<number>, origins: ArrayLike<number>, horizon: number): Float64Array {
  const out = new Float64Array(origins.length * horizon);
  for (let i = 0; i < origins.length; i++) {
    for (let h = 1; h <= horizon; h++) out[i * horizon + h - 1] = target[origins[i]! + h]!;
  }
  return out;
}
