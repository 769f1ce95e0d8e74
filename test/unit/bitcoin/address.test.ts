import { createHash } from 'node:crypto'
import { address as bjsAddress } from 'bitcoinjs-lib'
import { describe, expect, it } from 'vitest'
import { fromHex, toHex } from '../../../src/bitcoin/bytes.js'
import { AddressError, addressToScript, scriptToAddress, scriptType, type ScriptType } from '../../../src/bitcoin/address.js'
import { NETWORK_NAMES, type NetworkName } from '../../../src/bitcoin/networks.js'

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

/** Independent base58check decode (BigInt + node:crypto) to confirm the base58 vectors. */
function base58CheckDecode(s: string): { version: number; payload: string } {
  let n = 0n
  for (const c of s) n = n * 58n + BigInt(BASE58.indexOf(c))
  let hex = n.toString(16)
  if (hex.length % 2 === 1) hex = '0' + hex
  const leadingZeros = s.length - s.replace(/^1+/, '').length
  const bytes = Buffer.from('00'.repeat(leadingZeros) + hex, 'hex')
  const body = bytes.subarray(0, -4)
  const check = createHash('sha256').update(createHash('sha256').update(body).digest()).digest().subarray(0, 4)
  if (!check.equals(bytes.subarray(-4))) throw new Error('bad checksum')
  return { version: body[0] as number, payload: body.subarray(1).toString('hex') }
}

interface Vector {
  address: string
  script: string
  type: ScriptType
  /** Networks the address is valid on. */
  networks: NetworkName[]
  source: string
}

const TESTNETS: NetworkName[] = ['testnet', 'testnet4', 'signet']
const TEST_BASE58: NetworkName[] = ['testnet', 'testnet4', 'signet', 'regtest']

const VECTORS: Vector[] = [
  // mainnet
  { address: '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', script: '76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac', type: 'p2pkh', networks: ['mainnet'], source: 'genesis coinbase key' },
  { address: '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', script: 'a914b472a266d0bd89c13706a4132ccfb16f7c3b9fcb87', type: 'p2sh', networks: ['mainnet'], source: 'Bitcoin wiki P2SH example' },
  { address: 'BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', script: '0014751e76e8199196d454941c45d1b3a323f1433bd6', type: 'p2wpkh', networks: ['mainnet'], source: 'BIP173 (upper case)' },
  { address: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', script: '0014751e76e8199196d454941c45d1b3a323f1433bd6', type: 'p2wpkh', networks: ['mainnet'], source: 'BIP173' },
  { address: 'bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3', script: '00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262', type: 'p2wsh', networks: ['mainnet'], source: 'BIP173' },
  { address: 'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0', script: '512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798', type: 'p2tr', networks: ['mainnet'], source: 'BIP350' },
  { address: 'bc1p5cyxnuxmeuwuvkwfem96lqzszd02n6xdcjrs20cac6yqjjwudpxqkedrcr', script: '5120a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c', type: 'p2tr', networks: ['mainnet'], source: 'BIP86 first receive address' },
  // testnet3 / testnet4 / signet (one address format), regtest shares the base58 prefixes
  { address: 'mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn', script: '76a914243f1394f44554f4ce3fd68649c19adc483ce92488ac', type: 'p2pkh', networks: TEST_BASE58, source: 'Bitcoin developer examples (m prefix)' },
  { address: '2MzQwSSnBHWHqSAqtTVQ6v47XtaisrJa1Vc', script: 'a9144e9f39ca4688ff102128ea4ccda34105324305b087', type: 'p2sh', networks: TEST_BASE58, source: 'Bitcoin developer examples (2 prefix)' },
  { address: 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', script: '0014751e76e8199196d454941c45d1b3a323f1433bd6', type: 'p2wpkh', networks: TESTNETS, source: 'BIP173' },
  { address: 'tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7', script: '00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262', type: 'p2wsh', networks: TESTNETS, source: 'BIP173' },
  { address: 'tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy', script: '0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433', type: 'p2wsh', networks: TESTNETS, source: 'BIP173' },
  { address: 'tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c', script: '5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433', type: 'p2tr', networks: TESTNETS, source: 'BIP350' },
  // regtest bech32
  { address: 'bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080', script: '0014751e76e8199196d454941c45d1b3a323f1433bd6', type: 'p2wpkh', networks: ['regtest'], source: 'Bitcoin Core regtest vector' }
]

describe.each(VECTORS)('$address ($source)', (v) => {
  it.each(v.networks)('on %s: address -> script -> address', (network) => {
    const script = addressToScript(v.address, network)
    expect(toHex(script)).toBe(v.script)
    expect(scriptType(script)).toBe(v.type)
    // Bech32 addresses come back in lower case, as encoders write them.
    expect(scriptToAddress(script, network)).toBe(v.address.startsWith('BC1') ? v.address.toLowerCase() : v.address)
  })

  it('is refused on every other network, naming the right one', () => {
    for (const network of NETWORK_NAMES.filter((n) => !v.networks.includes(n))) {
      expect(() => addressToScript(v.address, network)).toThrow(AddressError)
      expect(() => addressToScript(v.address, network)).toThrow(`is for ${v.networks.join('/')}, not ${network}`)
    }
  })
})

describe('base58 vectors confirmed independently', () => {
  it.each(VECTORS.filter((v) => v.type === 'p2pkh' || v.type === 'p2sh'))('$address', (v) => {
    const { version, payload } = base58CheckDecode(v.address)
    const mainnet = v.networks.includes('mainnet')
    expect(version).toBe(v.type === 'p2pkh' ? (mainnet ? 0x00 : 0x6f) : mainnet ? 0x05 : 0xc4)
    expect(v.script).toContain(payload)
  })
})

describe('regtest and test-network prefixes', () => {
  const hash = fromHex('751e76e8199196d454941c45d1b3a323f1433bd6')

  it('regtest encodes bcrt1 for segwit and m/n/2 for base58', () => {
    expect(scriptToAddress(fromHex('0014751e76e8199196d454941c45d1b3a323f1433bd6'), 'regtest')).toMatch(/^bcrt1q/)
    const p2pkh = scriptToAddress(fromHex('76a914' + toHex(hash) + '88ac'), 'regtest')
    expect(p2pkh).toMatch(/^[mn]/)
    expect(scriptToAddress(fromHex('a914' + toHex(hash) + '87'), 'regtest')).toMatch(/^2/)
    expect(base58CheckDecode(p2pkh as string).version).toBe(0x6f)
  })

  it('a regtest taproot address round-trips', () => {
    const script = fromHex('512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798')
    const address = scriptToAddress(script, 'regtest') as string
    expect(address).toMatch(/^bcrt1p/)
    expect(addressToScript(address, 'regtest')).toEqual(script)
    expect(() => addressToScript(address, 'signet')).toThrow('is for regtest, not signet')
  })

  it('the same script gets the same address on testnet, testnet4 and signet', () => {
    const script = fromHex('0014751e76e8199196d454941c45d1b3a323f1433bd6')
    expect(new Set(TESTNETS.map((n) => scriptToAddress(script, n)))).toEqual(new Set(['tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx']))
  })
})

describe('refusals, each with a message that says why', () => {
  const cases: [string, string, NetworkName, RegExp][] = [
    ['empty', '', 'mainnet', /empty address/],
    ['spaces', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa ', 'mainnet', /malformed address/],
    ['punctuation', 'bc1q-w508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', 'mainnet', /malformed address/],
    ['too long', 'bc1q' + 'q'.repeat(100), 'mainnet', /malformed address/],
    ['base58 bad checksum', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb', 'mainnet', /invalid address .* \(base58check: Invalid checksum\)/],
    ['base58 bad character', '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfN0', 'mainnet', /base58check: Non-base58 character/],
    ['base58 unknown version byte (Litecoin L...)', 'LVuDpNCSSj6pQ7t9Pv6d6sUkLKoqDEVUnJ', 'mainnet', /invalid address .*: unknown version byte 0x30/],
    ['bech32 bad checksum', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5', 'mainnet', /\(bech32: Invalid checksum/],
    ['bech32 mixed case', 'tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq', 'testnet', /\(bech32: Mixed-case/],
    ['bech32 unknown prefix', 'tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut', 'mainnet', /invalid address .*: unknown prefix 'tc'/],
    // BIP350: a segwit v1+ address checksummed with bech32, and v0 with bech32m
    ['v1 with a bech32 checksum', 'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd', 'mainnet', /checksum type does not match the witness version/],
    ['v0 with a bech32m checksum', 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh', 'mainnet', /checksum type does not match the witness version/],
    ['v0 program of 16 bytes', 'BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P', 'mainnet', /version 0 witness program is 20 or 32 bytes, this one 16/],
    ['program of 1 byte', 'bc1pw5dgrnzv', 'mainnet', /witness program is 2-40 bytes, this one 1/],
    ['program of 41 bytes', 'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav', 'mainnet', /witness program is 2-40 bytes, this one 41/],
    ['witness version 17', 'BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R', 'mainnet', /witness version 17 does not exist/],
    ['empty data section', 'bc1gmk9yu', 'mainnet', /invalid address bc1gmk9yu \(bech32: no witness version or program, only a checksum\)/],
    ['non-zero padding', 'tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j', 'testnet', /bech32: Non-zero padding/],
    ['more than 4 bits of padding', 'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf', 'mainnet', /bech32: Excess padding/],
    ['invalid character in the checksum', 'bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4', 'mainnet', /bech32: Unknown character o/],
    // valid BIP350 addresses that are not standard payout types
    ['segwit v2', 'bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs', 'mainnet', /witness version 2 with a 16-byte program is not a standard payout type/],
    ['segwit v16', 'BC1SW50QGDZ25J', 'mainnet', /witness version 16 with a 2-byte program is not a standard payout type/],
    ['segwit v1 with 40 bytes', 'bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y', 'mainnet', /witness version 1 with a 40-byte program is not a standard payout type/]
  ]

  it.each(cases)('%s', (_name, address, network, message) => {
    let caught: unknown
    try {
      addressToScript(address, network)
    } catch (err) {
      caught = err
    }
    expect(caught).toBeInstanceOf(AddressError)
    expect((caught as Error).message).toMatch(message)
  })

  it('a non-standard witness version on a shared prefix is not blamed on another network', () => {
    const v2 = bjsAddress.toBech32(new Uint8Array(16).fill(7), 2, 'tb')
    expect(() => addressToScript(v2, 'testnet')).toThrow(/witness version 2 with a 16-byte program is not a standard payout type/)
  })

  it('a taproot program that is not a curve point is refused', () => {
    // x = 5 is not the x coordinate of any secp256k1 point (5^3 + 7 = 132 is not a square mod p).
    const offCurve = bjsAddress.toBech32(fromHex('00'.repeat(31) + '05'), 1, 'bc')
    expect(() => addressToScript(offCurve, 'mainnet')).toThrow(/taproot output key is not a point on the curve/)
  })

  it('an unknown network name is refused', () => {
    expect(() => addressToScript('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa', 'litecoin' as NetworkName)).toThrow(/unknown network 'litecoin'/)
  })
})

describe('scriptType and scriptToAddress on non-standard scripts', () => {
  it.each([
    ['OP_RETURN', '6a20' + '11'.repeat(32)],
    ['segwit v2', '5210751e76e8199196d454941c45d1b3a323f143'],
    ['bare multisig', '5121' + '02'.repeat(33) + '51ae'],
    ['p2pkh without OP_CHECKSIG', '76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888'],
    ['empty', '']
  ])('%s has no standard type and no address', (_name, hex) => {
    const script = fromHex(hex)
    expect(() => scriptType(script)).toThrow(/not a standard payout script/)
    expect(scriptToAddress(script, 'mainnet')).toBeNull()
  })

  it('a p2tr script whose key is off the curve has no address', () => {
    expect(scriptToAddress(fromHex('5120' + '00'.repeat(31) + '05'), 'mainnet')).toBeNull()
  })
})
