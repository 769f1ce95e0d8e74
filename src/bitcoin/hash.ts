import { sha256 } from '@noble/hashes/sha2.js'
import { createHash, hash as oneShotHash } from 'node:crypto'
import { reverseBytes, toHex, fromHex } from './bytes.js'

/** Bitcoin's double SHA-256. */
export function sha256d(data: Uint8Array): Uint8Array {
  return sha256(sha256(data))
}

/**
 * sha256d through node:crypto: the same bytes as sha256d (a test checks it), about twice as fast on
 * small inputs (see drivers/cpu-search.ts), but tied to Node. For hot paths outside consensus (the
 * stratum submit check); consensus code keeps the portable sha256d. Returns a plain Uint8Array view
 * of node's Buffer (no copy), as sha256d does.
 */
export function sha256dNative(data: Uint8Array): Uint8Array {
  const digest: Buffer =
    typeof oneShotHash === 'function' ? oneShotHash('sha256', oneShotHash('sha256', data, 'buffer'), 'buffer') : createHash('sha256').update(createHash('sha256').update(data).digest()).digest()
  return new Uint8Array(digest.buffer, digest.byteOffset, digest.byteLength)
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
