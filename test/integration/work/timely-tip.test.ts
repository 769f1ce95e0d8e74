/**
 * The work layer follows the timely-tip policy (SPEC.md §5.4): when a withheld branch stamped a day
 * ahead is released with more work, the next job goes on the timely share with the most work, the
 * node says so once (tipAhead), and the job's share target is that share's, not the branch's eased
 * one. The real WorkManager on the real share-chain state, with the clock injected.
 */
import { describe, expect, it } from 'vitest'
import { bitsToTarget } from '../../../src/bitcoin/target.js'
import { headerHash } from '../../../src/bitcoin/header.js'
import { toHex } from '../../../src/bitcoin/bytes.js'
import type { StratumJob } from '../../../src/stratum/types.js'
import { WorkManager } from '../../../src/work/manager.js'
import { TestChain, minerScript, GENESIS_TIME, shareOnlyTemplate } from '../../harness/sharechain.js'

const DAY = 86_400

describe('jobs on the timely tip', () => {
  it('passes over a released branch stamped a day ahead, once, and mines on the honest tip', async () => {
    const c = await TestChain.create()
    let now = GENESIS_TIME
    for (let i = 0; i < 15; i++) await c.extend(minerScript(1), { time: (now += c.params.shareInterval) })
    const fork = (await c.tip())?.id as string
    const forkedAt = now
    const honestTip = toHex(headerHash((await c.extend(minerScript(1), { time: (now += c.params.shareInterval) })).header))
    let branch = fork
    for (let i = 0; i < 6; i++) branch = toHex(headerHash((await c.extend(minerScript(666), { parent: branch, time: forkedAt + DAY + i })).header))
    expect((await c.tip())?.id).toBe(branch)

    const jobs: StratumJob[] = []
    const ahead: { tip: string; aheadBy: number; minedOn: string | null }[] = []
    const work = new WorkManager({
      state: c.state,
      view: c.view,
      extranonceSize: 8,
      tag: new TextEncoder().encode('/test/'),
      publish: (job) => jobs.push(job),
      submitBlock: async () => ({ accepted: true }),
      appendEntry: async () => {},
      now: () => now * 1000
    })
    work.on('tipAhead', (e) => ahead.push(e))
    try {
      await work.onTemplate(shareOnlyTemplate(now), true)
      await work.onTemplate(shareOnlyTemplate(now + 1), false)
      expect(ahead).toHaveLength(1) // said once per tip passed over, not per job
      expect(ahead[0]?.tip).toBe(branch)
      const chain = c.state.shareChain
      // Its chain time, not its header's day: 6 shares of at most maxTimeStep each past the fork.
      expect(ahead[0]?.aheadBy).toBe((chain?.get(branch)?.chainTime as number) - now - c.params.maxTimeStep)
      expect(ahead[0]?.aheadBy).toBeGreaterThan(0)
      const minedOn = chain?.get(ahead[0]?.minedOn as string)
      expect(minedOn?.chainTime).toBeLessThanOrEqual(now + c.params.maxTimeStep)
      // The first branch share may still be timely (within maxTimeStep); nothing later than it is.
      expect([honestTip, ...[...(chain?.ancestry(chain.get(branch)) ?? [])].map((r) => r.idHex)]).toContain(minedOn?.idHex)
      expect(jobs.at(-1)?.shareTarget).toBe(bitsToTarget(chain?.expectedBits(minedOn) as number))
      expect(jobs.at(-1)?.shareTarget).not.toBe(bitsToTarget(chain?.expectedBits(chain.get(branch)) as number))
    } finally {
      work.close()
    }
  })
})
