import { address as bjsAddress, type Network as AddressParams } from 'bitcoinjs-lib'
import { concatBytes } from './bytes.js'
import { ensureEccLib, nobleEcc } from './ecc.js'
import { NETWORK_NAMES, NETWORKS, network as networkInfo, type NetworkName } from './networks.js'

/** The standard output types a payout may go to. */
export type ScriptType = 'p2pkh' | 'p2sh' | 'p2wpkh' | 'p2wsh' | 'p2tr'

// Other modules build taproot payments through bitcoinjs-lib and rely on this import to set it up.
ensureEccLib()

export class AddressError extends Error {
  override name = 'AddressError'
}

/** The human-readable parts of the segwit networks we know, to tell a bech32 address from base58. */
const KNOWN_HRPS = new Set(NETWORK_NAMES.map((n) => NETWORKS[n].address.bech32))

type DecodedAddress = { kind: 'base58'; version: number; hash: Uint8Array } | { kind: 'segwit'; prefix: string; version: number; program: Uint8Array }

/**
 * A Bitcoin address to its output script. Refuses, with a message that says why, anything that is
 * not a standard address of the given network (including a valid address of another network).
 */
export function addressToScript(address: string, network: NetworkName): Uint8Array {
  const params = networkInfo(network).address
  if (typeof address !== 'string' || address.length === 0) throw new AddressError('empty address')
  if (address.length > 90 || !/^[a-zA-Z0-9]+$/.test(address)) throw new AddressError(`malformed address: ${JSON.stringify(String(address).slice(0, 100))}`)
  const decoded = decodeAddress(address)
  if (decoded.kind === 'base58') {
    if (decoded.version === params.pubKeyHash) return concatBytes(Uint8Array.of(0x76, 0xa9, 0x14), decoded.hash, Uint8Array.of(0x88, 0xac))
    if (decoded.version === params.scriptHash) return concatBytes(Uint8Array.of(0xa9, 0x14), decoded.hash, Uint8Array.of(0x87))
    throw wrongNetwork(address, network, (n) => n.pubKeyHash === decoded.version || n.scriptHash === decoded.version, `unknown version byte 0x${decoded.version.toString(16).padStart(2, '0')}`)
  }
  if (decoded.prefix !== params.bech32) throw wrongNetwork(address, network, (n) => n.bech32 === decoded.prefix, `unknown prefix '${decoded.prefix}'`)
  return segwitScript(address, decoded.version, decoded.program)
}

/** The address for an output script, or null when the script has no standard address form. */
export function scriptToAddress(script: Uint8Array, network: NetworkName): string | null {
  const params = networkInfo(network).address
  let type: ScriptType
  try {
    type = scriptType(script)
  } catch {
    return null
  }
  switch (type) {
    case 'p2pkh':
      return bjsAddress.toBase58Check(script.slice(3, 23), params.pubKeyHash)
    case 'p2sh':
      return bjsAddress.toBase58Check(script.slice(2, 22), params.scriptHash)
    case 'p2wpkh':
    case 'p2wsh':
      return bjsAddress.toBech32(script.slice(2), 0, params.bech32)
    case 'p2tr':
      // An output key off the curve can never be spent; it has no address worth showing.
      return nobleEcc.isXOnlyPoint(script.slice(2)) ? bjsAddress.toBech32(script.slice(2), 1, params.bech32) : null
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

/** Checksum and encoding checks (base58check, BIP173 bech32, BIP350 bech32m), no network yet. */
function decodeAddress(address: string): DecodedAddress {
  try {
    const { version, hash } = bjsAddress.fromBase58Check(address)
    return { kind: 'base58', version, hash: Uint8Array.from(hash) }
  } catch (base58Error) {
    try {
      const { prefix, version, data } = bjsAddress.fromBech32(address)
      return { kind: 'segwit', prefix, version, program: Uint8Array.from(data) }
    } catch (bech32Error) {
      // Report the failure of the encoding the address was evidently meant to be in.
      const separator = address.lastIndexOf('1')
      const looksBech32 = separator > 0 && KNOWN_HRPS.has(address.slice(0, separator).toLowerCase())
      const reason = looksBech32 ? `bech32: ${bech32Reason(address, separator, bech32Error)}` : `base58check: ${messageOf(base58Error)}`
      throw new AddressError(`invalid address ${address} (${reason})`)
    }
  }
}

/** BIP141 / BIP341 output script for a decoded segwit address; only the standard payout kinds. */
function segwitScript(address: string, version: number, program: Uint8Array): Uint8Array {
  if (version > 16) throw new AddressError(`invalid address ${address}: witness version ${version} does not exist`)
  if (program.length < 2 || program.length > 40) throw new AddressError(`invalid address ${address}: a witness program is 2-40 bytes, this one ${program.length}`)
  if (version === 0) {
    if (program.length !== 20 && program.length !== 32) throw new AddressError(`invalid address ${address}: a version 0 witness program is 20 or 32 bytes, this one ${program.length}`)
    return concatBytes(Uint8Array.of(0x00, program.length), program)
  }
  if (version === 1 && program.length === 32) {
    if (!nobleEcc.isXOnlyPoint(program)) throw new AddressError(`invalid address ${address}: the taproot output key is not a point on the curve (funds sent there could never be spent)`)
    return concatBytes(Uint8Array.of(0x51, 0x20), program)
  }
  throw new AddressError(`unsupported address ${address}: witness version ${version} with a ${program.length}-byte program is not a standard payout type (p2wpkh, p2wsh or p2tr)`)
}

function wrongNetwork(address: string, network: NetworkName, matches: (params: AddressParams) => boolean, unknown: string): AddressError {
  const elsewhere = NETWORK_NAMES.filter((n) => n !== network && matches(NETWORKS[n].address))
  if (elsewhere.length > 0) return new AddressError(`address ${address} is for ${elsewhere.join('/')}, not ${network}`)
  return new AddressError(`invalid address ${address}: ${unknown}`)
}

/** bitcoinjs-lib's bech32 messages, reworded where they would mislead a user. */
function bech32Reason(address: string, separator: number, err: unknown): string {
  const CHECKSUM_CHARS = 6
  if (address.length - separator - 1 <= CHECKSUM_CHARS) return 'no witness version or program, only a checksum'
  const message = messageOf(err)
  if (message.endsWith('uses wrong encoding')) return 'the checksum type does not match the witness version (v0 uses bech32, v1 and later bech32m: BIP350)'
  return message
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
