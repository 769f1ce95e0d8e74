import { describe, expect, it } from 'vitest'
import { resolveConfig, type StratumConfig } from '../../../src/stratum/config.js'
import { SessionDifficulty } from '../../../src/stratum/session-difficulty.js'
import type { StratumServerOptions } from '../../../src/stratum/types.js'

const config = (over: Partial<StratumServerOptions> = {}): StratumConfig =>
  resolveConfig({ network: 'mainnet', onSolution: () => undefined, startDifficulty: 1024, minDifficulty: 1, maxDifficulty: 1e6, ...over })

describe('SessionDifficulty', () => {
  it('takes a suggestion as a new start, but not the same suggestion again', () => {
    const d = new SessionDifficulty(config(), 0)
    expect(d.suggest(256, 1)).toBe(true)
    expect(d.wanted).toBe(256)
    for (let i = 1; i <= 20; i++) d.recordShare(256, 1 + i) // vardiff raises a fast miner
    expect(d.wanted).toBeGreaterThan(256)
    const raised = d.wanted
    expect(d.suggest(256, 100)).toBe(false) // NerdMiner's periodic re-send does not undo it
    expect(d.wanted).toBe(raised)
    expect(d.suggest(512, 200)).toBe(true)
  })

  it('a fixed d= turns vardiff off and wins over suggestions', () => {
    const d = new SessionDifficulty(config(), 0)
    expect(d.fix(5000, 0)).toBe(true)
    expect(d.variable).toBe(false)
    expect(d.suggest(64, 1)).toBe(false)
    for (let i = 1; i <= 100; i++) expect(d.recordShare(5000, i * 1000)).toBe(false) // one a second: under the rate guard
    expect(d.tick(10 * 60_000)).toBe(false)
    expect(d.wanted).toBe(5000)
  })

  it('clamps suggestions and d= to [floor, max]; a raised floor lifts the current value', () => {
    const d = new SessionDifficulty(config(), 0)
    d.suggest(0.001, 0)
    expect(d.wanted).toBe(1)
    d.suggest(1e9, 0)
    expect(d.wanted).toBe(1e6)
    d.suggest(100, 0)
    expect(d.raiseFloor(2048, 0)).toBe(true)
    expect(d.wanted).toBe(2048)
    expect(d.fix(10, 0)).toBe(false) // clamped up to the floor: unchanged
    expect(d.wanted).toBe(2048)
  })

  it('without vardiff keeps the start until told otherwise', () => {
    const d = new SessionDifficulty(config({ vardiff: false }), 0)
    expect(d.variable).toBe(false)
    for (let i = 1; i <= 100; i++) expect(d.recordShare(1024, i * 1000)).toBe(false)
    expect(d.wanted).toBe(1024)
  })

  describe('the rate guard (low-difficulty devices and a too-low d=)', () => {
    it('leaves a NerdMiner-class device at its tiny d= while it submits under the bound', () => {
      const d = new SessionDifficulty(config({ minDifficulty: 0.0001, maxShareRate: 2 }), 0)
      d.fix(0.001, 0)
      // ~500 kH/s at d=0.001 is one submission every ~8.6 s: steady feedback, far under 2/s.
      for (let t = 8_600; t < 3_600_000; t += 8_600) expect(d.recordShare(0.001, t)).toBe(false)
      expect(d.wanted).toBe(0.001)
    })

    it('raises a fixed d= that floods, by the power of two that brings the rate under the bound', () => {
      const d = new SessionDifficulty(config({ minDifficulty: 0.0001, maxShareRate: 2 }), 0)
      d.fix(0.001, 0)
      // A fast miner typing d=0.001: 100 submissions a second. The burst is judged at once.
      let raised = false
      let t = 0
      for (let i = 0; i < 11 && !raised; i++) raised = d.recordShare(0.001, (t += 10))
      expect(raised).toBe(true)
      expect(d.wanted).toBe(0.001 * 64) // 100/s over a bound of 2/s: x50, rounded up to x64
      expect(d.variable).toBe(false) // still fixed, at the new value
      // At the new difficulty the same miner submits ~1.6/s: no further raise.
      for (let i = 0; i < 50; i++) expect(d.recordShare(0.064, (t += 640))).toBe(false)
      expect(d.wanted).toBe(0.064)
    })

    it('bounds what any session costs: the accepted rate after the guard acts stays under the bound', () => {
      const max = 5
      for (const hashrate of [1e9, 1e12, 1e14]) {
        const d = new SessionDifficulty(config({ minDifficulty: 0.0001, maxDifficulty: 2 ** 40, maxShareRate: max, vardiff: false }), 0)
        d.fix(0.0001, 0)
        let t = 0
        let last = 0
        // Deterministic arrivals at the expected interval for the current difficulty.
        while (t < 120_000) {
          t += Math.max(1e-3, (d.wanted * 2 ** 32) / hashrate) * 1000
          d.recordShare(d.wanted, t)
          last = (hashrate / (d.wanted * 2 ** 32))
        }
        expect(last).toBeLessThanOrEqual(max)
      }
    })

    it('is off with maxShareRate 0, and refuses a negative one', () => {
      const d = new SessionDifficulty(config({ maxShareRate: 0, vardiff: false }), 0)
      for (let i = 1; i <= 1000; i++) expect(d.recordShare(1024, i)).toBe(false)
      expect(() => config({ maxShareRate: -1 })).toThrow(/maxShareRate/)
    })
  })
})
