/**
 * A small seeded random source for the uncertainty simulation: xoshiro128** (Blackman and Vigna), seeded
 * through splitmix32, with uniform, normal (Marsaglia and Tsang's ziggurat, 128 layers) and Laplace (numpy's
 * inversion) draws.
 *
 * Porting note: Prophet draws from numpy's global, unseeded RNG, so its intervals differ run to run; ours are
 * reproducible for a given seed and agree with Prophet's statistically, not draw for draw.
 */

export class Random {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

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

  /**
   * Standard normal draw by the ziggurat of Marsaglia and Tsang (2000). The layer comes from the top 7 bits
   * and the value from the other 25, so the two are independent (Doornik 2005).
   */
  normal(): number {
    const u = this.nextUint32();
    const iz = u >>> 25;
    const hz = (u << 7) | 0;
    if (Math.abs(hz) < KN[iz]!) return hz * WN[iz]!;
    return this.normalTail(hz, iz);
  }

  /** The ziggurat's slow path: the base strip's tail, or a wedge, by rejection. */
  private normalTail(hz: number, iz: number): number {
    for (;;) {
      if (iz === 0) {
        let x: number;
        let y: number;
        do {
          x = -Math.log(1 - this.uniform()) / ZIGGURAT_R;
          y = -Math.log(1 - this.uniform());
        } while (y + y < x * x);
        return hz > 0 ? ZIGGURAT_R + x : -ZIGGURAT_R - x;
      }
      const x = hz * WN[iz]!;
      if (FN[iz]! + this.uniform() * (FN[iz - 1]! - FN[iz]!) < Math.exp(-0.5 * x * x)) return x;
      const u = this.nextUint32();
      iz = u >>> 25;
      hz = (u << 7) | 0;
      if (Math.abs(hz) < KN[iz]!) return hz * WN[iz]!;
    }
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

// Ziggurat tables (Marsaglia and Tsang's 128-layer setup), for values hz in (−2³¹, 2³¹).
const ZIGGURAT_R = 3.442619855899;
const KN = new Float64Array(128);
const WN = new Float64Array(128);
const FN = new Float64Array(128);
{
  const m1 = 2147483648.0;
  const vn = 9.91256303526217e-3;
  let dn = ZIGGURAT_R;
  let tn = dn;
  const q = vn / Math.exp(-0.5 * dn * dn);
  KN[0] = (dn / q) * m1;
  KN[1] = 0;
  WN[0] = q / m1;
  WN[127] = dn / m1;
  FN[0] = 1.0;
  FN[127] = Math.exp(-0.5 * dn * dn);
  for (let i = 126; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(vn / dn + Math.exp(-0.5 * dn * dn)));
    KN[i + 1] = (dn / tn) * m1;
    tn = dn;
    FN[i] = Math.exp(-0.5 * dn * dn);
    WN[i] = dn / m1;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
