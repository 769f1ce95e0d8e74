import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { headerHash } from '../../../src/bitcoin/header.js'
import type { Share } from '../../../protocol/share.js'
import { TestChain, minerScript, testParams } from '../../harness/sharechain.js'

const params = testParams({ uncleDepth: 3, maxUncles: 2 })
const idOf = (s: Share): string => toHex(headerHash(s.header))

/** A share-chain with forks and uncles, mined once: 14 shares on three branches. */
async function mineDag(): Promise<Share[]> {
  const c = await TestChain.create(params)
  const shares: Share[] = []
  const add = async (s: Share): Promise<void> => {
    expect((await c.submit(s)).kind).toBe('share')
    shares.push(s)
  }
  for (let i = 0; i < 4; i++) await add(await c.mine(minerScript(i % 3)))
  const forkPoint = idOf(shares[2] as Share)
  const side = await c.mine(minerScript(5), { parent: forkPoint, time: params.createdAt + 41 })
  await add(side)
  await add(await c.mine(minerScript(5), { parent: idOf(side), time: params.createdAt + 52 }))
  for (let i = 0; i < 8; i++) await add(await c.mine(minerScript(i % 4), { headerBits: i === 5 ? 0x207fffff : undefined }))
  return shares
}

/** The view without arrival-order bookkeeping (seq fields, invalid records, stats). */
function normalized(c: TestChain): string {
  return c.view
    .dump()
    .split('\n')
    .filter((l) => !l.startsWith('invalid!') && !l.startsWith('stats'))
    .map((l) => l.replace(/"seq":\d+,?/g, ''))
    .join('\n')
}

describe('order independence', () => {
  it('the same valid shares in any causal order give the same tip and the same view', async () => {
    const shares = await mineDag()
    const reference = await TestChain.create(params)
    for (const s of shares) await reference.submit(s)
    const expected = normalized(reference)
    expect(shares.some((s) => s.uncles.length > 0)).toBe(true) // the DAG exercises uncles,
    expect(expected).toContain('block!') // found blocks
    expect((await reference.tip())?.height).toBe(12) // and a reorg onto the side branch
    const deps = new Map(shares.map((s) => [idOf(s), [toHex(s.parent), ...s.uncles.map(toHex)]]))

    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(), { minLength: shares.length, maxLength: shares.length }), async (choices) => {
        // a random topological order: at each step pick among the shares whose dependencies are in
        const pending = [...shares]
        const done = new Set<string>()
        const order: Share[] = []
        for (const choice of choices) {
          const ready = pending.filter((s) => (deps.get(idOf(s)) ?? []).every((d) => done.has(d) || /^0+$/.test(d)))
          const pick = ready[choice % ready.length] as Share
          order.push(pick)
          done.add(idOf(pick))
          pending.splice(pending.indexOf(pick), 1)
        }
        const c = await TestChain.create(params)
        for (const s of order) expect((await c.submit(s)).kind).toBe('share')
        expect(normalized(c)).toBe(expected)
      }),
      { seed: 11, numRuns: 25 }
    )
  })
})
