/**
 * The timely-tip policy (SPEC.md §5.4): a node mines on the timely share with the most work, so a
 * withheld branch stamped ahead of the clock, released with more work, gets no honest work on top
 * until the time it claims has come, and loses on work.
 */
import { describe, expect, it } from 'vitest'
import { headerHash } from '../../../src/bitcoin/header.js'
import { toHex } from '../../../src/bitcoin/bytes.js'
import type { ShareChain, ShareRecord } from '../../../src/sharechain/chain.js'
import { chooseTimelyParent } from '../../../src/work/timely-tip.js'
import type { Share } from '../../../protocol/share.js'
import { GENESIS_TIME, TestChain, minerScript } from '../../harness/sharechain.js'

const HONEST = minerScript(1)
const ATTACKER = minerScript(666)
const DAY = 86_400
const idOf = (s: Share): string => toHex(headerHash(s.header))

async function honestChain(shares: number): Promise<{ c: TestChain; chain: ShareChain; now: number }> {
  const c = await TestChain.create()
  let now = GENESIS_TIME
  for (let i = 0; i < shares; i++) {
    now += c.params.shareInterval
    await c.extend(HONEST, { time: now })
  }
  const chain = c.state.shareChain
  if (chain === null) throw new Error('no chain')
  return { c, chain, now }
}

const record = (chain: ShareChain, id: string | undefined): ShareRecord => {
  const r = id === undefined ? undefined : chain.get(id)
  if (r === undefined) throw new Error(`no record ${id}`)
  return r
}

describe('chooseTimelyParent', () => {
  it('mines on the tip while it is timely', async () => {
    const { c, chain, now } = await honestChain(15)
    const tip = record(chain, (await c.tip())?.id)
    expect(chooseTimelyParent(chain, tip, now, c.params.maxTimeStep)).toEqual({ parent: tip, aheadBy: 0, timelyAt: null })
    expect(chooseTimelyParent(chain, undefined, now, c.params.maxTimeStep)).toEqual({ parent: undefined, aheadBy: 0, timelyAt: null })
  })

  it('passes over a released withheld branch stamped a day ahead, mines on the honest tip, and takes the branch once the clock reaches it', async () => {
    const { c, chain, now: forkedAt } = await honestChain(15)
    const fork = (await c.tip())?.id as string
    // Two honest shares after the fork; the withholder mines 8 in private on the fork, stamped a day ahead.
    let now = forkedAt
    for (let i = 0; i < 2; i++) await c.extend(HONEST, { time: (now += c.params.shareInterval) })
    let branch: string = fork
    for (let i = 0; i < 8; i++) branch = idOf(await c.extend(ATTACKER, { parent: branch, time: forkedAt + DAY + i }))
    // Released with more work, the branch is the view's tip, but its chain time is ahead of the clock.
    expect((await c.tip())?.id).toBe(branch)
    const choice = chooseTimelyParent(chain, record(chain, branch), now, c.params.maxTimeStep)
    expect(choice.parent?.idHex).not.toBe(branch)
    expect(choice.aheadBy).toBeGreaterThan(0)
    const b = record(chain, branch)
    expect(choice.timelyAt).toBe(Math.max(b.chainTime, chain.medianTimePast(b) + 1) - c.params.maxTimeStep)
    // The best timely share: the honest tip, or an early share of the branch still within maxTimeStep of the clock.
    const parent = choice.parent as ShareRecord
    expect(parent.chainTime).toBeLessThanOrEqual(now + c.params.maxTimeStep)
    expect(chain.medianTimePast(parent)).toBeLessThan(now + c.params.maxTimeStep)
    // Honest miners extend what the policy picks at their clock, and soon theirs is the view's tip again.
    for (let i = 0; i < 12 && (await c.tip())?.id === branch; i++) {
      const pick = chooseTimelyParent(chain, record(chain, branch), now, c.params.maxTimeStep).parent as ShareRecord
      await c.extend(HONEST, { parent: pick.idHex, time: (now += c.params.shareInterval) })
    }
    const tip = record(chain, (await c.tip())?.id)
    expect(tip.scriptHex).toBe(toHex(HONEST))
    expect(tip.chainTime).toBeLessThanOrEqual(now)
    expect(chain.isBetter(tip, b)).toBe(true)
    // Once the clock reaches the time the branch claims, it is timely again (and simply has less work now).
    expect(chooseTimelyParent(chain, b, choice.timelyAt as number, c.params.maxTimeStep).timelyAt).toBeNull()
  })

  it('falls back to the tip, and says how far ahead, when the node\'s own clock is behind every recent share', async () => {
    const { c, chain, now } = await honestChain(15)
    const tip = record(chain, (await c.tip())?.id)
    const slowClock = now - 3_600
    const choice = chooseTimelyParent(chain, tip, slowClock, c.params.maxTimeStep)
    expect(choice.parent).toBe(tip)
    expect(choice.aheadBy).toBe(tip.chainTime - slowClock - c.params.maxTimeStep)
    expect(choice.timelyAt).toBe(tip.chainTime - c.params.maxTimeStep)
  })
})
