import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { makeShareJob, type BlockFields } from '../../../src/sharechain/build.js'
import type { ShareChain } from '../../../src/sharechain/chain.js'
import { ShareJobFactory } from '../../../src/sharechain/coinbase-layout.js'
import { shareCommitment, shareCommitmentFor, shareCommitmentHexFor } from '../../../src/sharechain/commitment.js'
import { finishClassSplit, finishSplit, outsiderClassSplit, outsiderSplit, prepareSplit } from '../../../src/sharechain/payouts.js'
import type { WorkBase } from '../../../src/sharechain/state.js'
import { minerScript, testParams } from '../../harness/sharechain.js'

/**
 * The patched per-finder coinbase (ShareJobFactory) against the builder validation uses
 * (makeShareJob): consensus depends on them being byte-identical for every finder.
 */
const params = testParams({ minPayout: 10_000, maxOutputs: 100, finderBonusBps: 50 })

/** Every standard output type: p2pkh, p2sh, p2wpkh, p2wsh, p2tr. */
const scriptOfType = (type: number, body: Uint8Array): Uint8Array => {
  const h20 = body.slice(0, 20)
  const h32 = body.slice(0, 32)
  switch (type) {
    case 0:
      return Uint8Array.from([0x76, 0xa9, 0x14, ...h20, 0x88, 0xac])
    case 1:
      return Uint8Array.from([0xa9, 0x14, ...h20, 0x87])
    case 2:
      return Uint8Array.from([0x00, 0x14, ...h20])
    case 3:
      return Uint8Array.from([0x00, 0x20, ...h32])
    default:
      return Uint8Array.from([0x51, 0x20, ...h32])
  }
}
const anyScript = fc.tuple(fc.integer({ min: 0, max: 4 }), fc.uint8Array({ minLength: 32, maxLength: 32 })).map(([t, b]) => scriptOfType(t, b))

interface Case {
  weights: Map<string, bigint>
  value: bigint
  seed: Uint8Array
  p: typeof params
}

function workBase(c: Case, uncles: Uint8Array[], height: number): WorkBase {
  const base = (value: bigint): ReturnType<typeof prepareSplit> => prepareSplit(c.p, c.weights, value)
  return {
    chain: { consensusId: c.p.salt, params: c.p } as unknown as ShareChain,
    parent: null,
    parentId: c.seed,
    height,
    shareBits: 0x1d00ffff,
    minTime: 0,
    uncles,
    payouts: (script, value, limit) => (limit == null ? finishSplit(c.p, base(value), script, c.seed) : finishClassSplit(c.p, base(value), script, c.seed, limit)),
    outsiderPayouts: (value, limit, length) => (limit == null ? outsiderSplit(c.p, base(value), c.seed) : outsiderClassSplit(c.p, base(value), c.seed, limit, length ?? 22))
  }
}

function block(value: bigint, tag: Uint8Array, witness: Uint8Array | null, height: number): BlockFields {
  return { blockHeight: height, coinbaseValue: value, witnessCommitment: witness, merkleBranch: [], tag }
}

describe('per-finder coinbases patched into a shared layout', () => {
  it('are byte-identical to makeShareJob for random windows, finders in and out of the window, every address type, values, coinbase classes (property)', () => {
    let patched = 0
    fc.assert(
      fc.property(
        // Small weights make ties; large ones make distinct amounts.
        fc.array(fc.tuple(anyScript, fc.oneof(fc.bigInt({ min: 1n, max: 5n }), fc.bigInt({ min: 1n, max: 1n << 70n }))), { maxLength: 130 }),
        fc.oneof(fc.bigInt({ min: 0n, max: 20_000n }), fc.bigInt({ min: 0n, max: 2_100_000_000_000_000n })),
        fc.array(fc.tuple(fc.oneof(anyScript.map((s) => ({ inWindow: false as const, script: s })), fc.nat().map((i) => ({ inWindow: true as const, index: i }))), fc.integer({ min: 0, max: 4 })), { minLength: 1, maxLength: 8 }),
        fc.record({
          maxOutputs: fc.integer({ min: 1, max: 130 }),
          minPayout: fc.integer({ min: 0, max: 5_000_000 }),
          finderBonusBps: fc.integer({ min: 0, max: 10_000 })
        }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.record({
          tag: fc.uint8Array({ minLength: 0, maxLength: 80 }),
          witness: fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 })),
          extranonceSize: fc.integer({ min: 1, max: 16 }),
          uncles: fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 3 }),
          height: fc.integer({ min: 0, max: 2 ** 31 }),
          blockHeight: fc.integer({ min: 0, max: 2 ** 31 })
        }),
        (entries, value, finders, rules, seed, shape) => {
          const weights = new Map(entries.map(([s, w]) => [toHex(s), w] as const))
          const c: Case = { weights, value, seed, p: { ...params, ...rules } }
          const base = workBase(c, shape.uncles, shape.height)
          const fields = block(value, shape.tag.slice(0, 90 - 5 - shape.extranonceSize), shape.witness, shape.blockHeight)
          const factory = new ShareJobFactory(base, fields, shape.extranonceSize)
          if (factory.patchesOutsiders) patched++
          for (const [f, coinbaseClass] of finders) {
            const script = f.inWindow ? (entries.length === 0 ? minerScript(1) : (entries[f.index % entries.length] as [Uint8Array, bigint])[0]) : f.script
            const expected = makeShareJob(base, fields, script, shape.extranonceSize, coinbaseClass).parts
            const got = factory.jobFor(script, coinbaseClass).parts
            expect(toHex(got.coinb1)).toBe(toHex(expected.coinb1))
            expect(toHex(got.coinb2)).toBe(toHex(expected.coinb2))
            expect(got.extranonceSize).toBe(expected.extranonceSize)
          }
        }
      ),
      { seed: 13, numRuns: 400 }
    )
    // The property must exercise the patched path, not only the fallback.
    expect(patched).toBeGreaterThan(100)
  })

  it('commits to each finder as shareCommitment does', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 4 }), fc.nat(), fc.array(anyScript, { minLength: 1, maxLength: 5 }), (parent, uncles, height, scripts) => {
        const info = { height, parent, uncles, shareBits: 0x1e00ffff }
        const forScript = shareCommitmentFor(params.salt, info)
        for (const payoutScript of scripts) expect(toHex(forScript(payoutScript))).toBe(toHex(shareCommitment(params.salt, { ...info, payoutScript })))
      }),
      { seed: 5, numRuns: 100 }
    )
  })

  it('remembers commitments per share base without mixing bases up (a new template on the same tip reuses them)', () => {
    // Bases interleaved past the two remembered, and the same base asked for again: every answer
    // must be the base's own commitment, whether looked up or hashed again.
    const bases = [1, 2, 3, 1, 2, 1, 4, 1].map((n) => ({ height: 100 + n, parent: new Uint8Array(32).fill(n), uncles: n % 2 === 0 ? [new Uint8Array(32).fill(9)] : [], shareBits: 0x1e00ffff }))
    const scripts = [0, 1, 2, 3].map((t) => scriptOfType(t, new Uint8Array(32).fill(t + 1)))
    for (const info of bases) {
      for (let round = 0; round < 2; round++) {
        const hexFor = shareCommitmentHexFor(params.salt, info)
        for (const payoutScript of scripts) expect(hexFor(payoutScript, toHex(payoutScript))).toBe(toHex(shareCommitment(params.salt, { ...info, payoutScript })))
      }
    }
    // Another cooperative's consensus id on the same fields is another commitment.
    const other = shareCommitmentHexFor(new Uint8Array(32).fill(0xee), bases[0] as (typeof bases)[0])
    const script = scripts[0] as Uint8Array
    expect(other(script, toHex(script))).not.toBe(shareCommitmentHexFor(params.salt, bases[0] as (typeof bases)[0])(script, toHex(script)))
  })

  it('builds each finder with the builder when the lottery prize ties a kept finder (their order is by script)', () => {
    // Hand-made split base: A is kept, the finder (1000) is kept, B + C = 1000 go to the pot.
    const [a, b, c] = [0x30, 0x60, 0x90].map((fill) => toHex(scriptOfType(2, new Uint8Array(32).fill(fill)))) as [string, string, string]
    const entries = [
      { script: a, amount: 5000n, slot: 0 },
      { script: b, amount: 600n, slot: 1 },
      { script: c, amount: 400n, slot: 2 }
    ]
    const splitBase = { value: 7000n, toFinder: 1000n, ranked: entries, byScript: entries }
    const p = { ...params, minPayout: 700, maxOutputs: 10 }
    const seed = new Uint8Array(32).fill(4)
    expect(outsiderSplit(p, splitBase, seed)).toBeNull()
    const base: WorkBase = { ...workBase({ weights: new Map(), value: 7000n, seed, p }, [], 7), payouts: (script) => finishSplit(p, splitBase, script, seed), outsiderPayouts: () => outsiderSplit(p, splitBase, seed) }
    const fields = block(7000n, new Uint8Array(0), null, 100)
    const factory = new ShareJobFactory(base, fields, 8)
    // Finders whose scripts sort before and after the prize's: the prize moves around them.
    for (const fill of [0x00, 0x50, 0xff]) {
      const finder = scriptOfType(2, new Uint8Array(32).fill(fill))
      expect(toHex(factory.jobFor(finder).parts.coinb2)).toBe(toHex(makeShareJob(base, fields, finder, 8).parts.coinb2))
    }
  })

  it('patches outsiders in a typical window of 100 payees', () => {
    const weights = new Map(Array.from({ length: 100 }, (_, i) => [toHex(minerScript(i)), 1_000_000n + BigInt(i) * 7919n] as const))
    const c: Case = { weights, value: 312_500_000n, seed: new Uint8Array(32).fill(9), p: params }
    const base = workBase(c, [], 1000)
    const fields = block(c.value, new TextEncoder().encode('/hashcoop/'), new Uint8Array(32).fill(1), 900_000)
    const factory = new ShareJobFactory(base, fields, 12)
    expect(factory.patchesOutsiders).toBe(true)
    for (const i of [0, 50, 99, 100, 5000]) {
      expect(toHex(factory.jobFor(minerScript(i)).parts.coinb2)).toBe(toHex(makeShareJob(base, fields, minerScript(i), 12).parts.coinb2))
    }
  })
})
