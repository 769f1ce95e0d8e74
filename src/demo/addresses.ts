/**
 * The demo's payout addresses: deterministic, one of each standard output type in turn (P2WPKH,
 * P2TR, P2PKH, P2WSH, P2SH), so the coinbases the demo mines pay every kind a real cooperative
 * would. Derived from fixed labels: nobody holds their keys, and on regtest nobody needs to.
 */
import { address as bjsAddress, networks } from 'bitcoinjs-lib'
import { getPublicKey } from '@noble/secp256k1'
import { sha256 } from '@noble/hashes/sha2.js'
import { ripemd160 } from '@noble/hashes/legacy.js'

const REGTEST = networks.regtest
const TYPES = ['p2wpkh', 'p2tr', 'p2pkh', 'p2wsh', 'p2sh'] as const

function hash160(data: Uint8Array): Uint8Array {
  return ripemd160(sha256(data))
}

/** A regtest address (Bitcoin Core's spelling: bcrt1..., m/n..., 2...) for demo participant `label`. */
export function demoAddress(label: string, index: number): string {
  const seed = sha256(new TextEncoder().encode(`hashcoop demo ${label} ${index}`))
  const pub = getPublicKey(seed, true)
  switch (TYPES[index % TYPES.length]) {
    case 'p2wpkh':
      return bjsAddress.toBech32(hash160(pub), 0, REGTEST.bech32)
    case 'p2tr':
      // An x-only key on the curve (a real public key), so the address shows as an address.
      return bjsAddress.toBech32(pub.slice(1), 1, REGTEST.bech32)
    case 'p2pkh':
      return bjsAddress.toBase58Check(hash160(pub), REGTEST.pubKeyHash)
    case 'p2wsh':
      return bjsAddress.toBech32(sha256(seed), 0, REGTEST.bech32)
    default:
      return bjsAddress.toBase58Check(hash160(seed), REGTEST.scriptHash)
  }
}
