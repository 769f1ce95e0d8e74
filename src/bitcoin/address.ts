import { address as bjsAddress } from 'bitcoinjs-lib'
import { ensureEccLib } from './ecc.js'
import { NETWORKS, network as networkInfo, type NetworkName } from './networks.js'

/** The standard output types a payout may go to. */
export type ScriptType = 'p2pkh' | 'p2sh' | 'p2wpkh' | 'p2wsh' | 'p2tr'

ensureEccLib()

export class AddressError extends Error {
  override name = 'AddressError'
}

/**
 * A Bitcoin address to its output script. Refuses, with a message that says why, anything that is
 * not a standard address of the given network (including a valid address of another network).
 */
export function addressToScript(address: string, network: NetworkName): Uint8Array {
  const info = networkInfo(network)
  if (typeof address !== 'string' || address.length === 0) throw new AddressError('empty address')
  if (address.length > 90 || !/^[a-zA-Z0-9]+$/.test(address)) throw new AddressError(`malformed address: ${JSON.stringify(address.slice(0, 100))}`)
  try {
    const script = Uint8Array.from(bjsAddress.toOutputScript(address, info.address))
    scriptType(script) // rejects non-standard witness versions/lengths
    return script
  } catch (err) {
    const elsewhere = networksOf(address).filter((n) => n !== network)
    if (elsewhere.length > 0) throw new AddressError(`address ${address} is for ${elsewhere.join('/')}, not ${network}`)
    throw new AddressError(`invalid ${network} address ${address}: ${err instanceof Error ? err.message : String(err)}`)
  }
}

/** The address for an output script, or null when the script has no standard address form. */
export function scriptToAddress(script: Uint8Array, network: NetworkName): string | null {
  try {
    return bjsAddress.fromOutputScript(script, networkInfo(network).address)
  } catch {
    return null
  }
}

/** The standard type of an output script; throws for anything else. */
export function scriptType(script: Uint8Array): ScriptType {
  const n = script.length
  if (n === 25 && script[0] === 0x76 && script[1] === 0xa9 && script[2] === 0x14 && script[23] === 0x88 && script[24] === 0xac) return 'p2pkh'
  if (n === 23 && script[0] === 0xa9 && script[1] === 0x14 && script[22] === 0x87) return 'p2sh'
  if (n === 22 && script[0] === 0x00 && script[1] === 0x14) return 'p2wpkh'
  if (n === 34 && script[0] === 0x00 && script[1] === 0x20) return 'p2wsh'
  if (n === 34 && script[0] === 0x51 && script[1] === 0x20) return 'p2tr'
  throw new AddressError('not a standard payout script (p2pkh, p2sh, p2wpkh, p2wsh or p2tr)')
}

function networksOf(address: string): NetworkName[] {
  const found: NetworkName[] = []
  for (const info of Object.values(NETWORKS)) {
    try {
      bjsAddress.toOutputScript(address, info.address)
      found.push(info.name)
    } catch {
      // not this network
    }
  }
  return found
}
