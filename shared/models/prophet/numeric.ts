/**
 * The few numpy/pandas numerics Prophet leans on, reproduced with numpy's own rounding and interpolation
 * rules: round-half-to-even, `linspace`, mean, sample standard deviation and `percentile` (linear).
 */

/** numpy's `round`/`rint`: halves go to the even neighbour (`Math.round` sends them up). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round rounds .5 up; numpy rounds it to the even integer.
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** numpy's `linspace(start, stop, num)` with its arithmetic: `i * ((stop − start) / (num − 1)) + start`, last = stop. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  if (num === 1) {
    out[0] = start;
    return out;
  }
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  out[num - 1] = stop;
  return out;
}

/** Arithmetic mean. */
export function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return sum / values.length;
}

/** pandas `Series.std()`: the sample standard deviation (ddof = 1). */
export function sampleStd(values: ArrayLike<number>): number {
  const mu = mean(values);
  let ss = 0;
  for (let i = 0; i < values.length; i++) {
    const d = values[i]! - mu;
    ss += d * d;
  }
  return Math.sqrt(ss / (values.length - 1));
}

/** Smallest and largest value. */
export function extent(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

/**
 * numpy `percentile(a, p)` with the default linear method, over `n` values of `a` starting at `offset`.
 * Reorders that slice in place (selection instead of a full sort; the result is the same).
 */
export function percentileInPlace(a: Float64Array, offset: number, n: number, p: number): number {
  // numpy: q = p / 100; virtual index = q * (n - 1); lerp between the neighbouring order statistics.
  const index = (p / 100) * (n - 1);
  const below = Math.floor(index);
  const t = index - below;
  const lo = select(a, offset, n, below);
  if (t === 0 || below + 1 >= n) return lo;
  // The next order statistic is the minimum of the part after `below` (select partitioned around it).
  let hi = Infinity;
  for (let i = offset + below + 1; i < offset + n; i++) if (a[i]! < hi) hi = a[i]!;
  return lerp(lo, hi, t);
}

/**
 * Two percentiles `pLo < pHi` of the same slice (as `percentileInPlace` each), the second selected only
 * among the values above the first.
 */
export function percentilePairInPlace(a: Float64Array, offset: number, n: number, pLo: number, pHi: number): [number, number] {
  const lo = percentileInPlace(a, offset, n, pLo);
  const skip = Math.floor((pLo / 100) * (n - 1)) + 1;
  const index = (pHi / 100) * (n - 1);
  if (Math.floor(index) < skip) return [lo, percentileInPlace(a, offset, n, pHi)];
  // Order statistic j of the slice is order statistic j − skip of the part after the first `skip` values.
  const rest = n - skip;
  const below = Math.floor(index) - skip;
  const t = index - Math.floor(index);
  const v = select(a, offset + skip, rest, below);
  if (t === 0 || below + 1 >= rest) return [lo, v];
  let next = Infinity;
  for (let i = offset + skip + below + 1; i < offset + n; i++) if (a[i]! < next) next = a[i]!;
  return [lo, lerp(v, next, t)];
}

/** numpy's `_lerp`: `a + (b − a)·t`, computed from `b` when t ≥ 0.5 so that t = 1 gives b exactly. */
export function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** The k-th smallest of a[offset .. offset+n) (Hoare quickselect); leaves smaller values before it. */
function select(a: Float64Array, offset: number, n: number, k: number): number {
  let left = offset;
  let right = offset + n - 1;
  const target = offset + k;
  while (right > left) {
    const pivot = a[(left + right) >> 1]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const tmp = a[i]!;
        a[i] = a[j]!;
        a[j] = tmp;
        i++;
        j--;
      }
    }
    if (target <= j) right = j;
    else if (target >= i) left = i;
    else break;
  }
  return a[target]!;
}

/** Rounds to `digits` significant digits, as CmdStan's CSV output does with `sig_figs`. */
export function toSignificant(x: number, digits: number): number {
  return x === 0 || !Number.isFinite(x) ? x : Number(x.toPrecision(digits));
}
