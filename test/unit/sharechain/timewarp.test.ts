/**
 * Hostile timestamps (issue 12): each attack that stalled a protocol v1 cooperative, replayed on
 * the real consensus code. Honest miners stamp the wall clock of a simulated cooperative whose
 * hashrate is constant, so the clock moves by the expected solve time of each share's target: a
 * target the attack makes 2x harder makes the honest chain 2x slower, as it would in the field.
 *
 * Each test fails on protocol v1 (SPEC.md §5 without the chain time and the solve-time clamp):
 * there, the first honest share after a future stamp needed a target 2^(X/halfLife) harder.
 */
import { describe, expect, it } from 'vitest'
import { bitsToTarget } from '../../../src/bitcoin/target.js'
import type { CoopParams } from '../../../protocol/params.js'
import type { Share } from '../../../protocol/share.js'
import { decodeHeader, headerHash } from '../../../src/bitcoin/header.js'
import { toHex } from '../../../src/bitcoin/bytes.js'
import { GENESIS_TIME, TestChain, minerScript, testParams } from '../../harness/sharechain.js'

const HONEST = minerScript(1)
const ATTACKER = minerScript(666)
const DAY = 86_400

/**
 * The most one share can make its child's target harder (SPEC.md §5.2): 2^(-shareInterval/halfLife).
 * `n` shares: its n-th power. Compact rounding and the cubic are within 2^-12 of the exact factor.
 */
function hardestAfter(p: CoopParams, n: number): number {
  return 2 ** ((-n * p.shareInterval) / p.halfLife) * (1 - 2 ** -12)
}

/** A cooperative of constant hashrate, tuned so that the initial share target comes on interval. */
class Cooperative {
  /** Simulated wall clock, unix seconds. */
  now = GENESIS_TIME
  readonly initialTarget: bigint

  private constructor(readonly chain: TestChain) {
    this.initialTarget = bitsToTarget(chain.params.initialShareBits)
  }

  static async create(overrides = {}): Promise<Cooperative> {
    return new Cooperative(await TestChain.create(testParams(overrides)))
  }

  get params(): CoopParams {
    return this.chain.params
  }

  /** The share target a job on the tip carries now, and the least header time it may have. */
  async job(parent?: string | null): Promise<{ target: bigint; minTime: number; parent: string | null }> {
    const tip = parent !== undefined ? parent : ((await this.chain.tip())?.id ?? null)
    const base = await this.chain.state.workBaseAt(this.chain.view, tip)
    if (base === null) throw new Error('no genesis')
    return { target: bitsToTarget(base.shareBits), minTime: base.minTime, parent: tip }
  }

  /**
   * Seconds the whole cooperative expects to spend on a share of `target`. A target 1000x harder
   * than the schedule is a stall (v1 reached 2^116x): fail at once rather than grind for it.
   */
  solveTime(target: bigint): number {
    const seconds = (this.params.shareInterval * Number(this.initialTarget)) / Number(target)
    if (seconds > 1000 * this.params.shareInterval) throw new Error(`stalled: the next share needs ${seconds.toExponential(2)} s of the cooperative's hashrate`)
    return seconds
  }

  /** An honest share on the tip: found after the expected solve time, stamped as a job builder would. */
  async honest(): Promise<Share> {
    const job = await this.job()
    this.now += this.solveTime(job.target)
    return this.chain.extend(HONEST, { time: Math.max(Math.floor(this.now), job.minTime) })
  }

  /** An attacker's share on `parent` (default the tip) with the time it chooses. Must be valid. */
  async hostile(time: (job: { minTime: number }) => number, parent?: string | null): Promise<Share> {
    const job = await this.job(parent)
    this.now += this.solveTime(job.target)
    const share = await this.chain.mine(ATTACKER, { time: time(job), ...(parent !== undefined ? { parent } : {}) })
    const o = await this.chain.submit(share)
    if (o.kind !== 'share') throw new Error(`hostile share refused: ${JSON.stringify(o)}`)
    return share
  }
}

const idOf = (s: Share): string => toHex(headerHash(s.header))

describe('hostile timestamps (protocol v2)', () => {
  it('a share stamped +7000 s (what a v1 stratum let through) moves the next targets by at most one share\'s bound', async () => {
    // The regtest demo's interval and half-life: on v1 this share made the next difficulty 6.1e25.
    const coop = await Cooperative.create({ shareInterval: 2, halfLife: 60 })
    for (let i = 0; i < 20; i++) await coop.honest()
    const before = (await coop.job()).target
    await coop.hostile(() => Math.floor(coop.now) + 7000)
    for (let i = 0; i < 30; i++) {
      const { target } = await coop.job()
      expect(Number(target) / Number(before)).toBeGreaterThanOrEqual(hardestAfter(coop.params, 2))
      await coop.honest()
    }
  })

  it('a share stamped +1 day cannot stall the chain, and its chain time runs at most maxTimeStep ahead', async () => {
    const coop = await Cooperative.create()
    for (let i = 0; i < 20; i++) await coop.honest()
    const before = (await coop.job()).target
    const parentTime = decodeHeader((await coop.chain.mine(HONEST)).header).time - coop.params.shareInterval
    const hostile = await coop.hostile(() => Math.floor(coop.now) + DAY)
    const record = coop.chain.state.shareChain?.get(idOf(hostile))
    expect(record?.time).toBeGreaterThan(coop.now + DAY - 100)
    expect(record?.chainTime).toBeLessThanOrEqual(parentTime + coop.params.maxTimeStep)
    let slowest = 0
    for (let i = 0; i < 30; i++) {
      const { target, minTime } = await coop.job()
      expect(Number(target) / Number(before)).toBeGreaterThanOrEqual(hardestAfter(coop.params, 2))
      // honest miners are never pushed past Bitcoin's 2-hour future limit (they are not pushed at all here)
      expect(minTime).toBeLessThanOrEqual(coop.now + coop.params.maxTimeStep)
      slowest = Math.max(slowest, coop.solveTime(target))
      await coop.honest()
    }
    expect(slowest).toBeLessThan(coop.params.shareInterval * 1.1)
  })

  it('alternating future and past stamps from half the hashrate keep the honest share interval within bounds', async () => {
    const coop = await Cooperative.create()
    for (let i = 0; i < 20; i++) await coop.honest()
    const start = coop.now
    let honestShares = 0
    let worst = 1
    for (let i = 0; i < 300; i++) {
      const { target } = await coop.job()
      const ratio = coop.solveTime(target) / coop.params.shareInterval
      worst = Math.max(worst, ratio, 1 / ratio)
      if (i % 4 === 0) await coop.hostile(() => Math.floor(coop.now) + DAY)
      else if (i % 4 === 2) await coop.hostile((job) => job.minTime)
      else {
        await coop.honest()
        honestShares++
      }
    }
    // Shares stay within 1.5x of the interval, and the chain keeps its rate: no stall.
    expect(worst).toBeLessThan(1.5)
    const meanInterval = (coop.now - start) / 300
    expect(meanInterval).toBeGreaterThan(coop.params.shareInterval / 1.5)
    expect(meanInterval).toBeLessThan(coop.params.shareInterval * 1.5)
    expect(honestShares).toBe(150)
  })

  it('a withheld branch of future-stamped shares, released, pushes honest times ahead by a bounded amount and heals', async () => {
    const coop = await Cooperative.create()
    for (let i = 0; i < 30; i++) await coop.honest()
    const fork = (await coop.chain.tip())?.id ?? null
    const forkedAt = coop.now
    // The honest chain finds 4 shares while the attacker mines 12 in private on the same parent,
    // each stamped a day ahead (it has 3x the honest hashrate for that while: the worst case).
    for (let i = 0; i < 4; i++) await coop.honest()
    const releasedAt = coop.now
    coop.now = forkedAt
    let branchTip = fork
    for (let i = 0; i < 12; i++) {
      const share = await coop.hostile(() => Math.floor(forkedAt) + DAY + i, branchTip)
      branchTip = idOf(share)
    }
    coop.now = releasedAt
    // More work: the branch is the tip once released.
    expect((await coop.chain.tip())?.id).toBe(branchTip)
    // SPEC.md §5.3: k consecutive hostile shares move the median time past at most (k - 5) x maxTimeStep
    // past the time they were found.
    const { minTime } = await coop.job()
    expect(minTime - releasedAt).toBeLessThanOrEqual((12 - 5) * coop.params.maxTimeStep + 1)
    expect(minTime - releasedAt).toBeLessThan(7000) // Bitcoin accepts such headers: no block is lost
    // Honest miners extend it at once, and within 11 shares stamp the wall clock again.
    for (let i = 0; i < 11 + 40; i++) await coop.honest()
    const after = await coop.job()
    expect(after.minTime).toBeLessThanOrEqual(coop.now + 1)
    const ratio = coop.solveTime(after.target) / coop.params.shareInterval
    expect(ratio).toBeGreaterThan(1 / 1.5)
    expect(ratio).toBeLessThan(1.5)
  })
})
