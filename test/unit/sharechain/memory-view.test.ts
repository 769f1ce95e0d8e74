import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { MemoryView } from '../../../src/sharechain/memory-view.js'
import { compareKeys, type ViewRange } from '../../../src/sharechain/view.js'

/** Hyperbee's key order: the bytes of the utf-8 encodings. */
const byteOrder = (a: string, b: string): number => Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b)))

// Keys drawn near the orders' edges: ASCII, the last BMP units and astral code points (surrogates).
const key = fc.array(fc.constantFrom('a', 'b', '!', '"', '\u007f', '\u0080', '\u07ff', '\ud7ff', '\ue000', '\uffff', '\u{10000}', '\u{1f600}', '\u{10ffff}'), { maxLength: 5 }).map((parts) => parts.join(''))

describe('view keys', () => {
  it('compareKeys is the utf-8 byte order, astral code points included (property)', () => {
    fc.assert(
      fc.property(fc.oneof(key, fc.string({ unit: 'grapheme' })), fc.oneof(key, fc.string({ unit: 'grapheme' })), (a, b) => {
        expect(Math.sign(compareKeys(a, b))).toBe(byteOrder(a, b))
      }),
      { seed: 5, numRuns: 2000 }
    )
  })

  it("MemoryView ranges return exactly the keys a filter over Hyperbee's order returns (property)", async () => {
    const range = fc.record({ gt: key, gte: key, lt: key, lte: key, reverse: fc.boolean(), limit: fc.integer({ min: 0, max: 8 }) }, { requiredKeys: [] })
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(key, { maxLength: 30 }), range, async (keys, r: ViewRange) => {
        const view = new MemoryView()
        const batch = view.batch()
        for (const k of keys) await batch.put(k, k.length)
        await batch.flush()
        const inRange = (k: string): boolean =>
          (r.gt === undefined || byteOrder(k, r.gt) > 0) &&
          (r.gte === undefined || byteOrder(k, r.gte) >= 0) &&
          (r.lt === undefined || byteOrder(k, r.lt) < 0) &&
          (r.lte === undefined || byteOrder(k, r.lte) <= 0)
        const expected = keys.filter(inRange).sort(byteOrder)
        if (r.reverse === true) expected.reverse()
        const got: string[] = []
        for await (const e of view.createReadStream(r)) got.push(e.key)
        expect(got).toEqual(expected.slice(0, r.limit ?? Infinity))
      }),
      { seed: 9, numRuns: 500 }
    )
  })
})
