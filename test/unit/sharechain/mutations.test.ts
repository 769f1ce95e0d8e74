import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { targetToBits } from '../../../src/bitcoin/target.js'
import type { Share } from '../../../protocol/share.js'
import { TestChain, minerScript, testParams } from '../../harness/sharechain.js'

/**
 * Mutating any single field of a valid share makes it invalid with a specific reason. The share
 * target is 2^240 so a mutated header passes proof of work with probability 2^-16; the fast-check
 * seed is fixed, so the cases (and the outcome) are the same on every run.
 */
const params = testParams({ initialShareBits: targetToBits(1n << 240n), maxUncles: 3, uncleDepth: 3 })

let mined: Promise<{ prefix: Share[]; share: Share }> | null = null

/** Mines the fixture once (three shares at 2^-16), then replays it into a fresh chain per test. */
async function fixture(): Promise<{ c: TestChain; share: Share }> {
  mined ??= (async () => {
    const c = await TestChain.create(params)
    const prefix = [await c.extend(minerScript(0)), await c.extend(minerScript(1))]
    const share = await c.mine(minerScript(2), { merkleBranch: [new Uint8Array(32).fill(9), new Uint8Array(32).fill(10)] })
    return { prefix, share }
  })()
  const { prefix, share } = await mined
  const c = await TestChain.create(params)
  for (const s of prefix) expect((await c.submit(s)).kind).toBe('share')
  return { c, share }
}

function flip(bytes: Uint8Array, index: number, mask: number): Uint8Array {
  const out = bytes.slice()
  out[index % out.length] = (out[index % out.length] as number) ^ (mask || 1)
  return out
}

describe('mutating one field of a valid share', () => {
  it('the unmutated share is valid', async () => {
    const { c, share } = await fixture()
    expect((await c.submit(share)).kind).toBe('share')
  })

  it('any header byte: high-hash (or, for merkle-root bytes that still pass, bad-merkle-root)', async () => {
    const { c, share } = await fixture()
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 79 }), fc.integer({ min: 1, max: 255 }), async (i, mask) => {
        const o = await c.submit({ ...share, header: flip(share.header, i, mask) })
        expect(o.kind).toBe('invalid')
        if (o.kind === 'invalid') expect(['high-hash', 'bad-merkle-root', 'time-too-old']).toContain(o.reason)
      }),
      { seed: 42, numRuns: 60 }
    )
  })

  const cases: [string, (s: Share) => Share, string][] = [
    ['share target (easier)', (s) => ({ ...s, shareBits: targetToBits(1n << 244n) }), 'bad-share-target'],
    ['share target (harder, so PoW fails)', (s) => ({ ...s, shareBits: targetToBits(1n << 200n) }), 'high-hash'],
    ['share target (above the maximum)', (s) => ({ ...s, shareBits: 0x2100ffff }), 'target-above-max'],
    ['share target (non-canonical bits)', (s) => ({ ...s, shareBits: 0x1f00ffff - 0x10000 + 0x1000000 }), 'noncanonical-bits'],
    ['parent', (s) => ({ ...s, parent: flip(s.parent, 3, 0x40) }), 'unknown-parent'],
    ['height', (s) => ({ ...s, height: s.height + 1 }), 'bad-height'],
    ['payout script', (s) => ({ ...s, payoutScript: minerScript(99) }), 'bad-merkle-root'],
    ['payout script (non-standard)', (s) => ({ ...s, payoutScript: Uint8Array.of(0x6a, 0x01, 0x00) }), 'nonstandard-payout-script'],
    ['coinbase value', (s) => ({ ...s, coinbaseValue: s.coinbaseValue + 1 }), 'bad-merkle-root'],
    ['merkle branch (changed)', (s) => ({ ...s, merkleBranch: [flip(s.merkleBranch[0] as Uint8Array, 0, 1), s.merkleBranch[1] as Uint8Array] }), 'bad-merkle-root'],
    ['merkle branch (dropped level)', (s) => ({ ...s, merkleBranch: s.merkleBranch.slice(1) }), 'bad-merkle-root'],
    ['uncle list (unknown uncle)', (s) => ({ ...s, uncles: [new Uint8Array(32).fill(5)] }), 'unknown-uncle'],
    ['uncle list (the parent as uncle)', (s) => ({ ...s, uncles: [s.parent] }), 'bad-uncle'],
    ['uncle list (unsorted)', (s) => ({ ...s, uncles: [new Uint8Array(32).fill(6), new Uint8Array(32).fill(5)] }), 'uncles-not-sorted'],
    ['extranonce', (s) => ({ ...s, extranonce: flip(s.extranonce, 0, 1) }), 'bad-merkle-root'],
    ['coinbase tag', (s) => ({ ...s, tag: new TextEncoder().encode('/evil/') }), 'bad-merkle-root'],
    ['block height', (s) => ({ ...s, blockHeight: s.blockHeight + 1 }), 'bad-merkle-root'],
    ['witness commitment', (s) => ({ ...s, witnessCommitment: new Uint8Array(32).fill(1) }), 'bad-merkle-root'],
    ['share version', (s) => ({ ...s, version: 2 }), 'bad-version']
  ]

  for (const [field, mutate, reason] of cases) {
    it(`${field}: ${reason}`, async () => {
      const { c, share } = await fixture()
      const o = await c.submit(mutate(share))
      expect(o).toMatchObject({ kind: 'invalid', reason })
    })
  }

  it('timestamp at or before the median time past: time-too-old', async () => {
    const c = await TestChain.create(params)
    await c.extend(minerScript(0))
    await c.extend(minerScript(1))
    const share = await c.mine(minerScript(2), { time: params.createdAt + 10 })
    expect(await c.submit(share)).toMatchObject({ kind: 'invalid', reason: 'time-too-old' })
  })
})
