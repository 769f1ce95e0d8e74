import { describe, expect, it } from 'vitest'
import { ExtranonceAllocator } from '../../../src/stratum/extranonce.js'

describe('ExtranonceAllocator', () => {
  it('counts up from its start, fixed width, wrapping around the space', () => {
    const a = new ExtranonceAllocator(4, 0xfffffffen)
    expect([a.allocate(), a.allocate(), a.allocate()]).toEqual(['fffffffe', 'ffffffff', '00000000'])
  })

  it('never hands out a value a live session holds, and reuses released ones', () => {
    const a = new ExtranonceAllocator(1, 0n)
    const held = new Set<string>()
    for (let i = 0; i < 256; i++) held.add(a.allocate())
    expect(held.size).toBe(256)
    expect(() => a.allocate()).toThrow(/every extranonce1 value is in use/)
    a.release('7f')
    expect(a.allocate()).toBe('7f')
  })

  it('skips values taken by resumed sessions', () => {
    const a = new ExtranonceAllocator(2, 0x10n)
    expect(a.allocate('0011')).toBe('0011')
    expect(a.allocate()).toBe('0010')
    expect(a.allocate()).toBe('0012')
  })

  it('honours a resume request only when well-formed and free', () => {
    const a = new ExtranonceAllocator(4, 0n)
    expect(a.allocate('DEADBEEF')).toBe('deadbeef')
    expect(a.allocate('deadbeef')).toBe('00000000') // held: a fresh one instead
    expect(a.allocate('abc')).toBe('00000001') // wrong length
    expect(a.allocate('zzzzzzzz')).toBe('00000002') // not hex
    expect(a.liveCount).toBe(4)
    a.release('deadbeef')
    expect(a.allocate('deadbeef')).toBe('deadbeef')
  })

  it('starts at a random point when not told', () => {
    const starts = new Set(Array.from({ length: 8 }, () => new ExtranonceAllocator(4).allocate()))
    expect(starts.size).toBeGreaterThan(1)
  })
})
