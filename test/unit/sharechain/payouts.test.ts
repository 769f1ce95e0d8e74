import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { finishSplit, prepareSplit, splitCoinbase } from '../../../src/sharechain/payouts.js'
import { outputSize } from '../../../src/bitcoin/coinbase.js'
import { TestChain, minerScript, testParams } from '../../harness/sharechain.js'
import { referenceSplit } from '../../harness/reference-split.js'

const params = testParams({ minPayout: 10_000, maxOutputs: 100, finderBonusBps: 50 })

describe('the PPLNS split', () => {
  it('always sums exactly to the coinbase value (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 400 }), fc.bigInt({ min: 1n, max: 1n << 80n })), { maxLength: 300 }),
        fc.bigInt({ min: 0n, max: 2_100_000_000_000_000n }),
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (entries, value, finder, maxOutputs, minPayout) => {
          const weights = new Map<string, bigint>()
          for (const [i, w] of entries) weights.set(toHex(minerScript(i)), (weights.get(toHex(minerScript(i))) ?? 0n) + w)
          const p = { ...params, maxOutputs, minPayout }
          const split = splitCoinbase(p, weights, value, minerScript(finder), new Uint8Array(32).fill(3))
          const sum = split.outputs.reduce((a, o) => a + o.value, 0n)
          expect(sum).toBe(value)
          expect(split.outputs.length).toBeLessThanOrEqual(maxOutputs)
          expect(new Set(split.outputs.map((o) => toHex(o.script))).size).toBe(split.outputs.length)
        }
      ),
      { seed: 7, numRuns: 300 }
    )
  })

  it('equals a literal reading of SPEC.md §7 on any weights, scripts, finder, cap and minimum (property)', () => {
    // Arbitrary scripts, so that some are prefixes of others and ties in amount are broken by bytes.
    const script = fc.uint8Array({ minLength: 0, maxLength: 6 })
    fc.assert(
      fc.property(
        fc.array(fc.tuple(script, fc.oneof(fc.bigInt({ min: 0n, max: 4n }), fc.bigInt({ min: 1n, max: 1n << 90n }))), { maxLength: 120 }),
        fc.oneof(fc.bigInt({ min: 0n, max: 1000n }), fc.bigInt({ min: 0n, max: 2_100_000_000_000_000n })),
        fc.oneof(script, fc.constant(new Uint8Array(0))),
        fc.integer({ min: 1, max: 130 }),
        fc.integer({ min: 0, max: 5_000_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.oneof(fc.constant('none' as const), fc.constant('same scripts' as const), fc.array(script, { maxLength: 4 })),
        fc.integer({ min: 0, max: 1000 }),
        (entries, value, finder, maxOutputs, minPayout, finderBonusBps, seed, hint, shuffle) => {
          const weights = new Map(entries.map(([s, w]) => [toHex(s), w] as const))
          const p = { ...params, maxOutputs, minPayout, finderBonusBps }
          const expected = referenceSplit(p, weights, value, finder, seed)
          // The ordering hint of a neighbouring window: same scripts with other weights, or others.
          const hintWeights = new Map([...weights].map(([k, w], i) => [k, hint === 'same scripts' ? w + BigInt((i * shuffle) % 7) : w] as const))
          if (Array.isArray(hint)) for (const h of hint) hintWeights.set(toHex(h), 3n)
          const hintBase = hint === 'none' ? undefined : prepareSplit(p, hintWeights, value / 2n)
          for (const split of [splitCoinbase(p, weights, value, finder, seed), finishSplit(p, prepareSplit(p, weights, value, hintBase), finder, seed)]) {
            expect(split.outputs.map((o) => [toHex(o.script), o.value])).toEqual(expected.outputs.map((o) => [toHex(o.script), o.value]))
            expect(split.lottery).toEqual(expected.lottery)
            expect(new Map(split.earned)).toEqual(expected.earned)
          }
        }
      ),
      { seed: 11, numRuns: 400 }
    )
  })

  it('refuses a weights key that is not lowercase hex (its order would not be the bytes order)', () => {
    const weights = new Map([['00AB', 5n]])
    expect(() => splitCoinbase(params, weights, 1000n, minerScript(1), new Uint8Array(32))).toThrow(/lowercase hex/)
  })

  it('pays the finder bonus and the rounding remainder to the finder', () => {
    const weights = new Map([
      [toHex(minerScript(1)), 1n],
      [toHex(minerScript(2)), 2n]
    ])
    const split = splitCoinbase({ ...params, minPayout: 1 }, weights, 1_000_001n, minerScript(1), new Uint8Array(32))
    // bonus = 5000; D = 995001; miner1 = 331667 (floor), miner2 = 663334; remainder 0 ... finder gets bonus + share + remainder.
    const byScript = new Map(split.outputs.map((o) => [toHex(o.script), o.value]))
    const d = 1_000_001n - 5_000n
    const m2 = (d * 2n) / 3n
    expect(byScript.get(toHex(minerScript(2)))).toBe(m2)
    expect(byScript.get(toHex(minerScript(1)))).toBe(1_000_001n - m2)
  })

  it('orders outputs by amount descending, then script bytes', () => {
    const weights = new Map([1, 2, 3, 4].map((i) => [toHex(minerScript(i)), BigInt(i % 2 === 0 ? 10 : 5)] as const))
    const split = splitCoinbase({ ...params, minPayout: 1, finderBonusBps: 0 }, weights, 3_000_000n, minerScript(2), new Uint8Array(32))
    const values = split.outputs.map((o) => o.value)
    expect([...values].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))).toEqual(values)
  })

  it('300 miners: the coinbase stays within the output cap, the smallest amounts go to one lottery output with their exact sum', () => {
    const weights = new Map<string, bigint>()
    for (let i = 0; i < 300; i++) weights.set(toHex(minerScript(i)), BigInt(1 + i * i)) // spread over 5 orders of magnitude
    const value = 312_500_000n
    const split = splitCoinbase(params, weights, value, minerScript(299), new Uint8Array(32).fill(1))
    expect(split.outputs.length).toBeLessThanOrEqual(params.maxOutputs)
    expect(split.outputs.reduce((a, o) => a + o.value, 0n)).toBe(value)

    // SPEC §7.4: ranked amounts; the top (maxOutputs - 1) at or above minPayout keep their outputs,
    // every other amount goes to the pot, paid whole to one pot member.
    const ranked = [...split.earned.entries()].sort(([sa, a], [sb, b]) => (a === b ? sa.localeCompare(sb) : a > b ? -1 : 1))
    const kept = ranked.filter(([, a]) => a >= BigInt(params.minPayout)).slice(0, params.maxOutputs - 1)
    const keptSet = new Set(kept.map(([s]) => s))
    const pot = ranked.filter(([s]) => !keptSet.has(s))
    const potSum = pot.reduce((a, [, v]) => a + v, 0n)
    expect(split.lottery).not.toBeNull()
    expect(split.lottery?.pot).toBe(potSum)
    expect(pot.map(([s]) => s)).toContain(split.lottery?.winner)
    for (const [s, v] of kept) expect(split.outputs.find((o) => toHex(o.script) === s)?.value).toBe(v)
    const bytes = split.outputs.reduce((a, o) => a + outputSize(o.script), 0)
    expect(bytes).toBeLessThan(100 * 43)
  })

  it('the lottery pays each pot member its amount in expectation (over many seeds)', () => {
    const weights = new Map<string, bigint>([
      [toHex(minerScript(1)), 1_000_000n],
      [toHex(minerScript(2)), 2n],
      [toHex(minerScript(3)), 6n]
    ])
    const p = { ...params, minPayout: 100_000, finderBonusBps: 0 }
    const value = 100_000_000n
    const wins = new Map<string, bigint>()
    const runs = 4000
    for (let i = 0; i < runs; i++) {
      const seed = new Uint8Array(32)
      new DataView(seed.buffer).setUint32(0, i)
      const split = splitCoinbase(p, weights, value, minerScript(1), seed)
      if (split.lottery !== null) wins.set(split.lottery.winner, (wins.get(split.lottery.winner) ?? 0n) + split.lottery.pot)
    }
    const s2 = Number(wins.get(toHex(minerScript(2))) ?? 0n) / runs
    const s3 = Number(wins.get(toHex(minerScript(3))) ?? 0n) / runs
    const split = splitCoinbase(p, weights, value, minerScript(1), new Uint8Array(32))
    const e2 = Number(split.earned.get(toHex(minerScript(2))))
    const e3 = Number(split.earned.get(toHex(minerScript(3))))
    expect(s2 / e2).toBeGreaterThan(0.85)
    expect(s2 / e2).toBeLessThan(1.15)
    expect(s3 / e3).toBeGreaterThan(0.9)
    expect(s3 / e3).toBeLessThan(1.1)
  })

  it('the split at a tip pays each miner in proportion to its work in the window', async () => {
    const c = await TestChain.create(testParams({ windowShares: 20, minPayout: 1, finderBonusBps: 0 }))
    for (let i = 0; i < 30; i++) await c.extend(minerScript(i % 4 === 0 ? 1 : 2))
    const base = await c.state.workBase(c.view)
    const split = base?.payouts(minerScript(3), 100_000_000n)
    const earned = split?.earned
    // window = the last 20 shares: one in four by miner 1 (equal targets up to retarget drift).
    const m1 = Number(earned?.get(toHex(minerScript(1))) ?? 0n)
    const m2 = Number(earned?.get(toHex(minerScript(2))) ?? 0n)
    expect(m1 / (m1 + m2)).toBeGreaterThan(0.2)
    expect(m1 / (m1 + m2)).toBeLessThan(0.3)
  })
})
