import { describe, expect, it } from 'vitest'
import { negotiateConfigure, rollVersion } from '../../../src/stratum/configure.js'

const SERVER_MASK = 0x1fffe000

describe('mining.configure (BIP310)', () => {
  it('grants server mask AND miner mask, hex-encoded', () => {
    const r = negotiateConfigure([['version-rolling'], { 'version-rolling.mask': 'ffffffff', 'version-rolling.min-bit-count': 2 }], SERVER_MASK)
    expect(r).toEqual({ result: { 'version-rolling': true, 'version-rolling.mask': '1fffe000' }, versionMask: SERVER_MASK })
    const narrow = negotiateConfigure([['version-rolling'], { 'version-rolling.mask': '00ffff00' }], SERVER_MASK)
    expect(narrow).toMatchObject({ result: { 'version-rolling.mask': '00ffe000' }, versionMask: 0x00ffe000 })
  })

  it('refuses when the intersection has fewer bits than asked, or none, or the mask is junk', () => {
    expect(negotiateConfigure([['version-rolling'], { 'version-rolling.mask': '00006000', 'version-rolling.min-bit-count': 3 }], SERVER_MASK)).toEqual({ result: { 'version-rolling': false }, versionMask: 0 })
    expect(negotiateConfigure([['version-rolling'], { 'version-rolling.mask': '0000000f' }], SERVER_MASK)).toMatchObject({ result: { 'version-rolling': false } })
    expect(negotiateConfigure([['version-rolling'], { 'version-rolling.mask': 'nothex' }], SERVER_MASK)).toMatchObject({ result: { 'version-rolling': false } })
    expect(negotiateConfigure([['version-rolling'], {}], 0)).toMatchObject({ result: { 'version-rolling': false } })
  })

  it('answers every extension: minimum-difficulty honoured, subscribe-extranonce true, unknown false', () => {
    const r = negotiateConfigure([['minimum-difficulty', 'subscribe-extranonce', 'info', 'x-future'], { 'minimum-difficulty.value': 2048 }], SERVER_MASK)
    expect(r).toEqual({ result: { 'minimum-difficulty': true, 'subscribe-extranonce': true, info: false, 'x-future': false }, minimumDifficulty: 2048 })
    expect(negotiateConfigure([['minimum-difficulty'], {}], SERVER_MASK)).toEqual({ result: { 'minimum-difficulty': false } })
  })

  it('errors on params that are not a list of names', () => {
    expect(negotiateConfigure([], SERVER_MASK)).toHaveProperty('error')
    expect(negotiateConfigure([[1, 2]], SERVER_MASK)).toHaveProperty('error')
  })

  it('rolls version bits inside the mask and refuses bits outside it', () => {
    expect(rollVersion(0x20000000, 0x1fffe000, SERVER_MASK)).toBe(0x3fffe000)
    expect(rollVersion(0x20000004, 0x00002000, SERVER_MASK)).toBe(0x20002004)
    // job bits inside the mask are replaced, not kept: (job & ~mask) | (bits & mask)
    expect(rollVersion(0x20004000, 0x00002000, SERVER_MASK)).toBe(0x20002000)
    expect(rollVersion(0x20000000, 0x00001000, SERVER_MASK)).toBeNull()
    expect(rollVersion(0x20000000, 0x20000000, SERVER_MASK)).toBeNull()
    expect(rollVersion(0x20000000, 0, 0)).toBe(0x20000000)
    expect(rollVersion(0x20000000, 0x2000, 0)).toBeNull()
  })
})
