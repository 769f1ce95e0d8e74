import { describe, expect, it, vi } from 'vitest'
import { ShareChain } from '../../../src/sharechain/chain.js'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { decodeHeader, encodeHeader } from '../../../src/bitcoin/header.js'
import { encodeEntry, type Share } from '../../../protocol/share.js'
import { TestChain, minerScript, testParams, NEVER_A_BLOCK_BITS } from '../../harness/sharechain.js'

describe('share-chain basics', () => {
  it('accepts a chain of mined shares, moves the tip and credits each miner', async () => {
    const c = await TestChain.create()
    for (let i = 0; i < 12; i++) await c.extend(minerScript(i % 3))
    const tip = await c.tip()
    expect(tip?.height).toBe(11)
    const miner0 = (await c.view.get(`miner!${toHex(minerScript(0))}`))?.value as { shares: number }
    expect(miner0.shares).toBe(4)
    for (let h = 0; h <= 11; h++) expect(await c.view.get(`height!${String(h).padStart(12, '0')}`)).not.toBeNull()
  })

  it('records anything before the genesis, and a second genesis, as invalid', async () => {
    const c = new TestChain(testParams())
    const share = { value: new Uint8Array([1, 2, 3]), writer: 'x' }
    const [o] = await c.applyEntries([share])
    expect(o).toMatchObject({ kind: 'invalid', reason: 'malformed' })
    const [g] = await c.applyEntries([{ value: encodeEntry({ type: 'genesis', params: c.params }), writer: 'f' }])
    expect(g?.kind).toBe('genesis')
    const [g2] = await c.applyEntries([{ value: encodeEntry({ type: 'genesis', params: c.params }), writer: 'f' }])
    expect(g2).toMatchObject({ kind: 'invalid', reason: 'duplicate-genesis' })
  })

  it("refuses another cooperative's genesis", async () => {
    const c = new TestChain(testParams())
    const other = testParams({}, 'another cooperative')
    const [o] = await c.applyEntries([{ value: encodeEntry({ type: 'genesis', params: other }), writer: 'f' }])
    expect(o).toMatchObject({ kind: 'invalid', reason: 'wrong-genesis' })
  })

  it('rejects a share whose parent is not in the view, and a duplicate', async () => {
    const c = await TestChain.create()
    const a = await c.extend(minerScript(1))
    const b = await c.mine(minerScript(2))
    const fresh = await TestChain.create()
    expect(await fresh.submit(b)).toMatchObject({ kind: 'invalid', reason: 'unknown-parent' })
    expect(await c.submit(a)).toMatchObject({ kind: 'invalid', reason: 'duplicate' })
  })

  it('records every invalid entry with its reason under invalid!<seq>', async () => {
    const c = await TestChain.create()
    const s = await c.mine(minerScript(1))
    const bad = { ...s, shareBits: s.shareBits - 1 }
    await c.submit(bad, 'evil-writer')
    const stored: unknown[] = []
    for await (const e of c.view.createReadStream({ gt: 'invalid!', lt: 'invalid"' })) stored.push(e.value)
    expect(stored).toHaveLength(1)
    expect(stored[0]).toMatchObject({ writer: 'evil-writer', seq: 1 })
  })

  it('records an unexpected error inside validation as internal-error instead of throwing out of apply', async () => {
    const c = await TestChain.create()
    const s = await c.mine(minerScript(1))
    const spy = vi.spyOn(ShareChain.prototype, 'medianTimePast').mockImplementation(() => {
      throw new TypeError('simulated bug')
    })
    try {
      expect(await c.submit(s)).toMatchObject({ kind: 'invalid', reason: 'internal-error', detail: 'simulated bug' })
    } finally {
      spy.mockRestore()
    }
    expect((await c.submit(s)).kind).toBe('share')
  })

  it('chooses the fork with more work, rewrites the height index, ties to the lower id', async () => {
    const c = await TestChain.create()
    await c.extend(minerScript(0))
    const base = (await c.tip())?.id as string
    const a1 = await c.extend(minerScript(1))
    // A competing branch from `base`, two shares long, overtakes the one-share branch.
    const b1 = await c.mine(minerScript(2), { parent: base, time: decodeHeader(a1.header).time + 1 })
    const o = await c.submit(b1)
    expect(o.kind).toBe('share')
    const idA = toHex(decodeHeaderHash(a1))
    const idB = toHex(decodeHeaderHash(b1))
    // Equal work: the lower id wins (ids compared as numbers, i.e. display order).
    const lower = BigInt('0x' + reverseHex(idA)) < BigInt('0x' + reverseHex(idB)) ? idA : idB
    expect((await c.tip())?.id).toBe(lower)
    const b2 = await c.mine(minerScript(2), { parent: idB })
    await c.submit(b2)
    expect((await c.tip())?.height).toBe(2)
    const h1 = (await c.view.get('height!000000000001'))?.value
    expect(h1).toBe(idB)
  })

  it('marks a share that meets its own Bitcoin target as a found block with its payout split', async () => {
    const c = await TestChain.create()
    await c.extend(minerScript(0))
    const s = await c.extend(minerScript(1), { headerBits: 0x207fffff })
    const id = toHex(decodeHeaderHash(s))
    const block = (await c.view.get(`block!${id}`))?.value as { outputs: { value: string }[]; coinbaseValue: string }
    expect(block).toBeTruthy()
    const sum = block.outputs.reduce((a, o) => a + BigInt(o.value), 0n)
    expect(sum).toBe(BigInt(block.coinbaseValue))
    expect(NEVER_A_BLOCK_BITS).not.toBe(0x207fffff)
  })
})

import { headerHash } from '../../../src/bitcoin/header.js'
function decodeHeaderHash(s: Share): Uint8Array {
  return headerHash(s.header)
}
function reverseHex(h: string): string {
  return h.match(/../g)?.reverse().join('') ?? ''
}
export { encodeHeader }
