import { sha256 } from '@noble/hashes/sha2.js'
import { reverseBytes, toHex, fromHex } from './bytes.js'

/** Bitcoin's double SHA-256. */
export function sha256d(data: Uint8Array): Uint8Array {
  return sha256(sha256(data))
}

export { sha256 }

/** Display hex (as RPC and explorers show it) of a hash held in internal byte order. */
export function hashToHex(hash: Uint8Array): string {
  return toHex(reverseBytes(hash))
}

/** Internal byte order of a hash given in display hex. */
export function hashFromHex(hex: string, what = 'hash'): Uint8Array {
  const bytes = fromHex(hex, what)
  if (bytes.length !== 32) throw new Error(`${what} must be 32 bytes, got ${bytes.length}`)
  return reverseBytes(bytes)
}
