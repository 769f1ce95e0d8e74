import { describe, expect, it } from 'vitest'
import { timewarp, type TimewarpResult, type TimewarpRow } from '../../../sims/scenarios/timewarp.js'
import { hostileTime } from '../../../sims/core/timewarp-run.js'

/**
 * `hashcoop sim timewarp --quick`: hostile timestamps from 1 %, 10 % and 30 % of the hashrate on
 * the real consensus code. The headline invariants of protocol v2, each of which the protocol v1
 * replay in the same result (maxTimeStep so large the cap never binds) breaks.
 */
describe('timewarp scenario (quick)', () => {
  let result: TimewarpResult | undefined
  const run = async (): Promise<TimewarpResult> => (result ??= await timewarp.run({ seed: 1, quick: true }))
  const v2 = (r: TimewarpResult): TimewarpRow[] => r.rows.filter((x) => x.maxTimeStep === r.maxTimeStep && x.timelyPolicy)
  const published = (x: TimewarpRow): boolean => !x.strategy.startsWith('withheld')

  it('runs every strategy at 1 %, 10 % and 30 % and the v1 replay, each applying v1 rules exactly', async () => {
    const r = await run()
    expect(v2(r)).toHaveLength(8 * 3)
    const v1 = r.rows.filter((x) => x.maxTimeStep !== r.maxTimeStep)
    expect(v1.map((x) => x.attackerShare)).toEqual([0.01, 0.1, 0.3])
    expect(r.rows.filter((x) => !x.timelyPolicy && x.maxTimeStep === r.maxTimeStep).map((x) => `${x.strategy} ${x.attackerShare}`)).toEqual(['withheld 0.01', 'withheld 0.1', 'withheld 0.3'])
    for (const x of v1) expect(x.cappedShares).toBe(0)
    // Attackers that stamp ahead are really capped on v2 (else the scenario tests nothing).
    for (const x of v2(r)) if (x.strategy === 'future-day' && x.attackerShare === 0.3) expect(x.cappedShares).toBeGreaterThan(10)
  }, 300_000)

  it('keeps honest miners near the schedule: no stall, bounded targets, median time past near the clock', async () => {
    const r = await run()
    for (const x of v2(r)) {
      const where = `${x.strategy} ${x.attackerShare}`
      // Withholding orphans honest shares by design (selfish mining), timestamps or not: a looser floor there.
      expect(x.honestPerHour / x.honestTargetPerHour, where).toBeGreaterThan(published(x) ? 0.75 : 0.6)
      // A target never asks much more than the schedule of the whole cooperative, nor moves far in a share.
      expect(x.worstSolveRatio, where).toBeLessThan(published(x) ? 1.6 : 5)
      expect(x.maxTargetStepLog2, where).toBeLessThan(0.6)
      if (published(x)) {
        // Published hostile stamps: the longest honest gap stays what luck gives (the baselines' ~90 s).
        expect(x.longestHonestGap, where).toBeLessThan(300)
        expect(x.maxMtpExcess, where).toBeLessThanOrEqual(r.maxTimeStep)
        expect(x.maxTargetDriftLog2, where).toBeLessThan(1)
      } else {
        expect(x.longestHonestGap, where).toBeLessThan(1200)
      }
    }
  }, 300_000)

  it('withholding with future stamps gains nothing against nodes with the timely-tip policy; without it, the median time past runs ahead', async () => {
    const r = await run()
    const at = (strategy: string, share = 0.3) => v2(r).find((x) => x.strategy === strategy && x.attackerShare === share)
    for (const share of [0.01, 0.1, 0.3]) {
      const w = at('withheld', share)
      // Honest miners never stamp ahead of their clock: the released branch is never built on.
      expect(w?.maxMtpExcess, `${share}`).toBeLessThanOrEqual(r.maxTimeStep)
      // Future stamps lose the attacker part of its window against plain withholding (its control).
      expect(w?.attackerWindowShare ?? 1, `${share}`).toBeLessThanOrEqual((at('withheld-honest', share)?.attackerWindowShare ?? 0) + 0.01)
    }
    // The replay against nodes without the policy (SPEC.md §5.4): the attack as protocol v2 first shipped.
    const unprotected = r.rows.find((x) => !x.timelyPolicy && x.strategy === 'withheld' && x.attackerShare === 0.3)
    expect(unprotected?.maxMtpExcess).toBeGreaterThan(20 * r.maxTimeStep)
    expect(unprotected?.attackerWindowShare).toBeGreaterThan(at('withheld')?.attackerWindowShare ?? 1)
  }, 300_000)

  it('gives a published timestamp attacker no more of the window than its honest baseline on the same seed', async () => {
    const r = await run()
    for (const x of v2(r).filter((y) => published(y) && y.strategy !== 'honest')) {
      const baseline = v2(r).find((y) => y.strategy === 'honest' && y.attackerShare === x.attackerShare)
      expect(x.attackerWindowShare - (baseline?.attackerWindowShare ?? NaN), `${x.strategy} ${x.attackerShare}`).toBeLessThan(0.02)
    }
  }, 300_000)

  it('the v1 replay of the +7000 s attack stalls a 1 % attacker\'s victims (the metrics see a stall)', async () => {
    const r = await run()
    const v1 = r.rows.find((x) => x.maxTimeStep !== r.maxTimeStep && x.attackerShare === 0.01)
    expect(v1?.honestPerHour).toBeLessThan(0.5 * (v1?.honestTargetPerHour ?? 0))
    expect(v1?.worstSolveRatio).toBeGreaterThan(100)
  }, 300_000)

  it('renders the section and both charts from the result', async () => {
    const r = await run()
    const { markdown, charts } = timewarp.render(r, { seed: 1, quick: true })
    expect(markdown).toContain('Protocol v1 comparison')
    expect(markdown).toContain('withheld branch, honest stamps (control)')
    expect(charts.map((c) => c.file)).toEqual(['timewarp-rate.svg', 'timewarp-mtp.svg'])
    for (const c of charts) expect(c.svg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/)
  }, 300_000)
})

describe('hostile stamps', () => {
  it('stay valid (above the median time past) and within a header time', () => {
    const clock = 1_800_000_000
    expect(hostileTime('future-7000', 0, clock, clock + 5)).toBe(clock + 7000)
    expect(hostileTime('past', 0, clock, clock - 50)).toBe(clock - 50)
    expect(hostileTime('alternate', 0, clock, clock - 50)).toBe(clock + 86_400)
    expect(hostileTime('alternate', 1, clock, clock - 50)).toBe(clock - 50)
    expect(hostileTime('future-max', 0, clock, clock)).toBe(0xffffffff)
    expect(hostileTime('withheld-honest', 3, clock, clock + 30)).toBe(clock + 30)
  })
})
