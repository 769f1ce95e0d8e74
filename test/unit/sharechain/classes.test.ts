import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { assembleCoinbase, type TxOutput } from '../../../src/bitcoin/coinbase.js'
import { classBytes, classForBytes, classLimit, FULL_CLASS } from '../../../src/sharechain/classes.js'
import { shareCoinbaseParts } from '../../../src/sharechain/coinbase.js'
import { finishClassSplit, finishSplit, prepareSplit, type PayoutSplit } from '../../../src/sharechain/payouts.js'
import { ParamsError } from '../../../protocol/params.js'
import { TestChain, minerScript, testParams } from '../../harness/sharechain.js'
import { referenceClassSplit, referenceSplit } from '../../harness/reference-split.js'

/**
 * Coinbase classes (SPEC.md §7.6) against a literal reading of the spec: the budget holds, the
 * outputs sum to the value, and every member's expected amount is its uncapped amount.
 */
const params = testParams({ minPayout: 10_000, maxOutputs: 100, finderBonusBps: 50 })

/** p2pkh, p2sh, p2wpkh, p2wsh, p2tr: every standard payout script, at its real size. */
function scriptOfType(type: number, body: Uint8Array): Uint8Array {
  const h20 = body.slice(0, 20)
  const h32 = body.slice(0, 32)
  if (type === 0) return Uint8Array.from([0x76, 0xa9, 0x14, ...h20, 0x88, 0xac])
  if (type === 1) return Uint8Array.from([0xa9, 0x14, ...h20, 0x87])
  if (type === 2) return Uint8Array.from([0x00, 0x14, ...h20])
  if (type === 3) return Uint8Array.from([0x00, 0x20, ...h32])
  return Uint8Array.from([0x51, 0x20, ...h32])
}
const anyScript = fc.tuple(fc.integer({ min: 0, max: 4 }), fc.uint8Array({ minLength: 32, maxLength: 32 })).map(([t, b]) => scriptOfType(t, b))

/** A payout script and its weight: small weights make ties, large ones distinct amounts. */
const entryArb = fc.tuple(anyScript, fc.oneof(fc.bigInt({ min: 1n, max: 5n }), fc.bigInt({ min: 1n, max: 1n << 70n })))

const shapeArb = fc.record({
  blockHeight: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  extranonceSize: fc.integer({ min: 1, max: 16 }),
  tag: fc.uint8Array({ minLength: 0, maxLength: 60 }),
  witnessCommitment: fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }), { nil: null })
})

/**
 * Each member's expected payment as a rational num/den: its own output, or, in the pot, the pot
 * total times its chance (its amount over the pot's total), exactly. The prize output is the
 * pot's; every other output is its script's own.
 */
function expectedAmounts(split: PayoutSplit): Map<string, { num: bigint; den: bigint }> {
  const prizeAt = split.lottery === null ? -1 : split.outputs.findIndex((o) => toHex(o.script) === split.lottery?.winner && o.value === split.lottery.pot)
  const own = new Map<string, bigint>()
  split.outputs.forEach((o, i) => {
    if (i !== prizeAt) own.set(toHex(o.script), o.value)
  })
  const potMembers = [...split.earned].filter(([s]) => !own.has(s))
  const potTotal = potMembers.reduce((a, [, x]) => a + x, 0n)
  // The drawn pot must be exactly what its members are owed, or the chances are not amount / pot.
  expect(potTotal).toBe(split.lottery?.pot ?? 0n)
  const out = new Map<string, { num: bigint; den: bigint }>()
  for (const [s, v] of own) out.set(s, { num: v, den: 1n })
  for (const [s, a] of potMembers) out.set(s, potTotal === 0n ? { num: 0n, den: 1n } : { num: potTotal * a, den: potTotal })
  return out
}

describe('coinbase classes (SPEC.md §7.6)', () => {
  it('stay within their budget, sum to the value, keep every expected amount and equal a literal reading of the spec (property)', () => {
    let pots = 0
    let budgetBound = 0
    fc.assert(
      fc.property(
        fc.oneof(fc.array(entryArb, { maxLength: 12 }), fc.array(entryArb, { minLength: 30, maxLength: 260 })),
        fc.oneof(fc.bigInt({ min: 1n, max: 50_000n }), fc.bigInt({ min: 1_000_000_000n, max: 2_100_000_000_000_000n })),
        fc.oneof(anyScript, fc.nat()),
        fc.integer({ min: 0, max: 4 }),
        fc.record({ minPayout: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 0, max: 5_000_000 })), finderBonusBps: fc.integer({ min: 0, max: 1000 }) }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        shapeArb,
        (entries, value, finderPick, coinbaseClass, rules, seed, shape) => {
          const weights = new Map(entries.map(([s, w]) => [toHex(s), w] as const))
          const finder = typeof finderPick === 'number' ? (entries.length === 0 ? minerScript(1) : (entries[finderPick % entries.length] as [Uint8Array, bigint])[0]) : finderPick
          const p = { ...params, ...rules }
          const limitShape = { ...shape, hasWitnessCommitment: shape.witnessCommitment !== null }
          const limit = classLimit(p, coinbaseClass, limitShape)
          const base = prepareSplit(p, weights, value)
          const split = limit === null ? finishSplit(p, base, finder, seed) : finishClassSplit(p, base, finder, seed, limit)
          const budget = classBytes(p, coinbaseClass)
          const expected = budget === null ? referenceSplit(p, weights, value, finder, seed) : referenceClassSplit(p, weights, value, finder, seed, budget, shape)
          expect(split.outputs.map((o) => [toHex(o.script), o.value])).toEqual(expected.outputs.map((o) => [toHex(o.script), o.value]))
          expect(split.lottery).toEqual(expected.lottery)
          if (split.lottery !== null) pots++
          if (budget !== null && split.lottery !== null && split.outputs.length > 3) budgetBound++

          const coinbase = assembleCoinbase(
            shareCoinbaseParts({ consensusId: p.salt, info: { height: 1, parent: seed, uncles: [], shareBits: 0x1d00ffff, payoutScript: finder }, blockHeight: shape.blockHeight, extranonceSize: shape.extranonceSize, tag: shape.tag, witnessCommitment: shape.witnessCommitment, payouts: split.outputs }),
            new Uint8Array(shape.extranonceSize)
          )
          if (budget !== null) expect(coinbase.length).toBeLessThanOrEqual(budget)
          if (budget !== null && (split.earned.get(toHex(finder)) ?? 0n) > 0n) expect(split.outputs.some((o) => toHex(o.script) === toHex(finder) && o.value === split.earned.get(toHex(finder)))).toBe(true)
          expect(split.outputs.reduce((a, o: TxOutput) => a + o.value, 0n)).toBe(value)

          // The uncapped split: the same amounts, each paid as its own output.
          const uncapped = finishSplit({ ...p, minPayout: 0, maxOutputs: 4000 }, base, finder, seed).earned
          const got = expectedAmounts(split)
          for (const [script, amount] of uncapped) {
            const e = got.get(script) ?? { num: 0n, den: 1n }
            const diff = e.num - amount * e.den
            expect(diff <= e.den && -diff <= e.den).toBe(true)
          }
        }
      ),
      { seed: 21, numRuns: 300 }
    )
    // The property must exercise the pot, and byte budgets that cut the outputs, not only splits that fit.
    expect(pots).toBeGreaterThan(50)
    expect(budgetBound).toBeGreaterThan(30)
  })

  it('picks the largest class within a firmware limit, the smallest below them all, full for none', () => {
    const p = testParams({ coinbaseClasses: [500, 750, 2250, 6500] })
    expect(classForBytes(p, null)).toBe(FULL_CLASS)
    expect(classForBytes(p, 750)).toBe(2)
    expect(classForBytes(p, 2000)).toBe(2)
    expect(classForBytes(p, 100_000)).toBe(4)
    expect(classForBytes(p, 100)).toBe(1)
    expect(classForBytes(testParams({ coinbaseClasses: [] }), 750)).toBe(FULL_CLASS)
  })

  it('refuses classes that are not ascending, too small or too many', () => {
    expect(() => testParams({ coinbaseClasses: [750, 500] })).toThrow(ParamsError)
    expect(() => testParams({ coinbaseClasses: [750, 750] })).toThrow(/strictly ascending/)
    expect(() => testParams({ coinbaseClasses: [200] })).toThrow(/smallest coinbase/)
    expect(() => testParams({ coinbaseClasses: Array.from({ length: 17 }, (_, i) => 1000 + i) })).toThrow(/at most 16/)
    expect(() => testParams({ coinbaseClasses: [327, 2_000_000] })).toThrow(/at most 1000000/)
  })

  it('validates a share of each class, and rejects an unknown class or a share relabelled to another class', async () => {
    const p = testParams({ minPayout: 1, coinbaseClasses: [500, 750, 2250] })
    const c = await TestChain.create(p)
    for (let i = 0; i < 40; i++) await c.extend(minerScript(i), { coinbaseClass: i % 4 })
    for (let cls = 0; cls <= 3; cls++) {
      const share = await c.mine(minerScript(1000 + cls), { coinbaseClass: cls })
      expect((await c.submit(share)).kind).toBe('share')
    }
    const small = await c.mine(minerScript(77), { coinbaseClass: 1 })
    expect(await c.submit({ ...small, coinbaseClass: 4 })).toMatchObject({ kind: 'invalid', reason: 'bad-coinbase-class' })
    expect(await c.submit({ ...small, coinbaseClass: 0 })).toMatchObject({ kind: 'invalid', reason: 'bad-merkle-root' })
  })
})
