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
    for (let i = 1; i <= 100; i++) expect(d.recordShare(5000, i)).toBe(false)
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
    for (let i = 1; i <= 100; i++) expect(d.recordShare(1024, i)).toBe(false)
    expect(d.wanted).toBe(1024)
  })
})
