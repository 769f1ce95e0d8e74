import { describe, expect, it } from 'vitest'
import { tallyRun } from '../../../sims/core/accounting.js'
import { CausalInbox } from '../../../sims/core/causal-inbox.js'
import { runSimulation, type SimConfig } from '../../../sims/core/engine.js'
import type { Envelope } from '../../../sims/core/envelope.js'
import { EventQueue } from '../../../sims/core/event-queue.js'
import { Rng } from '../../../sims/core/rng.js'
import { networkForBlockEvery, PH, simParams } from '../../../sims/core/scaling.js'
import { payoutScript } from '../../../sims/core/scripts.js'

describe('simulator parts', () => {
  it('the event queue pops by time, ties in insertion order', () => {
    const q = new EventQueue<string>()
    q.push(2, 'c')
    q.push(1, 'a')
    q.push(1, 'b')
    q.push(0.5, 'first')
    const out: string[] = []
    for (let e = q.pop(); e !== undefined; e = q.pop()) out.push(e.event)
    expect(out).toEqual(['first', 'a', 'b', 'c'])
  })

  it('named PRNG streams are reproducible and independent', () => {
    const a = Rng.stream(5, 'x')
    const b = Rng.stream(5, 'x')
    const c = Rng.stream(5, 'y')
    const xs = Array.from({ length: 5 }, () => a.u32())
    expect(Array.from({ length: 5 }, () => b.u32())).toEqual(xs)
    expect(Array.from({ length: 5 }, () => c.u32())).not.toEqual(xs)
    const r = Rng.stream(1, 'exp')
    const mean = Array.from({ length: 20_000 }, () => r.exp(3)).reduce((s, x) => s + x, 0) / 20_000
    expect(mean).toBeGreaterThan(2.85)
    expect(mean).toBeLessThan(3.15)
  })

  it('causal delivery holds an entry until its parent and uncles are applied', () => {
    const known = new Set<string>(['p'])
    const inbox = new CausalInbox((id) => known.has(id))
    const env = (id: string, deps: string[]): Envelope => ({ seq: 0, id, entry: new Uint8Array(), share: null, deps, origin: 0, miner: 0, intent: 'honest' })
    const child = env('c', ['a', 'u'])
    expect(inbox.offer(env('a', ['p']))).toBe(true)
    expect(inbox.offer(child)).toBe(false)
    known.add('a')
    expect(inbox.release('a')).toEqual([])
    known.add('u')
    expect(inbox.release('u')).toEqual([child])
    expect(inbox.held).toBe(0)
  })

  it('light nodes over a shared validator reach exactly what full nodes reach', async () => {
    const params = simParams(2, { windowShares: 20 })
    const config: SimConfig = {
      seed: 2,
      params,
      nodeCount: 4,
      miners: [1, 2, 3, 4, 5, 6].map((h, i) => ({ node: i % 4, hashrate: h * PH, script: payoutScript(i) })),
      latency: { kind: 'pairwise', meanSeconds: 1.5 },
      duration: 600,
      networkHashrate: networkForBlockEvery(params, 21 * PH, 30)
    }
    const full = await runSimulation(config)
    const light = await runSimulation({ ...config, nodeMode: 'shared' })
    expect(light.auditor.tipHex).toBe(full.auditor.tipHex)
    expect(light.nodes.map((n) => n.tipHex)).toEqual(full.nodes.map((n) => n.tipHex))
    expect(tallyRun(light, { expectedRevenue: true })).toEqual(tallyRun(full, { expectedRevenue: true }))
    expect(full.produced.some((s) => s.uncles > 0)).toBe(true)
  })
})
