import { describe, expect, it } from 'vitest'
import { checkParams, decodeParams, encodeParams, defaultParams, consensusId, type CoopParams } from '../../../protocol/params.js'
import { NETWORK_NAMES } from '../../../src/bitcoin/networks.js'
import { toHex } from '../../../src/bitcoin/bytes.js'

const salt = new Uint8Array(32).fill(1)

describe('cooperative parameters', () => {
  it('defaults are valid on every network and round-trip through the encoding', () => {
    for (const network of NETWORK_NAMES) {
      const p = defaultParams(network, salt, 1_800_000_000)
      expect(() => checkParams(p)).not.toThrow()
      expect(decodeParams(encodeParams(p))).toEqual(p)
    }
  })

  it('the consensus id changes with any parameter and with the salt', () => {
    const p = defaultParams('regtest', salt, 1_800_000_000)
    const ids = new Set([p, { ...p, windowShares: p.windowShares + 1 }, { ...p, minPayout: p.minPayout + 1 }, { ...p, salt: new Uint8Array(32).fill(2) }, { ...p, name: 'other' }, { ...p, maxTimeStep: p.maxTimeStep + 1 }].map((x) => toHex(consensusId(x))))
    expect(ids.size).toBe(6)
  })

  const bad: [string, Partial<CoopParams>][] = [
    ['version', { version: 1 }],
    ['version', { version: 3 }],
    ['shareInterval', { shareInterval: 0 }],
    ['halfLife', { halfLife: 1 }],
    ['maxTimeStep', { maxTimeStep: 3 }],
    ['windowShares', { windowShares: 0 }],
    ['maxUncles', { maxUncles: 17 }],
    ['uncleDepth', { uncleDepth: 0 }],
    ['uncleWeightBps', { uncleWeightBps: 10_001 }],
    ['finderBonusBps', { finderBonusBps: 1001 }],
    ['maxOutputs', { maxOutputs: 0 }],
    ['maxShareBits', { maxShareBits: 0x1e0000ff }], // non-canonical: this target's canonical spelling has a smaller exponent
    ['initialShareBits', { initialShareBits: 0x00800000 }],
    ['name', { name: 'x'.repeat(65) }],
    ['salt', { salt: new Uint8Array(31) }]
  ]
  for (const [field, change] of bad) {
    it(`refuses a bad ${field}, naming it`, () => {
      const p = { ...defaultParams('regtest', salt, 1_800_000_000), ...change }
      expect(() => checkParams(p)).toThrow(new RegExp(`invalid cooperative parameter ${field}`))
    })
  }

  it('refuses a maximum share target easier than the network allows', () => {
    const p = { ...defaultParams('mainnet', salt, 1_800_000_000), maxShareBits: 0x207fffff, initialShareBits: 0x207fffff }
    expect(() => checkParams(p)).toThrow(/maxShareBits: easier than mainnet/)
  })

  it('refuses a truncated or padded genesis record', () => {
    const bytes = encodeParams(defaultParams('regtest', salt, 1_800_000_000))
    expect(() => decodeParams(bytes.slice(0, -1))).toThrow(/malformed genesis record/)
    expect(() => decodeParams(Uint8Array.from([...bytes, 0]))).toThrow(/trailing bytes/)
  })
})
