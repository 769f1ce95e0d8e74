import { describe, expect, it } from 'vitest'
import { fairness } from '../../../sims/scenarios/fairness.js'
import { latency } from '../../../sims/scenarios/latency.js'

describe('simulator determinism', () => {
  it('same seed, same numbers: the latency scenario twice gives equal result objects', async () => {
    const a = await latency.run({ seed: 7, quick: true })
    const b = await latency.run({ seed: 7, quick: true })
    expect(b).toEqual(a)
    expect(a.cells.length).toBeGreaterThan(0)
    expect(a.cells.every((c) => c.shares > 50)).toBe(true)
    // run in two parts (as the report does, in parallel) and merged: the same object again
    const parts = await Promise.all([0, 1].map((index) => latency.run({ seed: 7, quick: true, part: { index, count: 2 } })))
    expect(latency.merge?.(parts)).toEqual(a)
  })

  it('same seed, same numbers: the fairness scenario twice gives equal result objects; another seed differs', async () => {
    const a = await fairness.run({ seed: 3, quick: true })
    const b = await fairness.run({ seed: 3, quick: true })
    expect(b).toEqual(a)
    const c = await fairness.run({ seed: 4, quick: true })
    expect(c.totals).not.toEqual(a.totals)
  })
})
