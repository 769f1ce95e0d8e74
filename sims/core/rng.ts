/**
 * Seeded pseudo-random numbers for the simulator (xoshiro128**, seeded by splitmix32).
 *
 * Every source of randomness in a run is its own named stream derived from (seed, label): each
 * miner's share times, each link's jitter, the flood, the variance trials. A change in how often
 * one stream is drawn from (say, uncles on or off) then leaves the other streams untouched, which
 * keeps paired runs ("same seed, maxUncles 0 vs 3") as alike as their rules allow.
 */
export class Rng {
  private a: number
  private b: number
  private c: number
  private d: number

  private constructor(seed32: number) {
    let s = seed32 >>> 0
    const next = (): number => {
      s = (s + 0x9e3779b9) >>> 0
      let z = s
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0
      return (z ^ (z >>> 16)) >>> 0
    }
    this.a = next()
    this.b = next()
    this.c = next()
    this.d = next()
    if ((this.a | this.b | this.c | this.d) === 0) this.d = 1
  }

  /** The stream named `label` of run `seed`. */
  static stream(seed: number, label: string): Rng {
    return new Rng(fnv1a(`${seed >>> 0}/${label}`))
  }

  /** A uniform 32-bit unsigned integer. */
  u32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0
    const t = this.b << 9
    this.c ^= this.a
    this.d ^= this.b
    this.b ^= this.c
    this.a ^= this.d
    this.c ^= t
    this.d = rotl(this.d, 11)
    return result
  }

  /** Uniform in [0, 1) with 53 bits of precision. */
  float(): number {
    return ((this.u32() >>> 5) * 67108864 + (this.u32() >>> 6)) / 9007199254740992
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float()
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n)
  }

  /** Exponentially distributed with the given mean (the waiting time of a Poisson process). */
  exp(mean: number): number {
    return -mean * Math.log(1 - this.float())
  }

  /** Poisson-distributed count with mean `lambda` (Knuth for small means, summed halves above). */
  poisson(lambda: number): number {
    if (lambda <= 0) return 0
    if (lambda > 30) return this.poisson(lambda / 2) + this.poisson(lambda / 2)
    const limit = Math.exp(-lambda)
    let k = 0
    let p = this.float()
    while (p > limit) {
      k++
      p *= this.float()
    }
    return k
  }

  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i += 4) {
      const v = this.u32()
      for (let j = 0; j < 4 && i + j < n; j++) out[i + j] = (v >>> (8 * j)) & 0xff
    }
    return out
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

/**
 * Draws indices with probability proportional to fixed weights in O(1) (Walker's alias method):
 * the variance scenario draws millions of "which miner found this share".
 */
export class AliasTable {
  private readonly prob: Float64Array
  private readonly alias: Int32Array

  constructor(weights: readonly number[]) {
    const n = weights.length
    if (n === 0) throw new Error('alias table needs at least one weight')
    const total = weights.reduce((s, w) => s + w, 0)
    this.prob = new Float64Array(n)
    this.alias = new Int32Array(n)
    const scaled = weights.map((w) => (w * n) / total)
    const small: number[] = []
    const large: number[] = []
    scaled.forEach((p, i) => (p < 1 ? small : large).push(i))
    while (small.length > 0 && large.length > 0) {
      const s = small.pop() as number
      const l = large.pop() as number
      this.prob[s] = scaled[s] as number
      this.alias[s] = l
      scaled[l] = (scaled[l] as number) + (scaled[s] as number) - 1
      ;((scaled[l] as number) < 1 ? small : large).push(l)
    }
    for (const i of [...small, ...large]) this.prob[i] = 1
  }

  draw(rng: Rng): number {
    const i = rng.int(this.prob.length)
    return rng.float() < (this.prob[i] as number) ? i : (this.alias[i] as number)
  }
}
