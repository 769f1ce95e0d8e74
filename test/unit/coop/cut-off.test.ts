// The cut-off state (protocol/COOP.md §Cut off): when it starts, why, when it clears, and that an
// append never leaves its caller (a miner's submit) without an answer.
import { describe, expect, it } from 'vitest'
import { CutOffError, CutOffMonitor, type ReachState } from '../../../src/coop/cut-off.js'

function setup(over: { writable?: boolean; writers?: number; closed?: boolean; appendStallMs?: number } = {}) {
  const world = { writable: over.writable ?? false, writers: over.writers ?? 1, closed: over.closed ?? false, t: 1_000_000 }
  const monitor = new CutOffMonitor({
    writable: () => world.writable,
    writerPeers: () => world.writers,
    baseClosed: () => world.closed,
    graceMs: 5_000,
    appendStallMs: over.appendStallMs ?? 10_000,
    now: () => world.t
  })
  const changes: ReachState[] = []
  monitor.on('change', (s) => changes.push(s))
  return { world, monitor, changes }
}

describe('CutOffMonitor', () => {
  it('appends started in the same millisecond each complete (a real clock of ~1.8e12 ms: no float tricks)', async () => {
    const { world, monitor } = setup({ writable: true })
    world.t = 1_800_000_000_000
    const done: number[] = []
    await Promise.all([1, 2, 3].map((n) => monitor.guardAppend(async () => void done.push(n))))
    expect(done.sort()).toEqual([1, 2, 3])
    expect(monitor.evaluate().cutOff).toBe(false)
    monitor.close()
  })

  it('a non-writer with no writer peer is cut off only after the grace period, and recovers when a writer is back', () => {
    const { world, monitor, changes } = setup()
    expect(monitor.evaluate().cutOff).toBe(false)
    world.writers = 0
    expect(monitor.evaluate().cutOff).toBe(false) // a reconnect in progress does not flap
    world.t += 4_999
    expect(monitor.evaluate().cutOff).toBe(false)
    world.t += 1
    const s = monitor.evaluate()
    expect(s).toMatchObject({ cutOff: true, reason: 'no-writer', since: world.t })
    expect(s.detail).toMatch(/not a writer and no writer/)
    world.t += 60_000
    expect(monitor.evaluate().since).toBe(world.t - 60_000) // since stays at the start
    world.writers = 1
    expect(monitor.evaluate()).toMatchObject({ cutOff: false, reason: null, since: null })
    expect(changes.map((c) => c.reason)).toEqual(['no-writer', null])
    monitor.close()
  })

  it('a writer alone is not cut off (its appends are in the log); a closed base is', () => {
    const { world, monitor } = setup({ writable: true, writers: 0 })
    world.t += 60_000
    expect(monitor.evaluate().cutOff).toBe(false)
    world.closed = true
    expect(monitor.evaluate()).toMatchObject({ cutOff: true, reason: 'base-closed' })
    monitor.close()
  })

  it('refuses an append at once while cut off, with the reason', async () => {
    const { world, monitor } = setup({ writers: 0 })
    monitor.evaluate() // the first time it sees no writer
    world.t += 5_000
    let ran = false
    await expect(monitor.guardAppend(async () => void (ran = true))).rejects.toThrow(CutOffError)
    await expect(monitor.guardAppend(async () => {})).rejects.toThrow(/cut off from the cooperative: this node is not a writer/)
    expect(ran).toBe(false)
    monitor.close()
  })

  it('answers a stalled append after the bound and is cut off (append-stalled) until it completes', async () => {
    const { world, monitor } = setup({ appendStallMs: 50 })
    let finish: () => void = () => {}
    const stuck = new Promise<void>((resolve) => (finish = resolve))
    const guarded = monitor.guardAppend(() => stuck)
    world.t += 50
    await expect(guarded).rejects.toThrow(/did not take the share within/)
    expect(monitor.evaluate()).toMatchObject({ cutOff: true, reason: 'append-stalled' })
    finish()
    await stuck
    await new Promise((r) => setImmediate(r))
    expect(monitor.evaluate().cutOff).toBe(false)
    await expect(monitor.guardAppend(async () => {})).resolves.toBeUndefined()
    monitor.close()
  })
})
