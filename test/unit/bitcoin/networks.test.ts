import { describe, expect, it } from 'vitest'
import { isNetworkName, network, NETWORK_NAMES, NETWORKS } from '../../../src/bitcoin/networks.js'
import { bitsToTarget, targetToHex } from '../../../src/bitcoin/target.js'

describe('networks', () => {
  it('lists the five networks hashcoop runs on', () => {
    expect(NETWORK_NAMES).toEqual(['mainnet', 'testnet', 'testnet4', 'signet', 'regtest'])
    for (const name of NETWORK_NAMES) expect(NETWORKS[name].name).toBe(name)
  })

  it("maps to Bitcoin Core's getblockchaininfo chain names", () => {
    expect(NETWORK_NAMES.map((n) => NETWORKS[n].coreChain)).toEqual(['main', 'test', 'testnet4', 'signet', 'regtest'])
  })

  it('address prefixes: bc / tb (testnet3, testnet4, signet) / bcrt', () => {
    expect(NETWORK_NAMES.map((n) => NETWORKS[n].address.bech32)).toEqual(['bc', 'tb', 'tb', 'tb', 'bcrt'])
    expect(NETWORK_NAMES.map((n) => [NETWORKS[n].address.pubKeyHash, NETWORKS[n].address.scriptHash])).toEqual([
      [0x00, 0x05],
      [0x6f, 0xc4],
      [0x6f, 0xc4],
      [0x6f, 0xc4],
      [0x6f, 0xc4]
    ])
  })

  it("proof-of-work limits are Core's powLimit values", () => {
    const limits = Object.fromEntries(NETWORK_NAMES.map((n) => [n, targetToHex(bitsToTarget(NETWORKS[n].powLimitBits))]))
    expect(limits).toEqual({
      mainnet: '00000000ffff0000000000000000000000000000000000000000000000000000',
      testnet: '00000000ffff0000000000000000000000000000000000000000000000000000',
      testnet4: '00000000ffff0000000000000000000000000000000000000000000000000000',
      signet: '00000377ae000000000000000000000000000000000000000000000000000000',
      regtest: '7fffff0000000000000000000000000000000000000000000000000000000000'
    })
  })

  it('network() looks up by name and refuses anything else, listing the choices', () => {
    expect(network('signet').coreChain).toBe('signet')
    expect(() => network('main')).toThrow("unknown network 'main' (expected one of: mainnet, testnet, testnet4, signet, regtest)")
    expect(isNetworkName('regtest')).toBe(true)
    expect(isNetworkName('testnet3')).toBe(false)
    expect(isNetworkName('')).toBe(false)
  })
})
