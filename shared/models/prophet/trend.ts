/**
 * Prophet's trend functions as pure maths over arrays (`piecewise_linear`, `piecewise_logistic`,
 * `flat_trend`), the logistic offsets γ that keep the piecewise logistic continuous, and the changepoint
 * segment of each time (the rows of Stan's changepoint matrix A).
 */

/**
 * Piecewise linear trend: slope `k + Σ δ_j` and offset `m − Σ s_j δ_j` over the changepoints `s_j ≤ t`.
 * @param t scaled times
 * @param deltas rate change at each changepoint
 * @param changepoint_ts changepoint times (scaled)
 */
export function piecewiseLinear(
  t: ArrayLike<number>,
  deltas: ArrayLike<number>,
  k: number,
  m: number,
  changepoint_ts: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(t.length);
  for (let i = 0; i < t.length; i++) {
    const ti = t[i]!;
    let dk = 0;
    let dm = 0;
    for (let j = 0; j < changepoint_ts.length; j++) {
      if (changepoint_ts[j]! <= ti) {
        dk += deltas[j]!;
        dm += deltas[j]! * -changepoint_ts[j]!;
      }
    }
    out[i] = (dk + k) * ti + (dm + m);
  }
  return out;
}

/**
 * The offset adjustments γ_j of the piecewise logistic trend, so that it is continuous at each changepoint:
 * `γ_j = (s_j − m − Σ_{l<j} γ_l) · (1 − k_j / k_{j+1})` with `k_j` the rate before changepoint j.
 */
export function logisticGammas(deltas: ArrayLike<number>, k: number, m: number, changepoint_ts: ArrayLike<number>): Float64Array {
  const S = changepoint_ts.length;
  const gammas = new Float64Array(S);
  let kPrev = k;
  let cumDelta = 0;
  let gammaSum = 0;
  for (let i = 0; i < S; i++) {
    cumDelta += deltas[i]!;
    const kNext = cumDelta + k;
    gammas[i] = (changepoint_ts[i]! - m - gammaSum) * (1 - kPrev / kNext);
    gammaSum += gammas[i]!;
    kPrev = kNext;
  }
  return gammas;
}

/** Piecewise logistic trend `cap / (1 + exp(−k_t (t − m_t)))`, with rate and offset changing at the changepoints. */
export function piecewiseLogistic(
  t: ArrayLike<number>,
  cap: ArrayLike<number>,
  deltas: ArrayLike<number>,
  k: number,
  m: number,
  changepoint_ts: ArrayLike<number>,
): Float64Array {
  const gammas = logisticGammas(deltas, k, m, changepoint_ts);
  const out = new Float64Array(t.length);
  for (let i = 0; i < t.length; i++) {
    const ti = t[i]!;
    let k_t = k;
    let m_t = m;
    for (let s = 0; s < changepoint_ts.length; s++) {
      if (ti >= changepoint_ts[s]!) {
        k_t += deltas[s]!;
        m_t += gammas[s]!;
      }
    }
    out[i] = cap[i]! / (1 + Math.exp(-k_t * (ti - m_t)));
  }
  return out;
}

/** Flat trend: `m` everywhere. */
export function flatTrend(t: ArrayLike<number>, m: number): Float64Array {
  return new Float64Array(t.length).fill(m);
}

/**
 * For each time, how many changepoints are at or before it: the number of leading ones in its row of Stan's
 * changepoint matrix A (`A[i, j] = 1` when `t_i ≥ s_j`). `changepoint_ts` must be sorted.
 */
export function changepointSegments(t: ArrayLike<number>, changepoint_ts: ArrayLike<number>): Int32Array {
  const out = new Int32Array(t.length);
  const S = changepoint_ts.length;
  for (let i = 0; i < t.length; i++) {
    const ti = t[i]!;
    let lo = 0;
    let hi = S;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (changepoint_ts[mid]! <= ti) lo = mid + 1;
      else hi = mid;
    }
    out[i] = lo;
  }
  return out;
}
