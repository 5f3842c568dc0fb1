/**
 * A small seeded random source for the uncertainty simulation: xoshiro128** (Blackman and Vigna), seeded
 * through splitmix32, with uniform, normal (Marsaglia's polar method) and Laplace (numpy's inversion) draws.
 *
 * Porting note: Prophet draws from numpy's global, unseeded RNG, so its intervals differ run to run; ours are
 * reproducible for a given seed and agree with Prophet's statistically, not draw for draw.
 */

export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spare: number | undefined;

  constructor(seed: number) {
    // splitmix32 spreads any 32-bit seed over the 128-bit state (never all zero).
    let a = seed | 0;
    const next = (): number => {
      a = (a + 0x9e3779b9) | 0;
      let t = a ^ (a >>> 16);
      t = Math.imul(t, 0x21f0aaad);
      t ^= t >>> 15;
      t = Math.imul(t, 0x735a2d97);
      return (t ^ (t >>> 15)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** The next 32 random bits, as an unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform on [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal draw. */
  normal(): number {
    if (this.spare !== undefined) {
      const value = this.spare;
      this.spare = undefined;
      return value;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const factor = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * factor;
    return u * factor;
  }

  /** Laplace(0, scale) by inversion, as numpy's `random.laplace` computes it. */
  laplace(scale: number): number {
    for (;;) {
      const u = this.uniform();
      if (u >= 0.5) return -scale * Math.log(2 - u - u);
      if (u > 0) return scale * Math.log(u + u);
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
