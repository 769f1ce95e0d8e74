import { hash } from 'node:crypto'
import { hashToBigInt } from '../../src/bitcoin/target.js'

/**
 * Grinds the nonce of an 80-byte header until sha256d(header) <= target; returns the header.
 * node:crypto's one-shot hash is about twice as fast as @noble/hashes here, and at the simulator's
 * share targets (about 2^248) a share costs some 256 hashes. The result is checked by the real
 * validation code like any share.
 */
export function grindHeader(header: Uint8Array, target: bigint): Uint8Array {
  if (header.length !== 80) throw new Error('a header is 80 bytes')
  const bytes = Buffer.from(header)
  for (let nonce = 0; nonce <= 0xffffffff; nonce++) {
    bytes.writeUInt32LE(nonce, 76)
    const digest = hash('sha256', hash('sha256', bytes, 'buffer'), 'buffer')
    if (hashToBigInt(digest) <= target) return new Uint8Array(bytes)
  }
  throw new Error('nonce space exhausted (target too hard for the simulator)')
}
