import { beforeAll, describe, expect, it } from 'vitest'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { headerHash } from '../../../src/bitcoin/header.js'
import type { Share } from '../../../protocol/share.js'
import { TestChain, minerScript, testParams } from '../../harness/sharechain.js'

/**
 * A bounded chain memo (StateOptions.memoShares) forgets old records and loads them back from the
 * view when a rule asks: the view it produces must be the unbounded one's, byte for byte, through
 * uncles, a deep fork that overtakes the main branch, and shares extending forgotten history.
 */
const params = testParams({ windowShares: 6, uncleDepth: 3, maxUncles: 2 })
// The rules read 13 ancestors here, so the memo holds 52 records and keeps the newest 26 heights.
const TINY = { memoShares: 1 }
const idOf = (s: Share): string => toHex(headerHash(s.header))

interface Mined {
  shares: Share[]
  reference: TestChain
}

/** ~200 shares: a main branch with uncles, a fork from height 40 that overtakes it 80 deep. */
async function mine(): Promise<Mined> {
  const c = await TestChain.create(params)
  const shares: Share[] = []
  const add = async (s: Share): Promise<Share> => {
    const o = await c.submit(s)
    if (o.kind !== 'share') throw new Error(`rejected: ${JSON.stringify(o)}`)
    shares.push(s)
    return s
  }
  for (let i = 0; i < 120; i++) {
    const s = await add(await c.mine(minerScript(i % 5), { headerBits: i % 37 === 36 ? 0x207fffff : undefined }))
    // every 9th share races a sibling, which the next share credits as an uncle
    if (i % 9 === 8) await add(await c.mine(minerScript(7), { parent: toHex(s.parent), time: c.params.createdAt + (i + 1) * c.params.shareInterval + 1 }))
  }
  let parent = idOf(shares.find((s) => s.height === 40) as Share)
  for (let i = 0; i < 95; i++) parent = idOf(await add(await c.mine(minerScript(10 + (i % 3)), { parent })))
  return { shares, reference: c }
}

let mined: Mined

beforeAll(async () => {
  mined = await mine()
}, 60_000)

describe('a bounded chain memo', () => {
  it('the mined history is what the test needs: uncles, blocks and a reorg 80 deep', async () => {
    const tip = await mined.reference.tip()
    expect(tip?.height).toBe(40 + 95)
    expect(mined.shares.some((s) => s.uncles.length > 0)).toBe(true)
    expect(mined.reference.view.dump()).toContain('block!')
  })

  it('gives the view of an unbounded memo, byte for byte, while holding at most its bound', async () => {
    const bounded = await TestChain.create(params, TINY)
    let largest = 0
    for (const s of mined.shares) {
      expect((await bounded.submit(s)).kind).toBe('share')
      largest = Math.max(largest, bounded.state.shareChain?.size ?? 0)
    }
    expect(bounded.view.dump()).toBe(mined.reference.view.dump())
    expect(largest).toBeLessThanOrEqual(52 + 1 + 13)
    expect(largest).toBeGreaterThan(26) // it did forget, and load back
  })

  it('builds the same jobs on a forgotten parent: target, uncles, payouts', async () => {
    const bounded = await TestChain.create(params, TINY)
    for (const s of mined.shares) await bounded.submit(s)
    for (const height of [30, 90, 119]) {
      const parent = idOf(mined.shares.find((s) => s.height === height) as Share)
      const [a, b] = await Promise.all([mined.reference.state.workBaseAt(mined.reference.view, parent), bounded.state.workBaseAt(bounded.view, parent)])
      expect(b?.shareBits).toBe(a?.shareBits)
      expect(b?.minTime).toBe(a?.minTime)
      expect(b?.uncles.map(toHex)).toEqual(a?.uncles.map(toHex))
      const pay = (x: typeof a) => x?.payouts(minerScript(2), 5_000_000_000n).outputs.map((o) => [toHex(o.script), o.value])
      expect(pay(b)).toEqual(pay(a))
    }
  })

  it('accepts a share extending history it has forgotten, as the unbounded memo does', async () => {
    const bounded = await TestChain.create(params, TINY)
    for (const s of mined.shares) await bounded.submit(s)
    const oldParent = idOf(mined.shares.find((s) => s.height === 100) as Share)
    const late = await mined.reference.mine(minerScript(3), { parent: oldParent })
    const [a, b] = [await mined.reference.submit(late), await bounded.submit(late)]
    expect(a.kind).toBe('share')
    expect(b).toEqual(a)
    expect(bounded.view.dump()).toBe(mined.reference.view.dump())
  })
})
